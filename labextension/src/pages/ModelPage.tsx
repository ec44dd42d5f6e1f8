/** The Model page: versions, aliases with their history, reasons and gates, lineage graph, live windows. */
import React, { useState } from 'react';

import { IAliasMove, IGateCheck, IModelMonitoring, IModelVersion } from '../api';
import { ErrorLine, formatTime, useModel } from '../components/common';
import { formatValue } from '../state';
import { ILineageNode, lineageGraph, NODE_H, NODE_W } from './lineageGraph';
import { usePageData } from './usePageData';
import { ConnectionBanner, useHost } from './widget';

type Move = IAliasMove & { via?: string; forced?: boolean; gates?: IGateCheck[] | null };

function when(t: unknown): string {
  return typeof t === 'number' ? formatTime(t) : String(t ?? '');
}

function ModelsList(): JSX.Element {
  const model = useModel();
  const host = useHost();
  const list = usePageData(async () => (await model.client.models()).models, [model]);
  return (
    <div className="jp-mlops-model-page jp-mlops-page-pad">
      <ConnectionBanner onBack={() => void list.reload()} />
      <h2>Models</h2>
      <ErrorLine error={list.error} />
      <table className="jp-mlops-table" aria-label="Models">
        <thead>
          <tr><th>model</th><th>latest</th><th>aliases</th><th>updated</th></tr>
        </thead>
        <tbody>
          {(list.value ?? []).map(m => (
            <tr key={m.name}>
              <td><a href="#" className="jp-mlops-link" onClick={e => (e.preventDefault(), host.open({ kind: 'model', name: m.name }))}>{m.name}</a></td>
              <td>{m.latest_version ?? '–'}</td>
              <td>{Object.entries(m.aliases).map(([a, v]) => `${a}→${v}`).join(', ')}</td>
              <td>{formatTime(m.updated_at)}</td>
            </tr>
          ))}
          {list.value?.length === 0 && <tr><td colSpan={4} className="jp-mlops-dim">no models yet: mlops.register_model("name", model)</td></tr>}
        </tbody>
      </table>
    </div>
  );
}

function Versions(props: { versions: IModelVersion[]; picked: number | null; onPick: (v: number) => void }): JSX.Element {
  const host = useHost();
  return (
    <table className="jp-mlops-table" aria-label="Versions">
      <thead>
        <tr><th>version</th><th>aliases</th><th>format</th><th>class</th><th>run</th><th>user</th><th>created</th></tr>
      </thead>
      <tbody>
        {[...props.versions].reverse().map(v => (
          <tr
            key={v.version}
            tabIndex={0}
            aria-selected={props.picked === v.version}
            className={`jp-mlops-clickable ${props.picked === v.version ? 'jp-mlops-picked' : ''}`}
            onClick={() => props.onPick(v.version)}
            onKeyDown={e => e.key === 'Enter' && props.onPick(v.version)}
          >
            <td>{v.version}</td>
            <td>{v.aliases.map(a => <span key={a} className="jp-mlops-chip">{a}</span>)}</td>
            <td>{v.format}</td>
            <td title={v.model_class}>{v.model_class.split('.').pop()}</td>
            <td>{v.run_id ? <a href="#" className="jp-mlops-link" onClick={e => (e.preventDefault(), e.stopPropagation(), host.open({ kind: 'run', runId: v.run_id! }))}>{v.run_id.slice(0, 8)}</a> : '–'}</td>
            <td>{v.user}</td>
            <td>{formatTime(v.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Gates(props: { gates: IGateCheck[] }): JSX.Element {
  return (
    <ul className="jp-mlops-gates">
      {props.gates.map((g, i) => (
        <li key={i} className={g.passed ? 'jp-mlops-ok' : 'jp-mlops-error'}>
          {g.passed ? '✓' : '✗'} {g.metric} {g.rule}: {formatValue(g.candidate)} vs {formatValue(g.threshold)} {g.detail}
        </li>
      ))}
    </ul>
  );
}

function AliasHistory(props: { moves: Move[] }): JSX.Element {
  return (
    <table className="jp-mlops-table" aria-label="Alias history">
      <thead>
        <tr><th>time</th><th>alias</th><th>move</th><th>user</th><th>via</th><th>reason</th><th>gates</th></tr>
      </thead>
      <tbody>
        {props.moves.map((m, i) => (
          <tr key={i}>
            <td>{when(m.time)}</td>
            <td>{m.alias}</td>
            <td>{m.from_version ?? '–'} → {m.to_version ?? '–'}</td>
            <td>{m.user}</td>
            <td>{m.via}{m.forced ? ' (forced)' : ''}</td>
            <td>{m.reason ?? ''}</td>
            <td>{m.gates?.length ? <Gates gates={m.gates} /> : <span className="jp-mlops-dim">none</span>}</td>
          </tr>
        ))}
        {props.moves.length === 0 && <tr><td colSpan={7} className="jp-mlops-dim">no alias moved yet</td></tr>}
      </tbody>
    </table>
  );
}

/** The lineage graph: an SVG of the core's lineage; runs, snapshots and the notebook are links. */
export function LineageGraph(props: { lineage: any }): JSX.Element {
  const host = useHost();
  const g = lineageGraph(props.lineage);
  const byId = new Map(g.nodes.map(n => [n.id, n]));
  const open = (n: ILineageNode) => {
    if (!n.target) return;
    if (n.kind === 'run' || n.kind === 'ancestor') host.open({ kind: 'run', runId: n.target });
    else if (n.kind === 'snapshot') host.open({ kind: 'snapshot', ref: n.target });
    else if (n.kind === 'notebook') host.openFile(n.target);
  };
  return (
    <svg className="jp-mlops-lineage" width={g.width} height={g.height} viewBox={`0 0 ${g.width} ${g.height}`} role="img" aria-label="lineage graph">
      {g.edges.map((e, i) => {
        const a = byId.get(e.from), b = byId.get(e.to);
        if (!a || !b) return null;
        const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
        const mid = (x1 + x2) / 2;
        return <path key={i} className="jp-mlops-lineage-edge" d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}><title>{e.label}</title></path>;
      })}
      {g.nodes.map(n => {
        const box = (
          <g className={`jp-mlops-lineage-node jp-mlops-lineage-${n.kind}`}>
            <rect x={n.x} y={n.y} width={NODE_W} height={NODE_H} rx={5} />
            <text x={n.x + 8} y={n.y + NODE_H / 2 + 4}>{n.label}</text>
          </g>
        );
        return n.target ? (
          <a key={n.id} href="#" role="link" aria-label={n.label} onClick={e => (e.preventDefault(), open(n))}>{box}</a>
        ) : (
          <g key={n.id}>{box}</g>
        );
      })}
    </svg>
  );
}

function LiveWindows(props: { monitoring: IModelMonitoring }): JSX.Element {
  const host = useHost();
  const m = props.monitoring;
  return (
    <section aria-label="Live windows">
      <h3>Live windows</h3>
      {m.last_alert ? (
        <div className="jp-mlops-error" role="status">
          last alert: {m.last_alert.monitor} on window {m.last_alert.window_id} ({formatTime(m.last_alert.closed_at)}): {m.last_alert.reasons.join('; ')}
        </div>
      ) : (
        <div className="jp-mlops-dim">no alert</div>
      )}
      <div>
        monitors:{' '}
        {m.monitors.map(x => (
          <a key={x.name} href="#" className="jp-mlops-link" onClick={e => (e.preventDefault(), host.open({ kind: 'monitoring', name: x.name }))}>
            {x.name} ({x.n_checks} checks, {x.n_alerts} alerts){' '}
          </a>
        ))}
        {m.monitors.length === 0 && <span className="jp-mlops-dim">none (mlops.monitor(...))</span>}
      </div>
      <table className="jp-mlops-table" aria-label="Windows">
        <thead><tr><th>window</th><th>closed</th><th>version</th><th>alias</th><th>rows</th><th>dropped</th><th>labels</th></tr></thead>
        <tbody>
          {m.windows.map(w => (
            <tr key={w.id}>
              <td>{w.id}</td><td>{formatTime(w.closed_at)}</td><td>{w.version}</td><td>{w.alias ?? ''}</td>
              <td>{w.n_rows}</td><td>{w.n_dropped}</td><td>{w.n_labels}</td>
            </tr>
          ))}
          {m.windows.length === 0 && <tr><td colSpan={7} className="jp-mlops-dim">no inference logged yet</td></tr>}
        </tbody>
      </table>
    </section>
  );
}

function ModelDetail(props: { name: string }): JSX.Element {
  const model = useModel();
  const c = model.client;
  const data = usePageData(async () => {
    const [detail, history, monitoring] = await Promise.all([
      c.model(props.name),
      c.aliasMoves(props.name),
      c.monitoring(props.name).catch(() => null)
    ]);
    return { ...detail, moves: history.moves as Move[], monitoring };
  }, [model, props.name]);
  const [picked, setPicked] = useState<number | null>(null);
  const version = picked ?? data.value?.model.latest_version ?? null;
  const lineage = usePageData(async () => (version === null ? null : c.lineage(props.name, version)), [model, props.name, version]);
  const d = data.value;
  return (
    <div className="jp-mlops-model-page jp-mlops-page-pad">
      <ConnectionBanner />
      <div className="jp-mlops-page-toolbar jp-Toolbar">
        <h2>Model {props.name}</h2>
        <button className="jp-mlops-button jp-mod-styled" onClick={() => void data.reload()}>Refresh</button>
      </div>
      <ErrorLine error={data.error} />
      {d && (
        <>
          <div aria-label="Aliases">
            aliases:{' '}
            {Object.entries(d.model.aliases).map(([a, v]) => <span key={a} className="jp-mlops-chip">{a} → v{v}</span>)}
            {Object.keys(d.model.aliases).length === 0 && <span className="jp-mlops-dim">none</span>}
            {d.model.description && <p>{d.model.description}</p>}
          </div>
          <section aria-label="Versions section"><h3>Versions</h3><Versions versions={d.versions} picked={version} onPick={setPicked} /></section>
          <section aria-label="Lineage" className="jp-mlops-table-scroll">
            <h3>Lineage of version {version ?? '–'}</h3>
            <ErrorLine error={lineage.error} />
            {lineage.value && <LineageGraph lineage={lineage.value} />}
          </section>
          <section aria-label="Alias moves"><h3>Alias history and gates</h3><AliasHistory moves={d.moves} /></section>
          {d.monitoring && <LiveWindows monitoring={d.monitoring} />}
        </>
      )}
    </div>
  );
}

export function ModelPage(props: { name?: string }): JSX.Element {
  return props.name ? <ModelDetail name={props.name} /> : <ModelsList />;
}

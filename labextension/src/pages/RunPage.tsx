/** The Run page: metrics over steps or time, params, tags, artifacts, cells, git and links. */
import React, { useEffect, useState } from 'react';

import { IFigure, IRunCell, MlopsAPIError } from '../api';
import { ErrorLine, formatTime, KeyValues, StatusBadge, useModel, useResource } from '../components/common';
import { Plot } from '../components/Plot';
import { formatDuration, formatValue } from '../state';
import { ArtifactPreview } from './ArtifactPreview';
import { ConnectionBanner, noteFailure, useHost, usePageVisible } from './widget';

export function RunPage(props: { runId: string }): JSX.Element {
  const model = useModel();
  const host = useHost();
  const resource = model.run(props.runId);
  const { value: detail, error } = useResource(resource);
  const cells = useResource(model.runCells(props.runId));
  const context = useResource(model.runContext(props.runId));
  const visible = usePageVisible();
  const [restoreError, setRestoreError] = useState<unknown>(null);
  const refresh = () => {
    void resource.refresh();
    void model.runCells(props.runId).refresh();
    void model.runContext(props.runId).refresh();
  };
  useEffect(() => {
    if (visible) {
      void resource.refresh(); // coming back to the tab: a deleted or finished run shows at once
    }
  }, [visible]);
  useEffect(() => noteFailure(model, error), [error]);

  const gone = (error instanceof MlopsAPIError && error.status === 404) || detail?.info.lifecycle === 'deleted';
  const toolbar = (
    <div className="jp-mlops-page-toolbar jp-Toolbar">
      <button className="jp-mlops-button jp-mod-styled" onClick={refresh}>Refresh</button>
      <button
        className="jp-mlops-button jp-mod-styled"
        disabled={!cells.value?.cells.length}
        onClick={async () => {
          try {
            host.openFile((await model.client.restoreNotebook(props.runId)).path);
            setRestoreError(null);
          } catch (err) {
            setRestoreError(err);
          }
        }}
      >
        Open the notebook at this state
      </button>
      {context.value?.notebook && (
        <button className="jp-mlops-button jp-mod-styled" onClick={() => host.openFile(context.value!.notebook!)}>
          Open the notebook that made it
        </button>
      )}
    </div>
  );
  if (!detail) {
    return (
      <div className="jp-mlops-run-page">
        <ConnectionBanner onBack={refresh} />
        {toolbar}
        {gone ? <div className="jp-mlops-error" role="alert">This run was deleted (or never existed): {props.runId}</div> : <ErrorLine error={error} />}
      </div>
    );
  }
  const info = detail.info;
  return (
    <div className="jp-mlops-run-page">
      <ConnectionBanner onBack={refresh} />
      {toolbar}
      {gone && <div className="jp-mlops-error" role="alert">This run was deleted; what it logged is shown as last read.</div>}
      <ErrorLine error={(!gone && error) || restoreError} />
      <h2>
        <StatusBadge status={info.status} /> {info.name} <code className="jp-mlops-id">{info.run_id.slice(0, 12)}</code>
      </h2>
      <div className="jp-mlops-columns2">
        <KeyValues
          title="Run"
          values={{
            experiment: info.experiment,
            user: info.user,
            started: formatTime(info.start_time),
            duration: formatDuration(info.start_time, info.end_time),
            source: info.source_path,
            parent: info.parent_run_id,
            error: info.error
          }}
        />
        <KeyValues title="Params" values={detail.params} />
        <KeyValues title="Tags" values={detail.tags} />
      </div>
      <MetricCharts runId={info.run_id} keys={Object.keys(detail.metrics)} latest={detail.metrics} />
      <Links runId={info.run_id} />
      <section aria-label="Artifacts">
        <h3>Artifacts</h3>
        {detail.artifacts.length === 0 ? <div className="jp-mlops-dim">none</div> : detail.artifacts.map(a => <ArtifactPreview key={a.name} runId={info.run_id} artifact={a} />)}
      </section>
      <section aria-label="Executed cells">
        <h3>Executed cells</h3>
        {cells.value?.warning && <div className="jp-mlops-warning" role="alert">⚠ {cells.value.warning}</div>}
        <ErrorLine error={cells.error} />
        {(cells.value?.cells ?? []).map(c => <Cell key={c.seq} cell={c} />)}
      </section>
      <GitAndEnvironment runId={info.run_id} />
    </div>
  );
}

function MetricCharts(props: { runId: string; keys: string[]; latest: Record<string, number | null> }): JSX.Element | null {
  const model = useModel();
  const [key, setKey] = useState<string | null>(props.keys[0] ?? null);
  const [x, setX] = useState('step');
  const [smoothing, setSmoothing] = useState(0);
  const [figure, setFigure] = useState<IFigure | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    if (!key) {
      return;
    }
    model.client
      .metric(props.runId, key, { x, smoothing })
      .then(s => current && (setFigure(s.figure), setError(null)))
      .catch(e => current && setError(e));
    return () => {
      current = false;
    };
  }, [key, x, smoothing, props.latest[key ?? '']]);
  if (props.keys.length === 0) {
    return null;
  }
  return (
    <section aria-label="Metrics">
      <h3>Metrics</h3>
      <div className="jp-mlops-page-toolbar">
        <div role="tablist" aria-label="Metric">
          {props.keys.map(k => (
            <button key={k} role="tab" aria-selected={k === key} className={'jp-mlops-tab' + (k === key ? ' jp-mod-active' : '')} onClick={() => setKey(k)}>
              {k} = {formatValue(props.latest[k])}
            </button>
          ))}
        </div>
        <label>
          x axis{' '}
          <select aria-label="x axis" className="jp-mlops-select" value={x} onChange={e => setX(e.target.value)}>
            <option value="step">step</option>
            <option value="timestamp">time</option>
          </select>
        </label>
        <label>
          smoothing{' '}
          <input aria-label="smoothing" type="range" min={0} max={0.95} step={0.05} value={smoothing} onChange={e => setSmoothing(Number(e.target.value))} />
        </label>
      </div>
      <ErrorLine error={error} />
      {figure && <Plot figure={figure} label={`metric ${key}`} />}
    </section>
  );
}

function Links(props: { runId: string }): JSX.Element | null {
  const model = useModel();
  const host = useHost();
  const { value } = useResource(model.runContext(props.runId));
  if (!value || (value.snapshots.length === 0 && value.models.length === 0)) {
    return null;
  }
  return (
    <section aria-label="Inputs and outputs">
      <h3>Inputs and outputs</h3>
      <ul className="jp-mlops-links">
        {value.snapshots.map(s => (
          <li key={s.ref}>
            read snapshot{' '}
            <a href="#" className="jp-mlops-link" onClick={e => (e.preventDefault(), host.open({ kind: 'snapshot', ref: s.ref }))}>
              {s.ref}
            </a>
          </li>
        ))}
        {value.models.map(m => (
          <li key={m.ref}>
            produced model{' '}
            <a href="#" className="jp-mlops-link" onClick={e => (e.preventDefault(), host.open({ kind: 'model', name: m.name }))}>
              {m.ref}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Cell(props: { cell: IRunCell }): JSX.Element {
  const c = props.cell;
  return (
    <div className={'jp-mlops-cell' + (c.phase === 'before' ? ' jp-mlops-cell-before' : '') + (c.error ? ' jp-mlops-cell-error' : '')}>
      <div className="jp-mlops-cell-prompt">
        [{c.execution_count ?? ' '}]{c.phase === 'before' ? ' before' : ''}
      </div>
      <pre className="jp-mlops-code cm-s-jupyter" data-language="python">
        <Highlighted source={c.source} />
      </pre>
      {c.error && <pre className="jp-mlops-cell-error-text jp-RenderedText">{c.error.trim().split('\n').slice(-1)[0]}</pre>}
    </div>
  );
}

const PY_TOKENS = /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|\b(def|class|return|if|elif|else|for|while|in|import|from|as|with|try|except|finally|raise|lambda|and|or|not|is|None|True|False|pass|yield|await|async)\b|(\b\d+(?:\.\d+)?\b)|(^\s*%{1,2}\w+)/gm;

/** Python highlighted with JupyterLab's CodeMirror token colours (static: no editor per cell). */
export function Highlighted(props: { source: string }): JSX.Element {
  const out: React.ReactNode[] = [];
  let last = 0;
  let n = 0;
  for (const m of props.source.matchAll(PY_TOKENS)) {
    const start = m.index ?? 0;
    if (start > last) {
      out.push(props.source.slice(last, start));
    }
    const cls = m[1] ? 'cm-comment' : m[2] ? 'cm-string' : m[3] ? 'cm-keyword' : m[4] ? 'cm-number' : 'cm-meta';
    out.push(<span key={n++} className={cls}>{m[0]}</span>);
    last = start + m[0].length;
  }
  out.push(props.source.slice(last));
  return <>{out}</>;
}

function GitAndEnvironment(props: { runId: string }): JSX.Element | null {
  const model = useModel();
  const { value, error } = useResource(model.runContext(props.runId));
  if (!value) {
    return <ErrorLine error={error} />;
  }
  const env = value.environment;
  return (
    <section aria-label="Git and environment">
      <h3>Git and environment</h3>
      <KeyValues
        title="Git"
        values={{ commit: value.git.commit, branch: value.git.branch, dirty: value.git.dirty, root: value.git.root }}
      />
      {value.git.diff && (
        <details>
          <summary>uncommitted diff{value.git.diff_truncated ? ' (truncated)' : ''}</summary>
          <pre className="jp-mlops-code jp-RenderedText">{value.git.diff}</pre>
        </details>
      )}
      {env && (
        <details>
          <summary>
            environment: Python {env.python} on {env.platform} ({Object.keys(env.packages ?? {}).length} packages)
          </summary>
          <KeyValues title="Packages" values={env.packages ?? {}} />
        </details>
      )}
    </section>
  );
}

import React, { useCallback, useEffect, useState } from 'react';

import { IAliasMove, IGateCheck, IModelVersion, MlopsAPIError } from '../api';
import { aliasMoveBody, aliasMoveProblem } from '../state';
import { ErrorLine, formatTime, KeyValues, useModel, useResource } from './common';

/** Models, their versions and aliases; move an alias with a reason (through the gates). */
export function RegistrySection(): JSX.Element {
  const model = useModel();
  const list = useResource(model.models);
  const models = list.value ?? [];
  const error = list.error;
  const [picked, setSelected] = useState<string | null>(null);
  const selected = picked ?? models[0]?.name ?? null;

  return (
    <div className="jp-mlops-section" aria-label="Registry">
      <ErrorLine error={error} />
      <table className="jp-mlops-table" aria-label="Models list">
        <thead>
          <tr>
            <th>model</th>
            <th>latest</th>
            <th>aliases</th>
          </tr>
        </thead>
        <tbody>
          {models.map(m => (
            <tr
              key={m.name}
              className={`jp-mlops-clickable ${selected === m.name ? 'jp-mlops-picked' : ''}`}
              onClick={() => setSelected(m.name)}
            >
              <td>{m.name}</td>
              <td>{m.latest_version ?? '–'}</td>
              <td>
                {Object.entries(m.aliases)
                  .map(([a, v]) => `${a}→${v}`)
                  .join(', ')}
              </td>
            </tr>
          ))}
          {models.length === 0 && (
            <tr>
              <td colSpan={3} className="jp-mlops-dim">
                no models yet: mlops.register_model("name", model)
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {selected && <ModelDetail name={selected} onMoved={() => void model.models.refresh()} />}
    </div>
  );
}

function ModelDetail(props: { name: string; onMoved: () => void }): JSX.Element {
  const model = useModel();
  const [versions, setVersions] = useState<IModelVersion[]>([]);
  const [moves, setMoves] = useState<IAliasMove[]>([]);
  const [lineage, setLineage] = useState<any>(null);
  const [form, setForm] = useState({ alias: 'production', version: '', reason: '', gates: '' });
  const [problem, setProblem] = useState<string | null>(null);
  const [gates, setGates] = useState<IGateCheck[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    try {
      const [detail, history] = await Promise.all([model.client.model(props.name), model.client.aliasMoves(props.name)]);
      setVersions(detail.versions);
      setMoves(history.moves);
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, [model, props.name]);
  useEffect(() => {
    void load();
    setLineage(null);
  }, [load]);

  const move = async (e: React.FormEvent) => {
    e.preventDefault();
    const why = aliasMoveProblem(form.version, form.reason);
    setProblem(why);
    setMessage(null);
    setGates([]);
    setError(null);
    if (why) {
      return;
    }
    try {
      const r = await model.client.moveAlias(
        props.name,
        form.alias.trim(),
        aliasMoveBody(form.version, form.reason, form.gates)
      );
      setGates(r.promotion.results);
      setMessage(
        `${props.name}@${form.alias} → version ${r.promotion.version}` +
          (r.promotion.from_version ? ` (was ${r.promotion.from_version})` : '')
      );
      setForm({ ...form, reason: '' });
      await load();
      props.onMoved();
    } catch (err) {
      if (err instanceof MlopsAPIError && err.error === 'GateFailed') {
        setProblem('the gates refused the move');
      }
      setError(err);
    }
  };

  return (
    <div className="jp-mlops-detail" aria-label="Model details">
      <h3>{props.name}</h3>
      <ErrorLine error={error} />
      <LiveWindows name={props.name} />
      <table className="jp-mlops-table" aria-label="Versions">
        <thead>
          <tr>
            <th>version</th>
            <th>aliases</th>
            <th>class</th>
            <th>run</th>
            <th>created</th>
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map(v => (
            <tr
              key={v.version}
              className="jp-mlops-clickable"
              onClick={() =>
                model.client
                  .lineage(props.name, v.version)
                  .then(setLineage)
                  .catch(setError)
              }
            >
              <td>{v.version}</td>
              <td>{v.aliases.join(', ')}</td>
              <td>{v.model_class.split('.').pop()}</td>
              <td>{v.run_id ? v.run_id.slice(0, 8) : '–'}</td>
              <td>{formatTime(v.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="jp-mlops-toolbar" onSubmit={move} aria-label="Move alias">
        <input
          aria-label="Alias"
          value={form.alias}
          onChange={e => setForm({ ...form, alias: e.target.value })}
        />
        <select
          aria-label="Version"
          value={form.version}
          onChange={e => setForm({ ...form, version: e.target.value })}
        >
          <option value="">version…</option>
          {versions.map(v => (
            <option key={v.version} value={String(v.version)}>
              {v.version}
            </option>
          ))}
        </select>
        <input
          aria-label="Reason"
          placeholder="why (recorded)"
          value={form.reason}
          onChange={e => setForm({ ...form, reason: e.target.value })}
        />
        <textarea
          aria-label="Gates"
          rows={1}
          placeholder="gates: acc >= current; loss < 0.2 (one a line, or ';')"
          value={form.gates}
          onChange={e => setForm({ ...form, gates: e.target.value })}
        />
        <button type="submit" className="jp-mlops-button">
          Move alias
        </button>
      </form>
      {problem && (
        <div className="jp-mlops-error" role="alert">
          {problem}
        </div>
      )}
      {message && (
        <div className="jp-mlops-ok" role="status">
          {message}
        </div>
      )}
      {gates.length > 0 && (
        <ul aria-label="Gate results">
          {gates.map((g, i) => (
            <li key={i}>
              {g.passed ? '✓' : '✗'} {g.metric} {g.rule} (candidate {String(g.candidate)})
            </li>
          ))}
        </ul>
      )}
      <div className="jp-mlops-kv">
        <h4>Alias history</h4>
        <ul className="jp-mlops-events" aria-label="Alias history">
          {moves.map((m, i) => (
            <li key={i}>
              <span className="jp-mlops-dim">{formatTime(m.time)}</span> <strong>{m.alias}</strong>{' '}
              {m.from_version ?? '–'} → {m.to_version ?? '–'} by {m.user}
              {m.reason && <div className="jp-mlops-reason">“{m.reason}”</div>}
            </li>
          ))}
          {moves.length === 0 && <li className="jp-mlops-dim">no alias moves yet</li>}
        </ul>
      </div>
      {lineage && (
        <div aria-label="Lineage">
          <KeyValues
            title={`Lineage of ${props.name}/${lineage.version.version}`}
            values={{
              run: lineage.run ? `${lineage.run.name} (${lineage.run.run_id.slice(0, 8)})` : 'none',
              notebook: lineage.run?.notebook,
              commit: lineage.run?.git?.commit,
              snapshots: lineage.snapshots.map((s: any) => s.ref).join(', ') || '–',
              cells: lineage.cells.length
            }}
          />
        </div>
      )}
    </div>
  );
}

/** The model's newest inference-log windows and its last monitor alert (polled while shown). */
function LiveWindows(props: { name: string }): JSX.Element {
  const model = useModel();
  const { value, error } = useResource(model.monitoring(props.name));
  if (!value) {
    return <ErrorLine error={error} />;
  }
  const windows = value.windows;
  const alert = value.last_alert;
  return (
    <div aria-label="Live windows">
      <ErrorLine error={error} />
      {windows.length === 0 ? (
        <div className="jp-mlops-dim">no inference-log windows yet: jupyter mlops serve {props.name}@production</div>
      ) : (
        <KeyValues
          title="Live windows (newest)"
          values={{
            windows: windows.length,
            rows: windows.reduce((n, w) => n + w.n_rows, 0),
            dropped: windows.reduce((n, w) => n + w.n_dropped, 0),
            newest: formatTime(windows[0].closed_at)
          }}
        />
      )}
      {alert ? (
        <div className="jp-mlops-error" role="alert" aria-label="Last alert">
          <strong>{alert.monitor}</strong> alerted on window {alert.window_id.slice(0, 8)} (
          {formatTime(alert.closed_at)}): {alert.reasons.join('; ')}
        </div>
      ) : (
        value.monitors.length > 0 && <div className="jp-mlops-dim">no alert</div>
      )}
    </div>
  );
}

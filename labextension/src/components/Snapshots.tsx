import React, { useEffect, useState } from 'react';

import { IColumnSummary, ISnapshotDetail } from '../api';
import { formatValue } from '../state';
import { ErrorLine, formatTime, KeyValues, OpenPageContext, useModel, useResource } from './common';
import { Plot } from './Plot';

/** Snapshots newest first; click one for its column profiles. */
export function SnapshotsSection(): JSX.Element {
  const model = useModel();
  const list = useResource(model.snapshots);
  const snapshots = list.value ?? [];
  const error = list.error;
  const [selected, setSelected] = useState<string | null>(null);
  const openPage = React.useContext(OpenPageContext);

  return (
    <div className="jp-mlops-section" aria-label="Snapshots">
      <ErrorLine error={error} />
      <table className="jp-mlops-table" aria-label="Snapshots list">
        <thead>
          <tr>
            <th>snapshot</th>
            <th>rows</th>
            <th>cols</th>
            <th>created</th>
          </tr>
        </thead>
        <tbody>
          {snapshots.map(s => (
            <tr
              key={s.id}
              className={`jp-mlops-clickable ${selected === s.ref ? 'jp-mlops-picked' : ''}`}
              onClick={() => setSelected(s.ref)}
              onDoubleClick={() => openPage({ kind: 'snapshot', ref: s.ref })}
            >
              <td title={s.fingerprint}>{s.ref}</td>
              <td>{s.n_rows}</td>
              <td>{s.n_columns}</td>
              <td>{formatTime(s.created_at)}</td>
            </tr>
          ))}
          {snapshots.length === 0 && (
            <tr>
              <td colSpan={4} className="jp-mlops-dim">
                no snapshots yet: mlops.snapshot(df, "train")
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {selected && (
        <button type="button" className="jp-mlops-button" onClick={() => openPage({ kind: 'snapshot', ref: selected })}>
          Open snapshot page
        </button>
      )}
      {selected && <SnapshotProfile snapshotRef={selected} />}
    </div>
  );
}

function ColumnProfile(props: { name: string; column: IColumnSummary }): JSX.Element {
  const c = props.column;
  const numeric = c.kind !== 'categorical';
  const figure = c.figure ?? null; // drawn by the core, like every figure of the panel
  const values: Record<string, unknown> = numeric
    ? {
        kind: c.kind,
        count: c.count,
        missing: c.missing,
        mean: formatValue(c.mean),
        std: formatValue(c.std),
        min: formatValue(c.min),
        max: formatValue(c.max),
        ...Object.fromEntries(Object.entries(c.quantiles ?? {}).map(([k, v]) => [k, formatValue(v)]))
      }
    : { kind: c.kind, count: c.count, missing: c.missing, distinct: Math.round(c.distinct ?? 0) };
  return (
    <div className="jp-mlops-column">
      <KeyValues title={props.name} values={values} />
      {figure && <Plot figure={figure} label={`profile ${props.name}`} />}
    </div>
  );
}

export function SnapshotProfile(props: { snapshotRef: string }): JSX.Element {
  const model = useModel();
  const [detail, setDetail] = useState<ISnapshotDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    setDetail(null);
    model.client
      .snapshot(props.snapshotRef)
      .then(d => current && setDetail(d))
      .catch(err => current && setError(err));
    return () => {
      current = false;
    };
  }, [model, props.snapshotRef]);
  if (!detail) {
    return <ErrorLine error={error} />;
  }
  const s = detail.snapshot;
  return (
    <div className="jp-mlops-detail" aria-label="Snapshot profile">
      <h3>{s.ref}</h3>
      <KeyValues
        title="Snapshot"
        values={{
          rows: s.n_rows,
          columns: s.n_columns,
          fingerprint: s.fingerprint.slice(0, 16),
          user: s.user,
          created: formatTime(s.created_at),
          description: s.description,
          'read by runs': detail.runs.map(r => r.slice(0, 8)).join(', ') || '–'
        }}
      />
      {Object.entries(detail.profile.columns).map(([name, column]) => (
        <ColumnProfile key={name} name={name} column={column} />
      ))}
    </div>
  );
}

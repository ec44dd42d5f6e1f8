/** The Snapshot page: schema, per-column profile with the core's figures, expectations, the runs that read it. */
import React from 'react';

import { IColumnSummary, ISnapshotDetail } from '../api';
import { ErrorLine, formatTime, KeyValues, useModel } from '../components/common';
import { Plot } from '../components/Plot';
import { formatValue } from '../state';
import { usePageData } from './usePageData';
import { ConnectionBanner, useHost } from './widget';

interface IExpectations {
  source: string | null;
  saved: boolean;
  allow_extra_columns: boolean;
  columns: Record<string, Record<string, unknown>>;
}

type Detail = ISnapshotDetail & { expectations?: IExpectations };

function profileValues(c: IColumnSummary): Record<string, unknown> {
  if (c.kind === 'categorical') {
    return { kind: c.kind, count: c.count, missing: c.missing, distinct: Math.round(c.distinct ?? 0) };
  }
  return {
    kind: c.kind,
    count: c.count,
    missing: c.missing,
    mean: formatValue(c.mean),
    std: formatValue(c.std),
    min: formatValue(c.min),
    max: formatValue(c.max),
    ...Object.fromEntries(Object.entries(c.quantiles ?? {}).map(([k, v]) => [k, formatValue(v)]))
  };
}

function rule(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function Expectations(props: { expectations: IExpectations }): JSX.Element {
  const e = props.expectations;
  return (
    <section aria-label="Expectations">
      <h3>Expectations <span className="jp-mlops-dim">({e.saved ? 'saved with the snapshot' : 'inferred from its profile, not saved'})</span></h3>
      <table className="jp-mlops-table" aria-label="Expectations table">
        <thead><tr><th>column</th><th>rules</th></tr></thead>
        <tbody>
          {Object.entries(e.columns).map(([name, rules]) => (
            <tr key={name}>
              <td>{name}</td>
              <td>{Object.entries(rules).map(([k, v]) => `${k}: ${rule(v)}`).join(' · ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="jp-mlops-dim">extra columns {e.allow_extra_columns ? 'allowed' : 'refused'}</div>
    </section>
  );
}

export function SnapshotPage(props: { snapshotRef: string }): JSX.Element {
  const model = useModel();
  const host = useHost();
  const data = usePageData(async () => (await model.client.snapshot(props.snapshotRef)) as Detail, [model, props.snapshotRef]);
  const d = data.value;
  const s = d?.snapshot;
  return (
    <div className="jp-mlops-snapshot-page jp-mlops-page-pad">
      <ConnectionBanner />
      <div className="jp-mlops-page-toolbar jp-Toolbar">
        <h2>Snapshot {s?.ref ?? props.snapshotRef}</h2>
        <button className="jp-mlops-button jp-mod-styled" onClick={() => void data.reload()}>Refresh</button>
        {s && (
          <button className="jp-mlops-button jp-mod-styled" onClick={() => host.open({ kind: 'drift', reference: s.ref })}>
            Drift from this snapshot…
          </button>
        )}
      </div>
      <ErrorLine error={data.error} />
      {d && s && (
        <>
          <div className="jp-mlops-columns2">
            <KeyValues
              title="Snapshot"
              values={{ rows: s.n_rows, columns: s.n_columns, fingerprint: s.fingerprint.slice(0, 16), user: s.user, created: formatTime(s.created_at), description: s.description }}
            />
            <section aria-label="Read by runs">
              <h3>Read by runs</h3>
              {d.runs.map(r => (
                <a key={r} href="#" className="jp-mlops-link jp-mlops-chip" onClick={e => (e.preventDefault(), host.open({ kind: 'run', runId: r }))}>
                  {r.slice(0, 8)}
                </a>
              ))}
              {d.runs.length === 0 && <span className="jp-mlops-dim">no run read it</span>}
            </section>
          </div>
          <section aria-label="Schema">
            <h3>Schema</h3>
            <table className="jp-mlops-table" aria-label="Schema table">
              <thead><tr><th>column</th><th>type</th><th>kind</th><th>missing</th></tr></thead>
              <tbody>
                {s.schema.map(c => (
                  <tr key={c.name}>
                    <td>{c.name}</td><td>{c.type}</td>
                    <td>{d.profile.columns[c.name]?.kind ?? ''}</td>
                    <td>{d.profile.columns[c.name]?.missing ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          {d.expectations && <Expectations expectations={d.expectations} />}
          <h3>Profile</h3>
          <div className="jp-mlops-profiles">
            {Object.entries(d.profile.columns).map(([name, c]) => (
              <div className="jp-mlops-column" key={name}>
                <KeyValues title={name} values={profileValues(c)} />
                {c.figure && <Plot figure={c.figure} label={`profile ${name}`} />}
              </div>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

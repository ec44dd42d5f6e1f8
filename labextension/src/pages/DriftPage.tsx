/** The Drift page: reference and current pickers, the core's verdict and rule, per-column table, figure. */
import React, { useEffect, useState } from 'react';

import { ErrorLine, useModel, useResource } from '../components/common';
import { Plot } from '../components/Plot';
import { defaultDriftPair, formatValue } from '../state';
import { usePageData } from './usePageData';
import { ConnectionBanner, useHost } from './widget';

export function DriftPage(props: { reference?: string; current?: string; column?: string }): JSX.Element {
  const model = useModel();
  const host = useHost();
  const list = useResource(model.snapshots);
  const snapshots = list.value ?? [];
  const [reference, setReference] = useState(props.reference ?? '');
  const [current, setCurrent] = useState(props.current ?? '');
  const [asked, setAsked] = useState<{ reference: string; current: string; column: string }>({
    reference: props.reference ?? '',
    current: props.current ?? '',
    column: props.column ?? ''
  });
  useEffect(() => {
    void model.snapshots.refresh();
  }, [model]);
  useEffect(() => {
    const pair = list.value ? defaultDriftPair(list.value) : null;
    if (!pair) return;
    const ref = reference || pair[0];
    const cur = current || (ref === pair[1] ? pair[0] : pair[1]);
    if (!reference || !current) {
      setReference(ref);
      setCurrent(cur);
      if (!asked.reference || !asked.current) setAsked({ reference: ref, current: cur, column: '' });
    }
  }, [list.value]);
  const report = usePageData(
    async () => (asked.reference && asked.current ? model.client.drift(asked.reference, asked.current, asked.column || undefined) : null),
    [model, asked.reference, asked.current, asked.column]
  );
  const r = report.value;
  const options = snapshots.map(s => <option key={s.ref} value={s.ref}>{s.ref}</option>);
  const pick = (column: string) => setAsked({ ...asked, column });
  return (
    <div className="jp-mlops-drift-page jp-mlops-page-pad">
      <ConnectionBanner />
      <form
        className="jp-mlops-page-toolbar jp-Toolbar"
        aria-label="Drift between"
        onSubmit={e => {
          e.preventDefault();
          setAsked({ reference, current, column: '' });
        }}
      >
        <label>reference <select aria-label="Reference" className="jp-mlops-select" value={reference} onChange={e => setReference(e.target.value)}>
          <option value="">reference…</option>
          {reference && !snapshots.some(s => s.ref === reference) && <option value={reference}>{reference}</option>}
          {options}
        </select></label>
        <label>current <select aria-label="Current" className="jp-mlops-select" value={current} onChange={e => setCurrent(e.target.value)}>
          <option value="">current…</option>
          {current && !snapshots.some(s => s.ref === current) && <option value={current}>{current}</option>}
          {options}
        </select></label>
        <button type="submit" className="jp-mlops-button jp-mod-styled" disabled={!reference || !current}>Compare</button>
      </form>
      <ErrorLine error={report.error ?? list.error} />
      {r && (
        <div aria-label="Drift report">
          <div className={r.drifted ? 'jp-mlops-error' : 'jp-mlops-ok'} role="status" aria-label="Drift verdict">
            <b>{r.reference} → {r.current}: {r.drifted ? 'DRIFTED' : 'no drift'}</b> — {r.rule}
          </div>
          <div className="jp-mlops-columns2">
            <table className="jp-mlops-table" aria-label="Drift per column">
              <thead><tr><th>column</th><th>method</th><th>statistic</th><th>drifted</th></tr></thead>
              <tbody>
                {r.columns.map(c => (
                  <tr
                    key={c.column}
                    tabIndex={0}
                    aria-selected={r.column === c.column}
                    className={`jp-mlops-clickable ${r.column === c.column ? 'jp-mlops-picked' : ''}`}
                    onClick={() => pick(c.column)}
                    onKeyDown={e => e.key === 'Enter' && pick(c.column)}
                  >
                    <td>{c.column}</td><td>{c.method}</td><td>{formatValue(c.statistic)}</td>
                    <td>{c.drifted ? <span className="jp-mlops-chip jp-mlops-chip-bad">drifted</span> : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <section aria-label="Column figure">
              {r.column && <button type="button" className="jp-mlops-button jp-mod-styled" onClick={() => pick('')}>All columns</button>}
              <Plot figure={r.figure} label={r.column ? `drift of ${r.column}` : 'drift figure'} />
            </section>
          </div>
          <div>
            <a href="#" className="jp-mlops-link" onClick={e => (e.preventDefault(), host.open({ kind: 'snapshot', ref: r.reference }))}>{r.reference}</a>{' · '}
            <a href="#" className="jp-mlops-link" onClick={e => (e.preventDefault(), host.open({ kind: 'snapshot', ref: r.current }))}>{r.current}</a>
          </div>
        </div>
      )}
    </div>
  );
}

import React, { useEffect, useState } from 'react';

import { IDriftReport } from '../api';
import { defaultDriftPair, formatValue } from '../state';
import { ErrorLine, useModel, useResource } from './common';
import { Plot } from './Plot';

/** Pick a reference and a current snapshot; see the core's drift report and figure. */
export function DriftSection(): JSX.Element {
  const model = useModel();
  const list = useResource(model.snapshots);
  const snapshots = list.value ?? [];
  const [reference, setReference] = useState('');
  const [current, setCurrent] = useState('');
  const [column, setColumn] = useState('');
  const [report, setReport] = useState<IDriftReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const pair = list.value ? defaultDriftPair(list.value) : null;
    if (pair && !reference && !current) {
      setReference(pair[0]);
      setCurrent(pair[1]);
    }
  }, [list.value]);

  const compare = async (col = column) => {
    setError(null);
    try {
      setReport(await model.client.drift(reference, current, col || undefined));
    } catch (err) {
      setError(err);
      setReport(null);
    }
  };

  const options = snapshots.map(s => (
    <option key={s.ref} value={s.ref}>
      {s.ref}
    </option>
  ));
  return (
    <div className="jp-mlops-section" aria-label="Drift">
      <div className="jp-mlops-toolbar">
        <select aria-label="Reference" value={reference} onChange={e => setReference(e.target.value)}>
          <option value="">reference…</option>
          {options}
        </select>
        <select aria-label="Current" value={current} onChange={e => setCurrent(e.target.value)}>
          <option value="">current…</option>
          {options}
        </select>
        <button
          className="jp-mlops-button"
          disabled={!reference || !current}
          onClick={() => {
            setColumn('');
            void compare('');
          }}
        >
          Compare
        </button>
      </div>
      <ErrorLine error={error ?? list.error} />
      {report && (
        <div aria-label="Drift report">
          <div className={report.drifted ? 'jp-mlops-error' : 'jp-mlops-ok'} role="status">
            {report.reference} → {report.current}: {report.drifted ? 'DRIFTED' : 'no drift'} (
            {report.rule})
          </div>
          <Plot figure={report.figure} label="drift figure" />
          <table className="jp-mlops-table">
            <thead>
              <tr>
                <th>column</th>
                <th>method</th>
                <th>statistic</th>
                <th>drifted</th>
              </tr>
            </thead>
            <tbody>
              {report.columns.map(c => (
                <tr
                  key={c.column}
                  className={`jp-mlops-clickable ${column === c.column ? 'jp-mlops-picked' : ''}`}
                  onClick={() => {
                    setColumn(c.column);
                    void compare(c.column);
                  }}
                >
                  <td>{c.column}</td>
                  <td>{c.method}</td>
                  <td>{formatValue(c.statistic)}</td>
                  <td>{c.drifted ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** The Compare page: curves overlaid, params to a metric, a scatter, differing params, the code diff. */
import React, { useEffect, useState } from 'react';

import { ICellDiff, ICompareDetails, IFigure } from '../api';
import { ErrorLine, useModel } from '../components/common';
import { Plot } from '../components/Plot';
import { Highlighted } from './RunPage';
import { ConnectionBanner, noteFailure, useHost } from './widget';

function useAsync<T>(load: () => Promise<T>, deps: unknown[]): { value: T | null; error: unknown; reload: () => void } {
  const model = useModel();
  const [state, setState] = useState<{ value: T | null; error: unknown }>({ value: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    load()
      .then(value => current && setState({ value, error: null }))
      .catch(error => {
        if (current) {
          setState(s => ({ value: s.value, error }));
          noteFailure(model, error);
        }
      });
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick(t => t + 1) };
}

export function ComparePage(props: { runIds: string[] }): JSX.Element {
  const model = useModel();
  const host = useHost();
  const ids = props.runIds;
  const [choice, setChoice] = useState<{ metric?: string; x?: string; y?: string }>({});
  const curves = useAsync<{ curves: IFigure }>(() => model.client.compare(ids), [ids.join()]);
  const resource = model.comparison(ids);
  const details = useAsync<ICompareDetails>(async () => {
    void resource.setFetch(() => model.client.compareDetails(ids, choice));
    await resource.refresh();
    if (resource.error || !resource.value) {
      throw resource.error;
    }
    return resource.value;
  }, [ids.join(), choice.metric, choice.x, choice.y]);
  const d = details.value;
  const fields = d ? [...d.params.map(p => `params.${p}`), ...d.metrics.map(m => `metrics.${m}`)] : [];
  const [other, setOther] = useState(ids[1] ?? ids[0]);
  const diff = useAsync<ICellDiff>(() => model.client.compareCells(ids[0], other), [ids[0], other]);
  const reload = () => {
    curves.reload();
    details.reload();
    diff.reload();
  };
  const label = (id: string) => d?.labels[d.runs.indexOf(id)] ?? id.slice(0, 8);

  return (
    <div className="jp-mlops-compare-page">
      <ConnectionBanner onBack={reload} />
      <div className="jp-mlops-page-toolbar jp-Toolbar">
        <span>
          Comparing {ids.length} runs:{' '}
          {ids.map(id => (
            <a key={id} href="#" className="jp-mlops-link jp-mlops-chip" onClick={e => (e.preventDefault(), host.open({ kind: 'run', runId: id }))}>
              {label(id)}
            </a>
          ))}
        </span>
        <button className="jp-mlops-button jp-mod-styled" onClick={reload}>Refresh</button>
      </div>
      <ErrorLine error={curves.error ?? details.error} />
      <section aria-label="Metric curves">{curves.value && <Plot figure={curves.value.curves} label="metric curves of the compared runs" />}</section>
      {d && (
        <div className="jp-mlops-columns2">
          <section aria-label="Parallel coordinates">
            <label>
              metric{' '}
              <select aria-label="metric" className="jp-mlops-select" value={d.metric ?? ''} onChange={e => setChoice({ ...choice, metric: e.target.value })}>
                {d.metrics.map(m => <option key={m} value={m}>{m}</option>)}
              </select>
            </label>
            <Plot figure={d.parallel} label="parallel coordinates of params to the metric" />
          </section>
          <section aria-label="Scatter">
            <label>
              x{' '}
              <select aria-label="scatter x" className="jp-mlops-select" value={d.x ?? ''} onChange={e => setChoice({ ...choice, x: e.target.value })}>
                {fields.map(f => <option key={f} value={f}>{f}</option>)}
              </select>
            </label>{' '}
            <label>
              y{' '}
              <select aria-label="scatter y" className="jp-mlops-select" value={d.y ?? ''} onChange={e => setChoice({ ...choice, y: e.target.value })}>
                {fields.map(f => <option key={f} value={f}>{f}</option>)}
              </select>
            </label>
            <Plot figure={d.scatter} label="scatter of the compared runs" />
          </section>
        </div>
      )}
      {d && (
        <section aria-label="Differences">
          <h3>What differs</h3>
          <div className="jp-mlops-table-scroll">
            <table className="jp-mlops-table" aria-label="Differing params and metrics">
              <thead>
                <tr>
                  <th>kind</th>
                  <th>key</th>
                  {d.differences.columns.map(c => <th key={c}>{c}</th>)}
                </tr>
              </thead>
              <tbody>
                {d.differences.rows.map(r => (
                  <tr key={`${r.kind}.${r.key}`}>
                    <td>{r.kind}</td>
                    <th scope="row">{r.key}</th>
                    {r.values.map((v, i) => <td key={i}>{v === null ? '–' : String(v)}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <section aria-label="Code diff">
        <h3>
          Code that ran: {label(ids[0])} against{' '}
          <select aria-label="diff against" className="jp-mlops-select" value={other} onChange={e => setOther(e.target.value)}>
            {ids.slice(1).map(id => <option key={id} value={id}>{label(id)}</option>)}
          </select>
          {diff.value && <span className="jp-mlops-dim"> · {diff.value.changed} cells differ</span>}
        </h3>
        <ErrorLine error={diff.error} />
        {diff.value && <CellDiff diff={diff.value} />}
      </section>
    </div>
  );
}

function CellDiff(props: { diff: ICellDiff }): JSX.Element {
  return (
    <table className="jp-mlops-diff" aria-label="Cell diff">
      <tbody>
        {props.diff.rows.map((row, i) => (
          <React.Fragment key={i}>
            <tr className="jp-mlops-diff-cell">
              <td colSpan={2}>{row.left_cell !== null ? `cell ${row.left_cell + 1}` : '(no cell)'}</td>
              <td colSpan={2}>{row.right_cell !== null ? `cell ${row.right_cell + 1}` : '(no cell)'}</td>
            </tr>
            {row.lines.map((l, j) => (
              <tr key={j} className={`jp-mlops-diff-${l.op}`}>
                <td className="jp-mlops-diff-mark">{l.op === 'delete' || l.op === 'replace' ? '−' : ''}</td>
                <td><pre className="jp-mlops-code"><Highlighted source={l.left ?? ''} /></pre></td>
                <td className="jp-mlops-diff-mark">{l.op === 'insert' || l.op === 'replace' ? '+' : ''}</td>
                <td><pre className="jp-mlops-code"><Highlighted source={l.right ?? ''} /></pre></td>
              </tr>
            ))}
          </React.Fragment>
        ))}
      </tbody>
    </table>
  );
}

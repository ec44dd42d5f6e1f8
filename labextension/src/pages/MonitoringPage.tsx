/**
 * The Monitoring page of one monitor: the core's history figure (drift share and
 * performance over time, the column-by-window heatmap) and every check with its
 * alerts, from `GET monitors/<name>/history`; without a name, the monitors to pick.
 */
import React from 'react';

import { requestAPI } from '../api';
import { ErrorLine, formatTime } from '../components/common';
import { Plot } from '../components/Plot';
import { formatValue } from '../state';
import { alertsOf, monitorHistory } from './monitorHistory';
import { usePageData } from './usePageData';
import { ConnectionBanner, useHost } from './widget';

function MonitorsList(): JSX.Element {
  const host = useHost();
  const list = usePageData(
    async () => (await requestAPI<{ monitors: { name: string; model: string; reference: string }[] }>('monitors')).monitors,
    []
  );
  return (
    <div className="jp-mlops-monitoring-page jp-mlops-page-pad">
      <ConnectionBanner />
      <h2>Monitors</h2>
      <ErrorLine error={list.error} />
      <table className="jp-mlops-table" aria-label="Monitors">
        <thead><tr><th>monitor</th><th>model</th><th>reference</th></tr></thead>
        <tbody>
          {(list.value ?? []).map(m => (
            <tr key={m.name}>
              <td><a href="#" className="jp-mlops-link" onClick={e => (e.preventDefault(), host.open({ kind: 'monitoring', name: m.name }))}>{m.name}</a></td>
              <td><a href="#" className="jp-mlops-link" onClick={e => (e.preventDefault(), host.open({ kind: 'model', name: m.model }))}>{m.model}</a></td>
              <td>{m.reference}</td>
            </tr>
          ))}
          {list.value?.length === 0 && <tr><td colSpan={3} className="jp-mlops-dim">no monitors yet: mlops.monitor(...)</td></tr>}
        </tbody>
      </table>
    </div>
  );
}

function MonitorDetail(props: { name: string }): JSX.Element {
  const data = usePageData(() => monitorHistory(props.name), [props.name]);
  const h = data.value;
  const alerts = h ? alertsOf(h.checks) : [];
  return (
    <div className="jp-mlops-monitoring-page jp-mlops-page-pad">
      <ConnectionBanner />
      <div className="jp-mlops-page-toolbar jp-Toolbar">
        <h2>Monitor {props.name}</h2>
        <button className="jp-mlops-button jp-mod-styled" onClick={() => void data.reload()}>Refresh</button>
      </div>
      <ErrorLine error={data.error} />
      {h && (
        <>
          {h.figure ? <Plot figure={h.figure} label="monitoring history" /> : <div className="jp-mlops-dim">no check yet</div>}
          <section aria-label="Alerts">
            <h3>Alerts ({alerts.length})</h3>
            <table className="jp-mlops-table" aria-label="Alerts table">
              <thead><tr><th>window</th><th>closed</th><th>version</th><th>reasons</th></tr></thead>
              <tbody>
                {alerts.map(c => (
                  <tr key={c.window_id}>
                    <td>{c.window_id}</td><td>{formatTime(c.closed_at)}</td><td>{c.version}</td>
                    <td>{(c.reasons ?? []).join('; ')}</td>
                  </tr>
                ))}
                {alerts.length === 0 && <tr><td colSpan={4} className="jp-mlops-dim">no alert</td></tr>}
              </tbody>
            </table>
          </section>
          <section aria-label="Checks">
            <h3>Checks</h3>
            <table className="jp-mlops-table" aria-label="Checks table">
              <thead><tr><th>window</th><th>closed</th><th>version</th><th>rows</th><th>drift share</th><th>verdict</th></tr></thead>
              <tbody>
                {[...h.checks].reverse().map(c => (
                  <tr key={c.window_id} className={c.alert ? 'jp-mlops-alert-row' : ''}>
                    <td>{c.window_id}</td><td>{formatTime(c.closed_at)}</td><td>{c.version}</td><td>{c.n_rows}</td>
                    <td>{formatValue(c.drift_share ?? null)}</td><td>{c.verdict}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  );
}

export function MonitoringPage(props: { name?: string }): JSX.Element {
  return props.name ? <MonitorDetail name={props.name} /> : <MonitorsList />;
}

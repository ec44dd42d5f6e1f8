/** A monitor's history as the Monitoring page reads it (`GET monitors/<name>/history`). */
import { IFigure, requestAPI } from '../api';

export interface IMonitorCheck {
  window_id: string;
  closed_at: number;
  version: number;
  n_rows: number;
  verdict: string;
  alert: boolean;
  reasons: string[] | null;
  drift_share?: number | null;
  [metric: string]: unknown;
}

export interface IMonitorHistory {
  checks: IMonitorCheck[];
  figure: IFigure | null;
}

export const monitorHistory = (name: string): Promise<IMonitorHistory> =>
  requestAPI<IMonitorHistory>(`monitors/${encodeURIComponent(name)}/history`);

/** The alerting checks, newest first: what the Alerts table lists. */
export function alertsOf(checks: IMonitorCheck[]): IMonitorCheck[] {
  return checks.filter(c => c.alert).sort((a, b) => b.closed_at - a.closed_at);
}

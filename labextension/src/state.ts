/**
 * State logic of the side panel, free of React and JupyterLab so that jest
 * tests it directly.
 */
import type { IAliasMoveBody, IEvent, IRunRow, IRunsPage } from './api';

declare const require: (path: string) => { version: string };

/** The panel's version: the one in package.json, which the Python package reads too. */
export const CLIENT_VERSION: string = require('../package.json').version;

/**
 * The frontend only runs against the server of its own version; a mismatch
 * (an old server with a new panel, or the reverse) gets a message, not
 * half-working calls.
 */
export function versionProblem(serverVersion: string | undefined, client = CLIENT_VERSION): string | null {
  if (!serverVersion) {
    return 'the jupyter_mlops server extension did not report a version: is it enabled? ' +
      '(jupyter server extension list)';
  }
  if (serverVersion.trim() !== client.trim()) {
    return `the jupyter_mlops server extension is version ${serverVersion} but this panel is ` +
      `${client}: reinstall the package (pip install -U jupyter-mlops) and restart JupyterLab`;
  }
  return null;
}

/** Panel preferences from JupyterLab's settings registry, with the defaults of schema/plugin.json. */
export interface IPanelSettings {
  refreshInterval: number;
  defaultExperiment: string;
  pageSize: number;
}

export const DEFAULT_SETTINGS: IPanelSettings = {
  refreshInterval: 5,
  defaultExperiment: '',
  pageSize: 50
};

/** Settings read from the registry, each one checked and bounded. */
export function readSettings(raw: Partial<Record<keyof IPanelSettings, unknown>>): IPanelSettings {
  const num = (value: unknown, fallback: number, min: number, max: number) =>
    typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
  return {
    refreshInterval: num(raw.refreshInterval, DEFAULT_SETTINGS.refreshInterval, 0, 3600),
    defaultExperiment:
      typeof raw.defaultExperiment === 'string' ? raw.defaultExperiment.trim() : '',
    pageSize: Math.round(num(raw.pageSize, DEFAULT_SETTINGS.pageSize, 1, 1000))
  };
}

/** What the runs list asks the server for. */
export interface IRunsQuery {
  experiment: string;
  filter: string;
  orderBy: string;
  offset: number;
  limit: number;
}

export function runsQueryParams(q: IRunsQuery): Record<string, string | number> {
  const params: Record<string, string | number> = { offset: q.offset, limit: q.limit };
  if (q.experiment) {
    params.experiment = q.experiment;
  }
  if (q.filter.trim()) {
    params.filter = q.filter.trim();
  }
  if (q.orderBy.trim()) {
    params.order_by = q.orderBy.trim();
  }
  return params;
}

export function nextPage(q: IRunsQuery, page: Pick<IRunsPage, 'next_offset'>): IRunsQuery | null {
  return page.next_offset === null ? null : { ...q, offset: page.next_offset };
}

export function previousPage(q: IRunsQuery): IRunsQuery | null {
  return q.offset <= 0 ? null : { ...q, offset: Math.max(0, q.offset - q.limit) };
}

export function pageLabel(page: Pick<IRunsPage, 'offset' | 'total'> & { runs: unknown[] }): string {
  if (page.runs.length === 0) {
    return page.total > 0 ? `none of ${page.total}` : 'no runs';
  }
  return `${page.offset + 1}–${page.offset + page.runs.length} of ${page.total}`;
}

/**
 * Which runs of a refreshed page are new or changed since the last one, so
 * the list highlights them while a notebook logs.
 */
export function changedRuns(previous: IRunRow[], next: IRunRow[]): Set<string> {
  const before = new Map(previous.map(r => [r.run_id, r]));
  const changed = new Set<string>();
  for (const run of next) {
    const old = before.get(run.run_id);
    if (
      !old ||
      old.status !== run.status ||
      JSON.stringify(old.metrics) !== JSON.stringify(run.metrics) ||
      JSON.stringify(old.tags) !== JSON.stringify(run.tags)
    ) {
      changed.add(run.run_id);
    }
  }
  return changed;
}

/** True while some run on the page is still running: the list keeps refreshing. */
export function anyRunning(runs: IRunRow[]): boolean {
  return runs.some(r => r.status === 'RUNNING');
}

export type Badge = 'running' | 'finished' | 'failed' | 'killed' | 'unknown';

export function statusBadge(status: string): Badge {
  const s = (status || '').toUpperCase();
  if (s === 'RUNNING') {
    return 'running';
  }
  if (s === 'FINISHED') {
    return 'finished';
  }
  if (s === 'FAILED') {
    return 'failed';
  }
  if (s === 'KILLED') {
    return 'killed';
  }
  return 'unknown';
}

export function formatDuration(start: number, end: number | null, now = Date.now() / 1000): string {
  const seconds = Math.max(0, (end ?? now) - start);
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  }
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '–';
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  return Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
}

/** Merge newly fetched events (newest first) into the known ones, without duplicates. */
export function mergeEvents(known: IEvent[], fresh: IEvent[], keep = 200): IEvent[] {
  const seen = new Set(known.map(e => e.id));
  const merged = [...fresh.filter(e => !seen.has(e.id)), ...known];
  merged.sort((a, b) => b.id - a.id);
  return merged.slice(0, keep);
}

export function newestEventId(events: IEvent[]): number {
  return events.reduce((max, e) => Math.max(max, e.id), 0);
}

/** A move of an alias needs a target version and a reason (the events table records why). */
export function aliasMoveProblem(version: string, reason: string): string | null {
  if (!/^\d+$/.test(version.trim())) {
    return 'pick the version the alias should point to';
  }
  if (reason.trim().length < 3) {
    return 'say why the alias moves (it is recorded in the events)';
  }
  return null;
}

/** The reference and current snapshot a drift view starts with: the two newest versions of a name. */
export function defaultDriftPair(refs: { name: string; version: number; ref: string }[]): [string, string] | null {
  const byName = new Map<string, { version: number; ref: string }[]>();
  for (const r of refs) {
    byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  }
  for (const versions of byName.values()) {
    if (versions.length >= 2) {
      const sorted = [...versions].sort((a, b) => b.version - a.version);
      return [sorted[1].ref, sorted[0].ref];
    }
  }
  return refs.length >= 2 ? [refs[1].ref, refs[0].ref] : null;
}

/** Pipeline parameters typed by the user as JSON; a readable error otherwise. */
export function parseParams(text: string): { params: Record<string, unknown> } | { error: string } {
  if (!text.trim()) {
    return { params: {} };
  }
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { error: 'parameters must be a JSON object, e.g. {"alpha": 0.1}' };
    }
    return { params: value };
  } catch (err) {
    return { error: `parameters are not valid JSON: ${String(err)}` };
  }
}

export function jobDone(state: string): boolean {
  return !['queued', 'running'].includes(state);
}

/**
 * An alias move's body from the form: the gates go as typed, never parsed here,
 * so a line the server cannot read comes back as its error instead of being dropped.
 */
export function aliasMoveBody(version: string, reason: string, gates: string): IAliasMoveBody {
  return { version: Number(version), reason: reason.trim(), ...(gates.trim() ? { require: gates } : {}) };
}

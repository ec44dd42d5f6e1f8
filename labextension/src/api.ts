/**
 * The one door to the server: every HTTP call of the panel goes through
 * `requestAPI`, so tests mock a single thing.
 */
import { ServerConnection } from '@jupyterlab/services';

export const API_NAMESPACE = 'mlops/api';

/** An error answered by the server (or the network), with its status and message. */
export class MlopsAPIError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly error = 'Error'
  ) {
    super(message);
    this.name = 'MlopsAPIError';
  }
}

export type Query = Record<string, string | number | undefined | null | string[]>;

/** `?a=1&b=x&b=y`, skipping empty values. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    if (Array.isArray(value)) {
      value.filter(v => v !== '').forEach(v => params.append(key, v));
    } else {
      params.append(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function joinUrl(base: string, ...parts: string[]): string {
  const trimmed = [base.replace(/\/+$/, ''), ...parts.map(p => p.replace(/^\/+|\/+$/g, ''))];
  return trimmed.filter(p => p !== '').join('/');
}

/**
 * Call `/mlops/api/<endpoint>` and return the parsed JSON.
 *
 * Errors come back as `MlopsAPIError` carrying the server's message (the
 * server answers every error as JSON `{message, error, status}`).
 */
export async function requestAPI<T>(
  endpoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = joinUrl(settings.baseUrl, API_NAMESPACE, endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new MlopsAPIError(`cannot reach the server: ${String(error)}`, 0, 'NetworkError');
  }
  const text = await response.text();
  let data: any = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const message =
      data && typeof data === 'object' && data.message ? data.message : response.statusText;
    const kind = data && typeof data === 'object' && data.error ? data.error : 'HTTPError';
    throw new MlopsAPIError(String(message), response.status, kind);
  }
  return data as T;
}

/** POST a JSON body. */
export function postAPI<T>(endpoint: string, body: unknown): Promise<T> {
  return requestAPI<T>(endpoint, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  });
}

// -- response shapes ---------------------------------------------------------

export interface IServerSettings {
  version: string;
  store: { tracking_uri: string; backend: string; blob_root: string };
  features: Record<string, boolean>;
  refresh_interval: number | null;
}

export interface IRunRow {
  run_id: string;
  name: string;
  experiment: string;
  status: string;
  start_time: number;
  end_time: number | null;
  user: string | null;
  source_path: string | null;
  parent_run_id: string | null;
  error: string | null;
  params: Record<string, string>;
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
}

export interface IRunsPage {
  runs: IRunRow[];
  offset: number;
  limit: number;
  total: number;
  has_more: boolean;
  next_offset: number | null;
}

export interface IArtifact {
  name: string;
  digest: string;
  size: number;
  media_type: string | null;
}

export interface IRunDetail {
  info: IRunRow & { context: Record<string, unknown>; git_commit: string | null; lifecycle?: string };
  params: Record<string, string>;
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
  artifacts: IArtifact[];
}

export interface IMetricSeries {
  run_id: string;
  key: string;
  steps: number[];
  timestamps: number[];
  values: (number | null)[];
  /** The core's figure of the series. */
  figure: IFigure;
}

export interface IEvent {
  id: number;
  timestamp: number;
  kind: string;
  entity_type: string;
  entity_id: string;
  user: string;
  reason: string | null;
  payload: Record<string, unknown>;
}

export interface IFigure {
  data: any[];
  layout?: any;
}

export interface IPromotion {
  name: string;
  path: string;
  parameters: { name: string; default?: unknown }[];
  dropped: { index: number; reason: string }[];
}

export interface ISnapshot {
  id: number;
  ref: string;
  name: string;
  version: number;
  fingerprint: string;
  n_rows: number;
  n_columns: number;
  created_at: number;
  user: string;
  description: string | null;
  schema: { name: string; type: string }[];
}

export interface IColumnSummary {
  kind: string;
  count: number;
  missing: number;
  mean?: number | null;
  std?: number | null;
  min?: number | null;
  max?: number | null;
  quantiles?: Record<string, number | null>;
  edges?: number[];
  hist?: number[];
  distinct?: number;
  top?: [unknown, number][];
  other?: number;
  /** The core's figure of this column's profile (histogram or top values), if it has one. */
  figure?: IFigure | null;
}

export interface ISnapshotDetail {
  snapshot: ISnapshot;
  profile: { n_rows: number; types: Record<string, string>; columns: Record<string, IColumnSummary> };
  runs: string[];
}

export interface IDriftReport {
  reference: string;
  current: string;
  drifted: boolean;
  share: number;
  drift_share: number;
  n_columns: number;
  n_drifted: number;
  /** The rule next to the verdict, e.g. "3 of 12 columns drifted, dataset drift needs 50%". */
  rule: string;
  columns: { column: string; method: string; statistic: number | null; drifted: boolean }[];
  figure: IFigure;
  column: string | null;
}

export interface IModel {
  name: string;
  latest_version: number | null;
  aliases: Record<string, number>;
  description: string | null;
  updated_at: number;
}

export interface IModelVersion {
  name: string;
  version: number;
  created_at: number;
  user: string;
  run_id: string | null;
  format: string;
  model_class: string;
  aliases: string[];
  description: string | null;
}

export interface IAliasMove {
  time: number;
  user: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  reason: string | null;
}

/**
 * The body of `POST models/<name>/aliases/<alias>`. `require` is sent as the user
 * typed it (gate text, a list of texts or {metric: rule}); the server's one gate
 * parser reads it and names a line it cannot read.
 */
export interface IAliasMoveBody {
  version: number;
  reason: string;
  require?: string | string[] | Record<string, string>;
}

export interface IGateCheck {
  metric: string;
  rule: string;
  candidate: number | null;
  threshold: number | null;
  passed: boolean;
  detail: string;
}

export interface IPipeline {
  name: string;
  path: string;
  parameters: Record<string, unknown>;
  gates: string[];
  updated_at: number;
}

export interface IJob {
  id: string;
  pipeline: string;
  params: Record<string, unknown>;
  state: string;
  submitted_at: number;
  finished_at: number | null;
  error: string | null;
  result: { run_id: string; status: string; metrics: Record<string, number>; error: string | null } | null;
}

export interface IRunCell {
  seq: number;
  phase: 'before' | 'run' | string;
  execution_count: number | null;
  source: string;
  started_at: number | null;
  duration: number | null;
  error: string | null;
}

export interface IRunCells {
  run_id: string;
  cells: IRunCell[];
  history: { notebook: string | null; cells: number; in_order: boolean | null; issues: string[]; notes: string[] };
  /** `cell_history`'s hidden-state warning, or null when the cells replay from the notebook. */
  warning: string | null;
}

export interface IRunContext {
  run_id: string;
  git: {
    commit: string | null;
    branch: string | null;
    dirty: boolean | null;
    root: string | null;
    diff: string | null;
    diff_truncated: boolean;
  };
  environment: Record<string, any> | null;
  snapshots: { ref: string; name: string; version: number }[];
  models: { name: string; version: number; ref: string }[];
  notebook: string | null;
}

export interface IArtifactPreview {
  name: string;
  kind: 'image' | 'html' | 'table' | 'text' | 'binary';
  size: number | null;
  data_url?: string;
  text?: string;
  truncated?: boolean;
  columns?: string[];
  rows?: unknown[][];
  n_rows?: number | null;
  note?: string;
}

export interface ICompareDetails {
  runs: string[];
  labels: string[];
  params: string[];
  metrics: string[];
  metric: string | null;
  x: string | null;
  y: string | null;
  parallel: IFigure;
  scatter: IFigure;
  differences: { columns: string[]; rows: { kind: string; key: string; values: unknown[] }[] };
}

export interface IDiffLine {
  op: 'equal' | 'replace' | 'insert' | 'delete';
  left: string | null;
  right: string | null;
}

export interface ICellDiff {
  base: string;
  other: string;
  changed: number;
  rows: { op: IDiffLine['op']; left_cell: number | null; right_cell: number | null; lines: IDiffLine[] }[];
}

/** `GET monitoring/<model>`: the model's newest inference-log windows, its monitors, the last alert. */
export interface IModelMonitoring {
  model: string;
  windows: {
    id: string;
    version: number;
    alias: string | null;
    source: string;
    closed_at: number;
    n_rows: number;
    n_dropped: number;
    n_labels: number;
  }[];
  monitors: { name: string; reference: string; n_checks: number; n_alerts: number }[];
  last_alert: { monitor: string; window_id: string; closed_at: number; reasons: string[] } | null;
}

// -- typed calls ---------------------------------------------------------------

export const api = {
  settings: () => requestAPI<IServerSettings>('settings'),
  experiments: () => requestAPI<{ experiments: { name: string }[] }>('experiments'),
  runs: (query: Query) => requestAPI<IRunsPage>(`runs${queryString(query)}`),
  run: (id: string) => requestAPI<IRunDetail>(`runs/${encodeURIComponent(id)}`),
  metric: (id: string, key: string, options: { x?: string; smoothing?: number } = {}) =>
    requestAPI<IMetricSeries>(
      `runs/${encodeURIComponent(id)}/metrics/${key.split('/').map(encodeURIComponent).join('/')}` +
        queryString({ x: options.x, smoothing: options.smoothing || undefined })
    ),
  runCells: (id: string) => requestAPI<IRunCells>(`runs/${encodeURIComponent(id)}/cells`),
  runContext: (id: string) => requestAPI<IRunContext>(`runs/${encodeURIComponent(id)}/context`),
  preview: (id: string, name: string) =>
    requestAPI<IArtifactPreview>(
      `runs/${encodeURIComponent(id)}/preview/${name.split('/').map(encodeURIComponent).join('/')}`
    ),
  restoreNotebook: (id: string) =>
    postAPI<{ path: string }>(`runs/${encodeURIComponent(id)}/notebook`, {}),
  compareDetails: (runIds: string[], choice: { metric?: string; x?: string; y?: string } = {}) =>
    requestAPI<ICompareDetails>(`compare/details${queryString({ run_id: runIds, ...choice })}`),
  compareCells: (base: string, other: string) =>
    requestAPI<ICellDiff>(`compare/cells${queryString({ base, other })}`),
  tagRun: (id: string, tags: Record<string, string>) =>
    postAPI<{ tags: Record<string, string> }>(`runs/${encodeURIComponent(id)}/tags`, { tags }),
  compare: (runIds: string[]) =>
    requestAPI<{ runs: string[]; curves: IFigure; latest: IFigure }>(
      `compare${queryString({ run_id: runIds })}`
    ),
  events: (query: Query) => requestAPI<{ events: IEvent[] }>(`events${queryString(query)}`),
  promote: (path: string) => postAPI<IPromotion>('pipelines/promote', { notebook: path }),
  snapshots: () => requestAPI<{ snapshots: ISnapshot[] }>('snapshots'),
  snapshot: (ref: string) => requestAPI<ISnapshotDetail>(`snapshots/${encodeURIComponent(ref)}`),
  drift: (reference: string, current: string, column?: string) =>
    requestAPI<IDriftReport>(`drift${queryString({ reference, current, column })}`),
  models: () => requestAPI<{ models: IModel[] }>('models'),
  model: (name: string) =>
    requestAPI<{ model: IModel; versions: IModelVersion[] }>(`models/${encodeURIComponent(name)}`),
  lineage: (name: string, version: number) =>
    requestAPI<any>(`models/${encodeURIComponent(name)}/versions/${version}/lineage`),
  monitoring: (name: string) => requestAPI<IModelMonitoring>(`monitoring/${encodeURIComponent(name)}`),
  aliasMoves: (name: string) =>
    requestAPI<{ moves: IAliasMove[] }>(`models/${encodeURIComponent(name)}/aliases`),
  moveAlias: (name: string, alias: string, body: IAliasMoveBody) =>
    postAPI<{ promotion: { version: number; from_version: number | null; results: IGateCheck[] } }>(
      `models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`,
      body
    ),
  pipelines: () => requestAPI<{ pipelines: IPipeline[] }>('pipelines'),
  runPipeline: (name: string, params: Record<string, unknown>) =>
    postAPI<{ job: IJob }>(`pipelines/${encodeURIComponent(name)}/runs`, { params }),
  jobs: () => requestAPI<{ jobs: IJob[] }>('pipelines/jobs')
};

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
  info: IRunRow & { context: Record<string, unknown>; git_commit: string | null };
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

// -- typed calls ---------------------------------------------------------------

export const api = {
  settings: () => requestAPI<IServerSettings>('settings'),
  experiments: () => requestAPI<{ experiments: { name: string }[] }>('experiments'),
  runs: (query: Query) => requestAPI<IRunsPage>(`runs${queryString(query)}`),
  run: (id: string) => requestAPI<IRunDetail>(`runs/${encodeURIComponent(id)}`),
  metric: (id: string, key: string) =>
    requestAPI<IMetricSeries>(
      `runs/${encodeURIComponent(id)}/metrics/${key.split('/').map(encodeURIComponent).join('/')}`
    ),
  tagRun: (id: string, tags: Record<string, string>) =>
    postAPI<{ tags: Record<string, string> }>(`runs/${encodeURIComponent(id)}/tags`, { tags }),
  events: (query: Query) => requestAPI<{ events: IEvent[] }>(`events${queryString(query)}`),
  promote: (path: string) => postAPI<IPromotion>('pipelines/promote', { notebook: path })
};

/**
 * The Runs page's view model: query (filter, sort, grouping, columns), a
 * window of rows fetched page by page from the server, the selection, and a
 * poll that runs only while the page is shown.
 *
 * Free of React so jest tests it directly. Filtering and sorting are the
 * server's (the `search_runs` grammar); a filter the core refuses comes back
 * as `filterError`, and the rows of the last good query stay on screen.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { IRunRow, IRunsPage, MlopsAPIError, Query } from '../api';
import type { Client, Standby } from '../model';
import { Resource } from '../model';

export type GroupBy = 'none' | 'experiment' | 'parent';

export interface ISort {
  column: string;
  descending: boolean;
}

export interface ITableQuery {
  experiment: string;
  filter: string;
  sort: ISort | null;
  groupBy: GroupBy;
}

export const BASE_COLUMNS = ['status', 'name', 'experiment', 'start_time', 'duration'];
/** Columns the server can order by (duration is computed, so it is not one). */
const SORTABLE_ATTRIBUTES = new Set(['status', 'name', 'experiment', 'start_time', 'end_time', 'user']);

/** Rows fetched at a time; the window polled is the page holding the first visible row and the next. */
export const PAGE = 200;

export function sortable(column: string): boolean {
  return SORTABLE_ATTRIBUTES.has(column) || /^(params|metrics|tags)\./.test(column);
}

/** Click on a column header: ascending, then descending, then the default order (newest first). */
export function toggleSort(sort: ISort | null, column: string): ISort | null {
  if (!sortable(column)) {
    return sort;
  }
  if (!sort || sort.column !== column) {
    return { column, descending: false };
  }
  return sort.descending ? null : { column, descending: true };
}

function quoted(column: string): string {
  const [group, ...rest] = column.split('.');
  const key = rest.join('.');
  return rest.length && /[^A-Za-z0-9_]/.test(key) ? `${group}.\`${key}\`` : column;
}

/** The query string of `/runs` for a query and a window. */
export function tableParams(q: ITableQuery, offset: number, limit: number): Query {
  const order: string[] = [];
  if (q.groupBy === 'experiment') {
    order.push('experiment ASC');
  } else if (q.groupBy === 'parent') {
    order.push('parent_run_id ASC');
  }
  if (q.sort) {
    order.push(`${quoted(q.sort.column)} ${q.sort.descending ? 'DESC' : 'ASC'}`);
  }
  if (order.length > 0 && !q.sort) {
    order.push('start_time DESC');
  }
  return {
    offset,
    limit,
    experiment: q.experiment || undefined,
    filter: q.filter.trim() || undefined,
    order_by: order.length ? order : undefined,
    children: q.groupBy === 'parent' ? 'true' : undefined
  };
}

/** The value shown in a column: an attribute, or `params.k` / `metrics.k` / `tags.k`. */
export function cellValue(run: IRunRow, column: string): unknown {
  const dot = column.indexOf('.');
  if (dot > 0) {
    const group = column.slice(0, dot) as 'params' | 'metrics' | 'tags';
    const map = (run as any)[group];
    if (map && typeof map === 'object') {
      return map[column.slice(dot + 1)];
    }
  }
  return (run as any)[column];
}

/** The group a row belongs to, and whether it starts one (the previous row is in another). */
export function groupOf(run: IRunRow, groupBy: GroupBy): string | null {
  if (groupBy === 'experiment') {
    return run.experiment;
  }
  if (groupBy === 'parent') {
    return run.parent_run_id ? `children of ${run.parent_run_id.slice(0, 8)}` : 'top-level runs';
  }
  return null;
}

/** Every params/metrics/tags column seen on the loaded rows, for the column chooser. */
export function availableColumns(rows: Iterable<IRunRow>): string[] {
  const seen = new Set<string>();
  for (const run of rows) {
    for (const group of ['params', 'metrics', 'tags'] as const) {
      Object.keys(run[group] ?? {}).forEach(k => seen.add(`${group}.${k}`));
    }
  }
  const order = { metrics: 0, params: 1, tags: 2 } as Record<string, number>;
  return [...seen].sort(
    (a, b) => order[a.split('.')[0]] - order[b.split('.')[0]] || a.localeCompare(b)
  );
}

/** The first rows a new table shows: the base columns, 3 metrics and 3 params. */
export function defaultColumns(rows: IRunRow[]): string[] {
  const found = availableColumns(rows);
  return [
    ...BASE_COLUMNS,
    ...found.filter(c => c.startsWith('metrics.')).slice(0, 3),
    ...found.filter(c => c.startsWith('params.')).slice(0, 3)
  ];
}

/** Rows [first, last) to draw for a scroll position (plus some above and below). */
export function visibleRange(
  scrollTop: number,
  height: number,
  rowHeight: number,
  total: number,
  overscan = 10
): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}

/** The selected runs, in the order they were picked. */
export class Selection {
  get ids(): string[] {
    return [...this._ids];
  }

  has(id: string): boolean {
    return this._ids.includes(id);
  }

  toggle(id: string): void {
    this._ids = this.has(id) ? this._ids.filter(x => x !== id) : [...this._ids, id];
  }

  /** Select from the last picked run to `id` in the order of `ordered` (shift-click). */
  extendTo(id: string, ordered: string[]): void {
    const anchor = this._ids[this._ids.length - 1];
    const a = ordered.indexOf(anchor);
    const b = ordered.indexOf(id);
    if (a < 0 || b < 0) {
      this.toggle(id);
      return;
    }
    const span = ordered.slice(Math.min(a, b), Math.max(a, b) + 1);
    this._ids = [...this._ids, ...span.filter(x => !this._ids.includes(x))];
  }

  clear(): void {
    this._ids = [];
  }

  private _ids: string[] = [];
}

function queryKey(q: ITableQuery): string {
  return JSON.stringify([q.experiment, q.filter.trim(), q.sort, q.groupBy]);
}

export class RunsTableModel implements IDisposable {
  constructor(options: { client: Client; interval: number; standby?: Standby; query?: Partial<ITableQuery> }) {
    this._client = options.client;
    this._query = { experiment: '', filter: '', sort: null, groupBy: 'none', ...(options.query ?? {}) };
    this._pending = this._query;
    this._asked = this._query;
    this.window = new Resource<IRunsPage>({
      fetch: () => this._fetchWindow(),
      interval: options.interval,
      // While a run on screen runs, or the server did not answer (so the page recovers by itself).
      live: page => !page || this.window.error !== null || page.runs.some(r => r.status === 'RUNNING'),
      standby: options.standby ?? 'when-hidden'
    });
    this.window.changed.connect(this._onWindow, this);
  }

  readonly window: Resource<IRunsPage>;
  readonly selection = new Selection();

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The query whose rows are shown (a refused filter does not replace it). */
  get query(): ITableQuery {
    return this._query;
  }

  /** The query last asked for (what the boxes show, refused or not). */
  get asked(): ITableQuery {
    return this._asked;
  }

  get total(): number | null {
    return this._total;
  }

  get columns(): string[] {
    return this._columns ?? defaultColumns([...this._rows.values()]);
  }

  /** The core's message for a filter or sort it refused (400), shown next to the box. */
  get filterError(): string | null {
    return this._filterError;
  }

  /** Any other failure (server unreachable, 5xx): the rows already loaded stay. */
  get loadError(): unknown {
    const e = this.window.error;
    return e && !isQueryError(e) ? e : null;
  }

  get visible(): boolean {
    return this._watch !== null;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  row(index: number): IRunRow | undefined {
    return this._rows.get(index);
  }

  /** Loaded rows in order (for shift-click ranges and the column chooser). */
  loadedIds(): string[] {
    return [...this._rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r.run_id);
  }

  setColumns(columns: string[]): void {
    this._columns = columns;
    this._changed.emit();
  }

  setQuery(change: Partial<ITableQuery>): Promise<void> {
    this._asked = { ...this._asked, ...change };
    this._pending = this._asked;
    this._offset = 0;
    return this.window.refresh();
  }

  toggleSort(column: string): Promise<void> {
    return this.setQuery({ sort: toggleSort(this._asked.sort, column) });
  }

  /** The rows on screen changed (scrolling): fetch their page if it is not the one held. */
  setWindow(first: number): Promise<void> {
    const offset = Math.floor(first / PAGE) * PAGE;
    if (offset === this._offset) {
      return Promise.resolve();
    }
    this._offset = offset;
    return this.window.refresh();
  }

  /** Shown: load and poll; hidden (another tab in front, or closed): stop polling. */
  setVisible(visible: boolean): void {
    if (visible && !this._watch) {
      this._watch = this.window.watch();
    } else if (!visible && this._watch) {
      this._watch.dispose();
      this._watch = null;
    }
  }

  toggleSelected(id: string, extend = false): void {
    if (extend) {
      this.selection.extendTo(id, this.loadedIds());
    } else {
      this.selection.toggle(id);
    }
    this._changed.emit();
  }

  clearSelection(): void {
    this.selection.clear();
    this._changed.emit();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._watch?.dispose();
    this.window.dispose();
    Signal.clearData(this);
  }

  private async _fetchWindow(): Promise<IRunsPage> {
    const query = this._pending;
    const page = await this._client.runs(tableParams(query, this._offset, PAGE * 2));
    this._answered = query;
    return page;
  }

  private _onWindow(): void {
    const page = this.window.value;
    const error = this.window.error;
    if (error) {
      this._filterError = isQueryError(error) ? (error as MlopsAPIError).message : this._filterError;
      if (isQueryError(error)) {
        this._pending = this._query; // the boxes keep the text; the rows stay those of the good query
      }
    } else if (page && this._answered) {
      if (queryKey(this._answered) !== queryKey(this._query) || this._rows.size === 0) {
        this._rows.clear();
      }
      this._query = this._answered;
      if (queryKey(this._answered) === queryKey(this._asked)) {
        this._filterError = null;
      }
      this._total = page.total;
      page.runs.forEach((run, i) => this._rows.set(page.offset + i, run));
      for (const index of [...this._rows.keys()]) {
        if (index >= page.total) {
          this._rows.delete(index);
        }
      }
    }
    this._changed.emit();
  }

  private _client: Client;
  private _query: ITableQuery;
  private _pending: ITableQuery;
  private _asked: ITableQuery;
  private _answered: ITableQuery | null = null;
  private _offset = 0;
  private _rows = new Map<number, IRunRow>();
  private _total: number | null = null;
  private _columns: string[] | null = null;
  private _filterError: string | null = null;
  private _watch: IDisposable | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

/** A 400 answer: the filter or order is not in the grammar (the core's message says why). */
export function isQueryError(error: unknown): boolean {
  return error instanceof MlopsAPIError && error.status === 400;
}

/**
 * The panel's one model of server state.
 *
 * Every piece of state the panel shows is a `Resource`: fetched on demand,
 * polled with lumino's `Poll` only while a section watches it (backing off
 * on errors, standing by while the browser tab is hidden), and newest-query
 * wins, so a slow answer to an old query never overwrites a newer one.
 * Sections subscribe through `useResource` and never poll on their own.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  api as defaultClient,
  IEvent,
  IJob,
  IModel,
  IModelMonitoring,
  IPipeline,
  IArtifactPreview,
  ICompareDetails,
  IRunCells,
  IRunContext,
  IRunDetail,
  IRunsPage,
  IServerSettings,
  ISnapshot,
  Query
} from './api';
import { IRunsQuery, jobDone, mergeEvents, newestEventId, runsQueryParams } from './state';
import { ITableQuery, RunsTableModel } from './pages/runsTable';

export type Standby = 'when-hidden' | 'never' | (() => boolean);

export interface IResourceOptions<T> {
  /** Fetches the current value from the server. */
  fetch: (previous: T | null) => Promise<T>;
  /** Seconds between polls while watched; 0 never polls. */
  interval: number;
  /** Polls only while this holds for the current value (e.g. a run is still running). */
  live?: (value: T | null) => boolean;
  standby?: Standby;
}

/** One piece of server state, polled while watched; the newest request's answer wins. */
export class Resource<T> implements IDisposable {
  constructor(options: IResourceOptions<T>) {
    this._fetch = options.fetch;
    this._live = options.live ?? (() => true);
    this._standby = options.standby ?? 'when-hidden';
    this._interval = options.interval;
    this._poll = this._makePoll();
  }

  get value(): T | null {
    return this._value;
  }

  get error(): unknown {
    return this._error;
  }

  /** True until the first answer (or error) for the current query arrives. */
  get loading(): boolean {
    return this._loading;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get disposed(): ISignal<this, void> {
    return this._disposedSignal;
  }

  get watchers(): number {
    return this._watchers;
  }

  /** True while the poll is running (someone watches and the interval is not 0). */
  get polling(): boolean {
    return this._watchers > 0 && this._interval > 0 && !this._poll.isDisposed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Start watching: the first watcher loads the value and starts the poll. */
  watch(): IDisposable {
    this._watchers += 1;
    if (this._watchers === 1) {
      void this.refresh();
      void this._startPoll();
    }
    let done = false;
    return {
      get isDisposed() {
        return done;
      },
      dispose: () => {
        if (done) {
          return;
        }
        done = true;
        this._watchers -= 1;
        if (this._watchers === 0) {
          void this._poll.stop();
        }
      }
    };
  }

  /** Fetch now; resolves when this request's answer has been applied or dropped as stale. */
  async refresh(): Promise<void> {
    try {
      await this._load();
    } catch {
      // _load already recorded the error for the subscribers.
    }
  }

  /** A new query: answers to older ones are dropped, the value resets and is fetched again. */
  setFetch(fetch: (previous: T | null) => Promise<T>): Promise<void> {
    this._fetch = fetch;
    this._generation += 1;
    this._value = null;
    this._error = null;
    this._loading = true;
    this._changed.emit();
    return this._watchers > 0 ? this.refresh() : Promise.resolve();
  }

  /** Change the poll interval (seconds; 0 stops polling). */
  setInterval(seconds: number): void {
    if (seconds === this._interval) {
      return;
    }
    this._interval = seconds;
    this._poll.dispose();
    this._poll = this._makePoll();
    if (this._watchers > 0) {
      void this._startPoll();
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._poll.dispose();
    this._disposedSignal.emit();
    Signal.clearData(this);
  }

  private _makePoll(): Poll {
    const ms = this._interval > 0 ? this._interval * 1000 : Poll.NEVER;
    return new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: { interval: ms, backoff: true, max: Math.max(ms * 8, 60_000) },
      standby: this._standby,
      name: 'jupyter-mlops:resource'
    });
  }

  private async _startPoll(): Promise<void> {
    if (this._interval > 0) {
      // The first tick of a started Poll runs at once; the watcher already loaded, so skip it.
      this._skipTick = true;
      await this._poll.start();
    }
  }

  private async _tick(): Promise<void> {
    if (this._skipTick) {
      this._skipTick = false;
      return;
    }
    if (this._watchers === 0 || !this._live(this._value)) {
      return;
    }
    await this._load(); // a rejection makes the Poll back off
  }

  private async _load(): Promise<void> {
    const generation = this._generation;
    const request = ++this._requests;
    try {
      const value = await this._fetch(this._value);
      if (this._isStale(generation, request)) {
        return;
      }
      this._value = value;
      this._error = null;
    } catch (err) {
      if (this._isStale(generation, request)) {
        return;
      }
      this._error = err;
      throw err;
    } finally {
      if (!this._isStale(generation, request)) {
        this._loading = false;
        this._changed.emit();
      }
    }
  }

  /** An answer is stale when the query changed or a newer request was sent meanwhile. */
  private _isStale(generation: number, request: number): boolean {
    return this._disposed || generation !== this._generation || request !== this._requests;
  }

  private _fetch: (previous: T | null) => Promise<T>;
  private _live: (value: T | null) => boolean;
  private _standby: Standby;
  private _interval: number;
  private _poll: Poll;
  private _value: T | null = null;
  private _error: unknown = null;
  private _loading = true;
  private _watchers = 0;
  private _generation = 0;
  private _requests = 0;
  private _skipTick = false;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
  private _disposedSignal = new Signal<this, void>(this);
}

export type Client = typeof defaultClient;

export interface IPipelinesState {
  pipelines: IPipeline[];
  jobs: IJob[];
}

/** Everything the side panel knows about the server, one resource per kind of thing. */
export class MlopsModel implements IDisposable {
  constructor(options: { interval: number; client?: Client; standby?: Standby }) {
    this.client = options.client ?? defaultClient;
    this._interval = options.interval;
    this._standby = options.standby ?? 'when-hidden';
    const client = this.client;
    // Polled only while the server does not answer, so every page notices when it is back.
    this.server = this._resource<IServerSettings>(
      () => client.settings(),
      1,
      () => this.server.error !== null
    );
    this.experiments = this._resource<string[]>(
      async () => (await client.experiments()).experiments.map(e => e.name),
      EXPERIMENTS_EVERY
    );
    this.runs = this._resource<IRunsPage>(() => Promise.reject(new Error('no query yet')), 1);
    this.events = this._resource<IEvent[]>(eventsFetch(client, ''), 1);
    this.pipelines = this._resource<IPipelinesState>(
      async () => {
        const [p, j] = await Promise.all([client.pipelines(), client.jobs()]);
        return { pipelines: p.pipelines, jobs: j.jobs };
      },
      1,
      state => !!state && state.jobs.some(j => !jobDone(j.state))
    );
    this.snapshots = this._resource<ISnapshot[]>(async () => (await client.snapshots()).snapshots, 0);
    this.models = this._resource<IModel[]>(async () => (await client.models()).models, 0);
  }

  readonly client: Client;
  readonly server: Resource<IServerSettings>;
  readonly experiments: Resource<string[]>;
  readonly runs: Resource<IRunsPage>;
  readonly events: Resource<IEvent[]>;
  readonly pipelines: Resource<IPipelinesState>;
  /** Loaded when a section starts watching; not polled. */
  readonly snapshots: Resource<ISnapshot[]>;
  readonly models: Resource<IModel[]>;

  get isDisposed(): boolean {
    return this._disposed;
  }

  get runsQuery(): IRunsQuery | null {
    return this._runsQuery;
  }

  /** Show another page, filter or order of runs; an answer to the old query is dropped. */
  setRunsQuery(query: IRunsQuery): Promise<void> {
    this._runsQuery = query;
    const params: Query = runsQueryParams(query);
    return this.runs.setFetch(() => this.client.runs(params));
  }

  get eventKind(): string {
    return this._eventKind;
  }

  /** Show events of one kind (`run.*`, ...) or all (''); the feed starts again. */
  setEventKind(kind: string): Promise<void> {
    this._eventKind = kind;
    return this.events.setFetch(eventsFetch(this.client, kind));
  }

  /** One run's details, polled while it is running; one resource per run id. */
  run(runId: string): Resource<IRunDetail> {
    let resource = this._runs.get(runId);
    if (!resource) {
      resource = this._resource<IRunDetail>(
        () => this.client.run(runId),
        1,
        detail => !detail || detail.info.status === 'RUNNING'
      );
      this._runs.set(runId, resource);
    }
    return resource;
  }

  /** A model's live inference-log windows and last alert; one resource per model, polled while watched. */
  monitoring(name: string): Resource<IModelMonitoring> {
    const key = `monitoring:${name}`;
    let resource = this._cache.get(key) as Resource<IModelMonitoring> | undefined;
    if (!resource) {
      resource = this._resource<IModelMonitoring>(() => this.client.monitoring(name), MONITORING_EVERY);
      this._cache.set(key, resource as Resource<unknown>);
    }
    return resource;
  }

  /** The cells a run executed and the hidden-state verdict (loaded once; a page refreshes it). */
  runCells(runId: string): Resource<IRunCells> {
    return this._cached(`cells:${runId}`, () => this.client.runCells(runId));
  }

  /** A run's git state, environment, input snapshots and output models. */
  runContext(runId: string): Resource<IRunContext> {
    return this._cached(`context:${runId}`, () => this.client.runContext(runId));
  }

  preview(runId: string, name: string): Resource<IArtifactPreview> {
    return this._cached(`preview:${runId}:${name}`, () => this.client.preview(runId, name));
  }

  /** The comparison of some runs (figures and differing params); the page sets metric and axes. */
  comparison(runIds: string[]): Resource<ICompareDetails> {
    return this._cached(`compare:${runIds.join(',')}`, () => this.client.compareDetails(runIds));
  }

  /** A Runs page's table; one per page (each keeps its own filter), polled while shown. */
  runsTable(query?: Partial<ITableQuery>): RunsTableModel {
    const table = new RunsTableModel({
      client: this.client,
      interval: this._interval,
      standby: this._standby,
      query
    });
    this._factors.set(table.window as Resource<unknown>, 1);
    table.window.disposed.connect(() => this._factors.delete(table.window as Resource<unknown>));
    return table;
  }

  /** Seconds between polls of every resource (the panel's refresh setting; 0 turns polling off). */
  setInterval(seconds: number): void {
    this._interval = seconds;
    for (const [resource, factor] of this._factors) {
      resource.setInterval(factor === 0 ? 0 : seconds * factor);
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    for (const resource of this._factors.keys()) {
      resource.dispose();
    }
    this._factors.clear();
    this._runs.clear();
    this._cache.clear();
  }

  private _cached<T>(key: string, fetch: () => Promise<T>): Resource<T> {
    let resource = this._cache.get(key) as Resource<T> | undefined;
    if (!resource) {
      resource = this._resource<T>(fetch, 0);
      this._cache.set(key, resource as Resource<unknown>);
    }
    return resource;
  }

  private _resource<T>(
    fetch: (previous: T | null) => Promise<T>,
    factor: number,
    live?: (value: T | null) => boolean
  ): Resource<T> {
    const resource = new Resource<T>({
      fetch,
      interval: factor === 0 ? 0 : this._interval * factor,
      live,
      standby: this._standby
    });
    this._factors.set(resource as Resource<unknown>, factor);
    return resource;
  }

  private _interval: number;
  private _standby: Standby;
  private _runsQuery: IRunsQuery | null = null;
  private _eventKind = '';
  private _runs = new Map<string, Resource<IRunDetail>>();
  private _cache = new Map<string, Resource<unknown>>();
  private _factors = new Map<Resource<unknown>, number>();
  private _disposed = false;
}

/** Experiments change rarely: they are polled at a sixth of the runs' rate. */
const EXPERIMENTS_EVERY = 6;
/** Windows close every minute at most by default: the Registry's live view is polled at a fifth of the runs' rate. */
const MONITORING_EVERY = 5;

/** The events feed: the first fetch takes the newest page, later ones only what came after. */
function eventsFetch(client: Client, kind: string): (previous: IEvent[] | null) => Promise<IEvent[]> {
  return async previous => {
    const after = previous ? newestEventId(previous) : 0;
    const reply = await client.events({ kind: kind || undefined, limit: 100, after_id: after || undefined });
    return previous ? mergeEvents(previous, reply.events) : reply.events;
  };
}

import { MlopsModel, Resource } from '../src/model';
import type { IEvent, IRunsPage } from '../src/api';

/** A promise the test settles by hand, to order answers. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}

function page(name: string): IRunsPage {
  return {
    runs: [
      {
        run_id: name,
        name,
        experiment: 'e',
        status: 'FINISHED',
        start_time: 0,
        end_time: 1,
        user: 'u',
        source_path: null,
        parent_run_id: null,
        error: null,
        params: {},
        metrics: {},
        tags: {}
      }
    ],
    offset: 0,
    limit: 50,
    total: 1,
    has_more: false,
    next_offset: null
  };
}

function event(id: number): IEvent {
  return {
    id,
    timestamp: id,
    kind: 'run.finished',
    entity_type: 'run',
    entity_id: String(id),
    user: 'u',
    reason: null,
    payload: {}
  };
}

const QUERY = { experiment: '', filter: '', orderBy: '', offset: 0, limit: 50 };

function fakeClient(overrides: Record<string, jest.Mock> = {}): any {
  return {
    settings: jest.fn(async () => ({ version: '0.1.0' })),
    experiments: jest.fn(async () => ({ experiments: [{ name: 'e' }] })),
    runs: jest.fn(async () => page('r')),
    run: jest.fn(async (id: string) => ({ info: { run_id: id, status: 'FINISHED' } })),
    events: jest.fn(async () => ({ events: [] })),
    pipelines: jest.fn(async () => ({ pipelines: [] })),
    jobs: jest.fn(async () => ({ jobs: [] })),
    snapshots: jest.fn(async () => ({ snapshots: [] })),
    models: jest.fn(async () => ({ models: [] })),
    ...overrides
  };
}

describe('Resource', () => {
  afterEach(() => jest.useRealTimers());

  it('loads when first watched and notifies subscribers', async () => {
    const fetch = jest.fn(async () => 42);
    const r = new Resource<number>({ fetch, interval: 0, standby: 'never' });
    const seen: (number | null)[] = [];
    r.changed.connect(() => seen.push(r.value));
    expect(fetch).not.toHaveBeenCalled();
    const w = r.watch();
    await flush();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(r.value).toBe(42);
    expect(r.loading).toBe(false);
    expect(seen).toEqual([42]);
    w.dispose();
    r.dispose();
  });

  it('drops the answer to an old query that arrives after the new one', async () => {
    const slow = deferred<string>();
    const fast = deferred<string>();
    const r = new Resource<string>({ fetch: () => slow.promise, interval: 0, standby: 'never' });
    const w = r.watch();
    const second = r.setFetch(() => fast.promise);
    fast.resolve('new query');
    await second;
    slow.resolve('old query');
    await flush();
    expect(r.value).toBe('new query');
    w.dispose();
    r.dispose();
  });

  it('keeps the newest request when an older one fails late', async () => {
    const answers = [deferred<string>(), deferred<string>()];
    let call = 0;
    const r = new Resource<string>({ fetch: () => answers[call++].promise, interval: 0, standby: 'never' });
    const w = r.watch();
    const newer = r.refresh();
    answers[1].resolve('fresh');
    await newer;
    answers[0].reject(new Error('timed out'));
    await flush();
    expect(r.value).toBe('fresh');
    expect(r.error).toBeNull();
    w.dispose();
    r.dispose();
  });

  it('polls only while watched', async () => {
    jest.useFakeTimers();
    const fetch = jest.fn(async () => 1);
    const r = new Resource<number>({ fetch, interval: 1, standby: 'never' });
    await jest.advanceTimersByTimeAsync(5000);
    expect(fetch).not.toHaveBeenCalled();
    const w = r.watch();
    expect(r.polling).toBe(true);
    await jest.advanceTimersByTimeAsync(3500);
    const watched = fetch.mock.calls.length;
    expect(watched).toBeGreaterThanOrEqual(3);
    expect(watched).toBeLessThanOrEqual(5);
    w.dispose();
    expect(r.polling).toBe(false);
    await jest.advanceTimersByTimeAsync(10000);
    expect(fetch.mock.calls.length).toBe(watched);
    r.dispose();
  });

  it('stops polling once the value is no longer live', async () => {
    jest.useFakeTimers();
    let status = 'RUNNING';
    const fetch = jest.fn(async () => status);
    const r = new Resource<string>({ fetch, interval: 1, live: v => v === 'RUNNING', standby: 'never' });
    const w = r.watch();
    await jest.advanceTimersByTimeAsync(2500);
    status = 'FINISHED';
    await jest.advanceTimersByTimeAsync(1000);
    const calls = fetch.mock.calls.length;
    await jest.advanceTimersByTimeAsync(10000);
    expect(r.value).toBe('FINISHED');
    expect(fetch.mock.calls.length).toBe(calls);
    w.dispose();
    r.dispose();
  });

  it('backs off while the server fails', async () => {
    jest.useFakeTimers();
    const failing = jest.fn(async () => {
      throw new Error('down');
    });
    const ok = jest.fn(async () => 1);
    const a = new Resource<number>({ fetch: failing, interval: 1, standby: 'never' });
    const b = new Resource<number>({ fetch: ok, interval: 1, standby: 'never' });
    const wa = a.watch();
    const wb = b.watch();
    await jest.advanceTimersByTimeAsync(30000);
    expect(a.error).toBeInstanceOf(Error);
    expect(ok.mock.calls.length).toBeGreaterThanOrEqual(25);
    expect(failing.mock.calls.length).toBeLessThan(ok.mock.calls.length / 2);
    wa.dispose();
    wb.dispose();
    a.dispose();
    b.dispose();
  });

  it('an interval of 0 turns polling off', async () => {
    jest.useFakeTimers();
    const fetch = jest.fn(async () => 1);
    const r = new Resource<number>({ fetch, interval: 1, standby: 'never' });
    const w = r.watch();
    r.setInterval(0);
    await jest.advanceTimersByTimeAsync(10000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(r.polling).toBe(false);
    w.dispose();
    r.dispose();
  });
});

describe('MlopsModel', () => {
  afterEach(() => jest.useRealTimers());

  it('polls experiments far less often than runs', async () => {
    jest.useFakeTimers();
    const client = fakeClient();
    const model = new MlopsModel({ interval: 1, client, standby: 'never' });
    const wr = model.runs.watch();
    const we = model.experiments.watch();
    await model.setRunsQuery(QUERY);
    await jest.advanceTimersByTimeAsync(12500);
    expect(client.runs.mock.calls.length).toBeGreaterThanOrEqual(10);
    expect(client.experiments.mock.calls.length).toBeLessThanOrEqual(3);
    wr.dispose();
    we.dispose();
    model.dispose();
  });

  it('shows the page of the newest query only', async () => {
    const first = deferred<IRunsPage>();
    const second = deferred<IRunsPage>();
    const answers = [first.promise, second.promise];
    const client = fakeClient({ runs: jest.fn(() => answers.shift()) });
    const model = new MlopsModel({ interval: 0, client, standby: 'never' });
    const w = model.runs.watch();
    void model.setRunsQuery(QUERY);
    const later = model.setRunsQuery({ ...QUERY, filter: 'metrics.acc > 0.5' });
    second.resolve(page('filtered'));
    await later;
    first.resolve(page('unfiltered'));
    await flush();
    expect(model.runs.value?.runs[0].name).toBe('filtered');
    expect(client.runs.mock.calls[1][0]).toMatchObject({ filter: 'metrics.acc > 0.5' });
    w.dispose();
    model.dispose();
  });

  it('fetches only events after the newest it has, and merges them', async () => {
    const replies = [{ events: [event(2), event(1)] }, { events: [event(3)] }];
    const client = fakeClient({ events: jest.fn(async () => replies.shift()) });
    const model = new MlopsModel({ interval: 0, client, standby: 'never' });
    await model.setEventKind('run.*');
    const w = model.events.watch();
    await flush();
    await model.events.refresh();
    expect(client.events.mock.calls[0][0]).toMatchObject({ kind: 'run.*', after_id: undefined });
    expect(client.events.mock.calls[1][0]).toMatchObject({ kind: 'run.*', after_id: 2 });
    expect(client.events).toHaveBeenCalledTimes(2);
    expect(model.events.value?.map(e => e.id)).toEqual([3, 2, 1]);
    w.dispose();
    model.dispose();
  });

  it('keeps one resource per run and polls it only while the run runs', async () => {
    jest.useFakeTimers();
    let status = 'RUNNING';
    const client = fakeClient({
      run: jest.fn(async (id: string) => ({ info: { run_id: id, status } }))
    });
    const model = new MlopsModel({ interval: 1, client, standby: 'never' });
    expect(model.run('a')).toBe(model.run('a'));
    const w = model.run('a').watch();
    await jest.advanceTimersByTimeAsync(2500);
    status = 'FINISHED';
    await jest.advanceTimersByTimeAsync(1000);
    const calls = client.run.mock.calls.length;
    await jest.advanceTimersByTimeAsync(5000);
    expect(client.run.mock.calls.length).toBe(calls);
    w.dispose();
    model.dispose();
  });

  it('keeps one monitoring resource per model, polled while watched only', async () => {
    jest.useFakeTimers();
    const client = fakeClient({
      monitoring: jest.fn(async (name: string) => ({ model: name, windows: [], monitors: [], last_alert: null }))
    });
    const model = new MlopsModel({ interval: 1, client, standby: 'never' });
    expect(model.monitoring('churn')).toBe(model.monitoring('churn'));
    expect(model.monitoring('other')).not.toBe(model.monitoring('churn'));
    const w = model.monitoring('churn').watch();
    await jest.advanceTimersByTimeAsync(12500);
    const calls = client.monitoring.mock.calls.length;
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(5);
    expect(client.monitoring.mock.calls.every(([name]: [string]) => name === 'churn')).toBe(true);
    expect(model.monitoring('churn').value?.model).toBe('churn');
    w.dispose();
    await jest.advanceTimersByTimeAsync(20000);
    expect(client.monitoring.mock.calls.length).toBe(calls);
    model.dispose();
  });

  it('changes every poll interval with the settings', async () => {
    jest.useFakeTimers();
    const client = fakeClient();
    const model = new MlopsModel({ interval: 1, client, standby: 'never' });
    const w = model.runs.watch();
    await model.setRunsQuery(QUERY);
    model.setInterval(0);
    const calls = client.runs.mock.calls.length;
    await jest.advanceTimersByTimeAsync(10000);
    expect(client.runs.mock.calls.length).toBe(calls);
    model.setInterval(2);
    await jest.advanceTimersByTimeAsync(10500);
    expect(client.runs.mock.calls.length - calls).toBeGreaterThanOrEqual(4);
    expect(client.runs.mock.calls.length - calls).toBeLessThanOrEqual(6);
    w.dispose();
    model.dispose();
  });
});

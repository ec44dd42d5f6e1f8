import {
  aliasMoveBody,
  aliasMoveProblem,
  anyRunning,
  changedRuns,
  CLIENT_VERSION,
  formatDuration,
  formatValue,
  mergeEvents,
  newestEventId,
  nextPage,
  pageLabel,
  previousPage,
  readSettings,
  runsQueryParams,
  statusBadge,
  versionProblem
} from '../src/state';
import type { IEvent, IRunRow } from '../src/api';

import pkg from '../package.json';

function run(id: string, patch: Partial<IRunRow> = {}): IRunRow {
  return {
    run_id: id,
    name: id,
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
    tags: {},
    ...patch
  };
}

function event(id: number): IEvent {
  return {
    id,
    timestamp: id,
    kind: 'alias.moved',
    entity_type: 'model',
    entity_id: 'm',
    user: 'u',
    reason: null,
    payload: {}
  };
}

test('the client version is the package version', () => {
  expect(CLIENT_VERSION).toBe(pkg.version);
});

test('a mismatched or missing server version is refused with a message', () => {
  expect(versionProblem('0.1.0', '0.1.0')).toBeNull();
  expect(versionProblem('0.2.0', '0.1.0')).toMatch(/0\.2\.0.*0\.1\.0.*reinstall/);
  expect(versionProblem(undefined)).toMatch(/enabled/);
});

test('settings are bounded and defaulted', () => {
  expect(readSettings({})).toEqual({ refreshInterval: 5, defaultExperiment: '', pageSize: 50 });
  expect(readSettings({ refreshInterval: -1, pageSize: 5000, defaultExperiment: ' exp ' })).toEqual({
    refreshInterval: 0,
    defaultExperiment: 'exp',
    pageSize: 1000
  });
  expect(readSettings({ refreshInterval: 'often' as unknown as number }).refreshInterval).toBe(5);
});

test('runs query parameters leave out what is empty', () => {
  const q = { experiment: '', filter: '  ', orderBy: 'metrics.acc DESC', offset: 0, limit: 50 };
  expect(runsQueryParams(q)).toEqual({ offset: 0, limit: 50, order_by: 'metrics.acc DESC' });
  expect(runsQueryParams({ ...q, experiment: 'x', filter: "status = 'FAILED'" })).toMatchObject({
    experiment: 'x',
    filter: "status = 'FAILED'"
  });
});

test('paging moves forward by next_offset and back by the page size, never below 0', () => {
  const q = { experiment: '', filter: '', orderBy: '', offset: 0, limit: 20 };
  expect(nextPage(q, { next_offset: 20 })).toMatchObject({ offset: 20 });
  expect(nextPage(q, { next_offset: null })).toBeNull();
  expect(previousPage(q)).toBeNull();
  expect(previousPage({ ...q, offset: 10 })).toMatchObject({ offset: 0 });
  expect(previousPage({ ...q, offset: 40 })).toMatchObject({ offset: 20 });
  expect(pageLabel({ offset: 20, total: 45, runs: new Array(20) })).toBe('21–40 of 45');
  expect(pageLabel({ offset: 0, total: 0, runs: [] })).toBe('no runs');
});

test('changed runs: new ones, status changes and new metric values', () => {
  const before = [run('a'), run('b', { status: 'RUNNING', metrics: { acc: 0.1 } }), run('c')];
  const after = [
    run('d'),
    run('a'),
    run('b', { status: 'RUNNING', metrics: { acc: 0.2 } }),
    run('c', { status: 'FAILED' })
  ];
  expect([...changedRuns(before, after)].sort()).toEqual(['b', 'c', 'd']);
  expect(changedRuns(after, after).size).toBe(0);
  expect(anyRunning(after)).toBe(true);
  expect(anyRunning([run('x')])).toBe(false);
});

test('status badges', () => {
  expect(statusBadge('RUNNING')).toBe('running');
  expect(statusBadge('failed')).toBe('failed');
  expect(statusBadge('KILLED')).toBe('killed');
  expect(statusBadge('FINISHED')).toBe('finished');
  expect(statusBadge('??')).toBe('unknown');
});

test('durations and values are readable', () => {
  expect(formatDuration(0, 2.5)).toBe('2.5 s');
  expect(formatDuration(0, 125)).toBe('2 min 5 s');
  expect(formatDuration(0, 7260)).toBe('2 h 1 min');
  expect(formatDuration(100, null, 130)).toBe('30 s');
  expect(formatValue(null)).toBe('–');
  expect(formatValue(3)).toBe('3');
  expect(formatValue(0.123456)).toBe('0.1235');
  expect(formatValue(1234567.5)).toBe('1.235e+6');
});

test('events merge newest first without duplicates, bounded', () => {
  const merged = mergeEvents([event(3), event(2)], [event(5), event(3), event(4)]);
  expect(merged.map(e => e.id)).toEqual([5, 4, 3, 2]);
  expect(mergeEvents(merged, [event(6)], 3).map(e => e.id)).toEqual([6, 5, 4]);
  expect(newestEventId(merged)).toBe(5);
  expect(newestEventId([])).toBe(0);
});

test('moving an alias needs a version and a reason', () => {
  expect(aliasMoveProblem('', 'because')).toMatch(/version/);
  expect(aliasMoveProblem('3', '')).toMatch(/why/);
  expect(aliasMoveProblem('3', 'better recall on holdout')).toBeNull();
});

import { defaultDriftPair, jobDone, parseParams } from '../src/state';

test('the default drift pair is the two newest versions of one name', () => {
  const refs = [
    { name: 'train', version: 3, ref: 'train@3' },
    { name: 'train', version: 2, ref: 'train@2' },
    { name: 'other', version: 1, ref: 'other@1' }
  ];
  expect(defaultDriftPair(refs)).toEqual(['train@2', 'train@3']);
  expect(defaultDriftPair([{ name: 'a', version: 1, ref: 'a@1' }])).toBeNull();
});

test('pipeline parameters are a JSON object', () => {
  expect(parseParams('')).toEqual({ params: {} });
  expect(parseParams('{"alpha": 2}')).toEqual({ params: { alpha: 2 } });
  expect(parseParams('[1]')).toHaveProperty('error');
  expect(parseParams('{oops')).toHaveProperty('error');
  expect(jobDone('running')).toBe(false);
  expect(jobDone('finished')).toBe(true);
});

describe('aliasMoveBody', () => {
  it('sends the gates as typed, lines the server cannot read included', () => {
    const gates = 'acc >= current - 0.01\nthis is not a gate; f1>=0.8';
    expect(aliasMoveBody('3', '  better  ', gates)).toEqual({ version: 3, reason: 'better', require: gates });
  });

  it('leaves require out when no gate is typed', () => {
    expect(aliasMoveBody('2', 'ship', '  \n ')).toEqual({ version: 2, reason: 'ship' });
    expect('require' in aliasMoveBody('2', 'ship', '')).toBe(false);
  });
});

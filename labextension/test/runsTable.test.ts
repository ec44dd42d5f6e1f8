import { MlopsAPIError, IRunRow, IRunsPage } from '../src/api';
import { MlopsModel } from '../src/model';
import {
  availableColumns,
  RunsTableModel,
  Selection,
  tableParams,
  toggleSort,
  visibleRange
} from '../src/pages/runsTable';

function run(id: string, extra: Partial<IRunRow> = {}): IRunRow {
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
    params: { lr: '0.1' },
    metrics: { acc: 0.5 },
    tags: {},
    ...extra
  };
}

function page(runs: IRunRow[], offset = 0, total = runs.length): IRunsPage {
  return { runs, offset, limit: 400, total, has_more: false, next_offset: null };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

describe('sorting and the query sent', () => {
  it('cycles a column ascending, descending, then the default order', () => {
    let sort = toggleSort(null, 'metrics.acc');
    expect(sort).toEqual({ column: 'metrics.acc', descending: false });
    sort = toggleSort(sort, 'metrics.acc');
    expect(sort).toEqual({ column: 'metrics.acc', descending: true });
    expect(toggleSort(sort, 'metrics.acc')).toBeNull();
    expect(toggleSort(null, 'duration')).toBeNull(); // computed, the server cannot order by it
  });

  it('sends the filter as typed, the order with the group first, children when grouped by parent', () => {
    const q = { experiment: 'x', filter: " params.m = 'a' ", sort: { column: 'metrics.val loss', descending: true }, groupBy: 'parent' as const };
    expect(tableParams(q, 200, 400)).toEqual({
      offset: 200,
      limit: 400,
      experiment: 'x',
      filter: "params.m = 'a'",
      order_by: ['parent_run_id ASC', 'metrics.`val loss` DESC'],
      children: 'true'
    });
  });

  it('lists the columns seen and windows the rows on screen', () => {
    expect(availableColumns([run('a', { tags: { t: '1' } })])).toEqual(['metrics.acc', 'params.lr', 'tags.t']);
    expect(visibleRange(2800, 560, 28, 10000, 5)).toEqual([95, 125]);
    expect(visibleRange(0, 560, 28, 3, 5)).toEqual([0, 3]);
  });
});

describe('Selection', () => {
  it('toggles and extends a range in table order', () => {
    const s = new Selection();
    s.toggle('b');
    s.extendTo('d', ['a', 'b', 'c', 'd']);
    expect(s.ids).toEqual(['b', 'c', 'd']);
    s.toggle('c');
    expect(s.ids).toEqual(['b', 'd']);
    s.clear();
    expect(s.ids).toEqual([]);
  });
});

describe('RunsTableModel', () => {
  afterEach(() => jest.useRealTimers());

  it('shows the core message for a refused filter and keeps the rows of the last good query', async () => {
    const runs = jest.fn(async (q: any) => {
      if (q.filter === 'metrics.acc >>> 1') {
        throw new MlopsAPIError("filter: expected a comparison operator, got '>>> 1'", 400, 'InvalidArgument');
      }
      return page([run('a'), run('b')]);
    });
    const table = new RunsTableModel({ client: { runs } as any, interval: 0, standby: 'never' });
    table.setVisible(true);
    await flush();
    expect(table.total).toBe(2);
    await table.setQuery({ filter: 'metrics.acc >>> 1' });
    await flush();
    expect(table.filterError).toContain('comparison operator');
    expect(table.loadError).toBeNull();
    expect(table.row(0)?.run_id).toBe('a');
    expect(table.query.filter).toBe('');
    expect(table.asked.filter).toBe('metrics.acc >>> 1');
    await table.setQuery({ filter: '' });
    await flush();
    expect(table.filterError).toBeNull();
    table.dispose();
  });

  it('replaces the rows when a new query answers and fetches the page of a scrolled window', async () => {
    const runs = jest.fn(async (q: any) =>
      q.order_by ? page([run('z')], q.offset, 1000) : page([run('a')], q.offset, 1000)
    );
    const table = new RunsTableModel({ client: { runs } as any, interval: 0, standby: 'never' });
    table.setVisible(true);
    await flush();
    await table.toggleSort('metrics.acc');
    expect(runs.mock.calls[1][0].order_by).toEqual(['metrics.acc ASC']);
    expect(table.row(0)?.run_id).toBe('z');
    await table.setWindow(450);
    expect(runs.mock.calls[2][0].offset).toBe(400);
    await table.setWindow(460); // same page: nothing fetched
    expect(runs).toHaveBeenCalledTimes(3);
    table.dispose();
  });

  it('polls while shown and a run runs, and stops when the page is hidden', async () => {
    jest.useFakeTimers();
    const runs = jest.fn(async () => page([run('a', { status: 'RUNNING' })]));
    const model = new MlopsModel({ interval: 1, client: { runs } as any, standby: 'never' });
    const table = model.runsTable();
    table.setVisible(true);
    await jest.advanceTimersByTimeAsync(3500);
    const shown = runs.mock.calls.length;
    expect(shown).toBeGreaterThanOrEqual(3);
    table.setVisible(false);
    expect(table.window.polling).toBe(false);
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs.mock.calls.length).toBe(shown);
    table.setVisible(true);
    await jest.advanceTimersByTimeAsync(1500);
    expect(runs.mock.calls.length).toBeGreaterThan(shown);
    table.dispose();
    model.dispose();
  });

  it('keeps polling after the server stopped answering, and recovers', async () => {
    jest.useFakeTimers();
    let up = true;
    const runs = jest.fn(async () => {
      if (!up) {
        throw new MlopsAPIError('cannot reach the server: TypeError', 0, 'NetworkError');
      }
      return page([run('a')]);
    });
    const table = new RunsTableModel({ client: { runs } as any, interval: 1, standby: 'never' });
    table.setVisible(true);
    await jest.advanceTimersByTimeAsync(10);
    up = false;
    await table.window.refresh();
    expect(table.loadError).toBeInstanceOf(MlopsAPIError);
    expect(table.row(0)?.run_id).toBe('a');
    up = true;
    await jest.advanceTimersByTimeAsync(20000);
    expect(table.loadError).toBeNull();
    table.dispose();
  });
});

import { lineageGraph, NODE_H, NODE_W } from '../src/pages/lineageGraph';
import { alertsOf, IMonitorCheck } from '../src/pages/monitorHistory';
import { routeArgs } from '../src/pages/routes';

const LINEAGE = {
  version: { name: 'churn', version: 3, aliases: ['production'] },
  run: {
    run_id: 'abcdef1234567890',
    name: 'fit',
    notebook: 'train.ipynb',
    git: { commit: '0123456789abcdef', dirty: true }
  },
  ancestors: [{ run_id: 'fedcba0987654321', name: 'search' }],
  snapshots: [
    { ref: 'train@2', name: 'train', run_id: 'fedcba0987654321' },
    { ref: '#9 (deleted)', name: null, run_id: null }
  ]
};

describe('lineageGraph', () => {
  it('draws version, runs, snapshots, notebook and commit in three columns', () => {
    const g = lineageGraph(LINEAGE);
    const kinds = g.nodes.map(n => n.kind);
    expect(kinds).toEqual(['version', 'run', 'ancestor', 'snapshot', 'snapshot', 'notebook', 'commit']);
    const byKind = (k: string) => g.nodes.filter(n => n.kind === k);
    expect(byKind('version')[0].x).toBeLessThan(byKind('run')[0].x);
    expect(byKind('run')[0].x).toBeLessThan(byKind('snapshot')[0].x);
    expect(byKind('version')[0].label).toBe('churn v3 (production)');
    expect(byKind('commit')[0].label).toBe('git 0123456789 (dirty)');
    // a snapshot read by the parent hangs from the parent; a deleted one is not a link
    expect(g.edges).toContainEqual({ from: 'run:fedcba0987654321', to: 'snapshot:train@2', label: 'read' });
    expect(byKind('snapshot').map(n => n.target)).toEqual(['train@2', null]);
    expect(byKind('run')[0].target).toBe('abcdef1234567890');
    for (const n of g.nodes) {
      expect(n.x + NODE_W).toBeLessThanOrEqual(g.width);
      expect(n.y + NODE_H).toBeLessThanOrEqual(g.height);
    }
    const ys = byKind('snapshot').concat(byKind('notebook'), byKind('commit')).map(n => n.y);
    expect(new Set(ys).size).toBe(ys.length); // no two nodes of a column overlap
  });

  it('shows a version without a run alone', () => {
    const g = lineageGraph({ version: { name: 'm', version: 1, aliases: [] }, run: null });
    expect(g.nodes.map(n => n.kind)).toEqual(['version']);
    expect(g.edges).toEqual([]);
    expect(g.width).toBe(20 + NODE_W);
  });
});

describe('routeArgs', () => {
  it('reads the page a URL names', () => {
    expect(routeArgs('?mlops-run=abc')).toEqual({ kind: 'run', runId: 'abc' });
    expect(routeArgs('?token=x&mlops-compare=a,b,')).toEqual({ kind: 'compare', runIds: ['a', 'b'] });
    expect(routeArgs('?mlops-model=churn')).toEqual({ kind: 'model', name: 'churn' });
    expect(routeArgs('?mlops-snapshot=train%402')).toEqual({ kind: 'snapshot', ref: 'train@2' });
    expect(routeArgs('?mlops-monitor=live')).toEqual({ kind: 'monitoring', name: 'live' });
    expect(routeArgs('?token=x')).toBeNull();
    expect(routeArgs('?mlops-run=')).toBeNull();
  });
});

describe('alertsOf', () => {
  it('lists the alerting checks newest first', () => {
    const check = (id: string, closed: number, alert: boolean) =>
      ({ window_id: id, closed_at: closed, version: 1, n_rows: 1, verdict: '', alert, reasons: [] }) as IMonitorCheck;
    const got = alertsOf([check('a', 1, true), check('b', 2, false), check('c', 3, true)]);
    expect(got.map(c => c.window_id)).toEqual(['c', 'a']);
  });
});

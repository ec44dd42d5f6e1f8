/**
 * The Model page's lineage graph: nodes and edges placed from the core's lineage
 * JSON (`GET models/<name>/versions/<v>/lineage`). Only a layout of given nodes:
 * the provenance itself is the core's.
 */

export type LineageKind = 'version' | 'run' | 'ancestor' | 'snapshot' | 'notebook' | 'commit';

export interface ILineageNode {
  id: string;
  kind: LineageKind;
  label: string;
  /** What a click opens: a run id, a snapshot ref or a notebook path. */
  target: string | null;
  x: number;
  y: number;
}

export interface ILineageEdge {
  from: string;
  to: string;
  label: string;
}

export interface ILineageGraph {
  nodes: ILineageNode[];
  edges: ILineageEdge[];
  width: number;
  height: number;
}

export const NODE_W = 190;
export const NODE_H = 34;
const COL_GAP = 70;
const ROW_GAP = 16;

type Draft = Omit<ILineageNode, 'x' | 'y'> & { column: number };

function short(text: string, n = 24): string {
  return text.length > n ? text.slice(0, n - 1) + '…' : text;
}

function drafts(lineage: any): { nodes: Draft[]; edges: ILineageEdge[] } {
  const v = lineage?.version ?? {};
  const vid = `version:${v.name}/${v.version}`;
  const aliases = (v.aliases ?? []).length ? ` (${v.aliases.join(', ')})` : '';
  const nodes: Draft[] = [{ id: vid, kind: 'version', label: short(`${v.name} v${v.version}${aliases}`), target: null, column: 0 }];
  const edges: ILineageEdge[] = [];
  const run = lineage?.run;
  if (!run) {
    return { nodes, edges };
  }
  const rid = `run:${run.run_id}`;
  nodes.push({ id: rid, kind: 'run', label: short(`run ${run.name} ${String(run.run_id).slice(0, 8)}`), target: run.run_id, column: 1 });
  edges.push({ from: vid, to: rid, label: 'trained by' });
  let parent = rid;
  for (const a of lineage.ancestors ?? []) {
    const aid = `run:${a.run_id}`;
    nodes.push({ id: aid, kind: 'ancestor', label: short(`run ${a.name} ${String(a.run_id).slice(0, 8)}`), target: a.run_id, column: 1 });
    edges.push({ from: parent, to: aid, label: 'child of' });
    parent = aid;
  }
  for (const s of lineage.snapshots ?? []) {
    const sid = `snapshot:${s.ref}`;
    const deleted = s.name === null || s.name === undefined;
    nodes.push({ id: sid, kind: 'snapshot', label: short(`snapshot ${s.ref}`), target: deleted ? null : s.ref, column: 2 });
    edges.push({ from: s.run_id ? `run:${s.run_id}` : rid, to: sid, label: 'read' });
  }
  if (run.notebook) {
    nodes.push({ id: `notebook:${run.notebook}`, kind: 'notebook', label: short(`notebook ${run.notebook}`), target: run.notebook, column: 2 });
    edges.push({ from: rid, to: `notebook:${run.notebook}`, label: 'ran in' });
  }
  const commit = run.git?.commit;
  if (commit) {
    const dirty = run.git?.dirty ? ' (dirty)' : '';
    nodes.push({ id: `commit:${commit}`, kind: 'commit', label: `git ${String(commit).slice(0, 10)}${dirty}`, target: null, column: 2 });
    edges.push({ from: rid, to: `commit:${commit}`, label: 'at commit' });
  }
  return { nodes, edges };
}

/** Columns left to right (version, runs, what the run used); rows top-down, each column centred. */
export function lineageGraph(lineage: any): ILineageGraph {
  const { nodes, edges } = drafts(lineage);
  const columns = [0, 1, 2].map(c => nodes.filter(n => n.column === c));
  const tallest = Math.max(...columns.map(c => c.length), 1);
  const height = tallest * (NODE_H + ROW_GAP) + ROW_GAP;
  const placed: ILineageNode[] = [];
  columns.forEach((col, c) => {
    const top = (height - col.length * (NODE_H + ROW_GAP) + ROW_GAP) / 2;
    col.forEach((n, i) => {
      const { column: _, ...node } = n;
      placed.push({ ...node, x: 10 + c * (NODE_W + COL_GAP), y: top + i * (NODE_H + ROW_GAP) });
    });
  });
  const used = columns.filter(c => c.length).length;
  return { nodes: placed, edges, width: 20 + used * NODE_W + (used - 1) * COL_GAP, height };
}

/** The URL routes of the pages: `.../lab?mlops-run=<id>` and its siblings (docs/lab.md). */
import type { IPageArgs } from './widget';

/** The page a `?mlops-run=<id>` (or `mlops-compare`, `mlops-model`, `mlops-snapshot`, `mlops-monitor`) URL names. */
export function routeArgs(search: string): IPageArgs | null {
  const params = new URLSearchParams(search);
  const run = params.get('mlops-run');
  const compare = params.get('mlops-compare');
  const model = params.get('mlops-model');
  const snapshot = params.get('mlops-snapshot');
  const monitor = params.get('mlops-monitor');
  if (run) return { kind: 'run', runId: run };
  if (compare) return { kind: 'compare', runIds: compare.split(',').filter(Boolean) };
  if (model) return { kind: 'model', name: model };
  if (snapshot) return { kind: 'snapshot', ref: snapshot };
  if (monitor) return { kind: 'monitoring', name: monitor };
  return null;
}

import { api, MlopsAPIError } from './api';

export interface IPromoteMessage {
  title: string;
  body: string;
  ok: boolean;
}

/** Ask the server to promote a notebook; a readable message either way. */
export async function promoteNotebook(path: string): Promise<IPromoteMessage> {
  try {
    const result = await api.promote(path);
    const params = result.parameters.map(p => p.name).join(', ') || 'none';
    return {
      ok: true,
      title: 'Notebook promoted to a pipeline',
      body:
        `Pipeline ${result.name} written to ${result.path}. ` +
        `Parameters: ${params}. ` +
        (result.dropped.length ? `Cells left out: ${result.dropped.length}. ` : '') +
        `Run it from the MLOps panel (Pipelines) or with: jupyter mlops pipeline run ${result.name}`
    };
  } catch (err) {
    const text = err instanceof MlopsAPIError ? err.message : String(err);
    return { ok: false, title: 'Promotion failed', body: text };
  }
}

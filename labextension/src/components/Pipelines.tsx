import React, { useState } from 'react';

import { parseParams } from '../state';
import { ErrorLine, formatTime, useModel, useResource } from './common';

/** Promoted pipelines; start a run in the background and watch its state. */
export function PipelinesSection(): JSX.Element {
  const model = useModel();
  const state = useResource(model.pipelines);
  const pipelines = state.value?.pipelines ?? [];
  const jobs = state.value?.jobs ?? [];
  const [params, setParams] = useState<Record<string, string>>({});
  const [actionError, setError] = useState<unknown>(null);
  const error = actionError ?? state.error;

  const start = async (name: string) => {
    const parsed = parseParams(params[name] ?? '');
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    try {
      await model.client.runPipeline(name, parsed.params);
      setError(null);
      await model.pipelines.refresh();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="jp-mlops-section" aria-label="Pipelines">
      <ErrorLine error={error} />
      {pipelines.length === 0 && (
        <div className="jp-mlops-dim">
          no pipelines yet: use “Promote notebook to pipeline” on a notebook
        </div>
      )}
      {pipelines.map(p => (
        <div key={p.name} className="jp-mlops-kv">
          <h4>{p.name}</h4>
          <div className="jp-mlops-dim">
            {p.path} · parameters: {Object.keys(p.parameters).join(', ') || 'none'}
          </div>
          <div className="jp-mlops-toolbar">
            <input
              aria-label={`Parameters of ${p.name}`}
              placeholder='{"alpha": 0.1}'
              value={params[p.name] ?? ''}
              onChange={e => setParams({ ...params, [p.name]: e.target.value })}
            />
            <button className="jp-mlops-button" onClick={() => void start(p.name)}>
              Run
            </button>
          </div>
        </div>
      ))}
      {jobs.length > 0 && (
        <table className="jp-mlops-table" aria-label="Pipeline jobs">
          <thead>
            <tr>
              <th>pipeline</th>
              <th>state</th>
              <th>started</th>
              <th>result</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map(j => (
              <tr key={j.id}>
                <td>{j.pipeline}</td>
                <td>{j.state}</td>
                <td>{formatTime(j.submitted_at)}</td>
                <td>
                  {j.error ??
                    (j.result
                      ? Object.entries(j.result.metrics)
                          .map(([k, v]) => `${k}=${v}`)
                          .join(' ')
                      : '')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

import React, { useCallback, useEffect, useState } from 'react';

import { api, IJob, IPipeline } from '../api';
import { jobDone, parseParams } from '../state';
import { ErrorLine, formatTime, useInterval } from './common';

/** Promoted pipelines; start a run in the background and watch its state. */
export function PipelinesSection(props: { refreshInterval: number }): JSX.Element {
  const [pipelines, setPipelines] = useState<IPipeline[]>([]);
  const [jobs, setJobs] = useState<IJob[]>([]);
  const [params, setParams] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    try {
      const [p, j] = await Promise.all([api.pipelines(), api.jobs()]);
      setPipelines(p.pipelines);
      setJobs(j.jobs);
    } catch (err) {
      setError(err);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useInterval(() => {
    if (jobs.some(j => !jobDone(j.state))) {
      void load();
    }
  }, props.refreshInterval);

  const start = async (name: string) => {
    const parsed = parseParams(params[name] ?? '');
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    try {
      await api.runPipeline(name, parsed.params);
      setError(null);
      await load();
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

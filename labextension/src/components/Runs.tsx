import React, { useCallback, useEffect, useRef, useState } from 'react';

import { api, IFigure, IRunDetail, IRunRow, IRunsPage } from '../api';
import {
  anyRunning,
  changedRuns,
  formatDuration,
  formatValue,
  IRunsQuery,
  metricFigure,
  nextPage,
  pageLabel,
  previousPage,
  runsQueryParams
} from '../state';
import { ErrorLine, formatTime, KeyValues, StatusBadge, useInterval } from './common';
import { Plot } from './Plot';

export interface IRunsProps {
  refreshInterval: number;
  defaultExperiment: string;
  pageSize: number;
}

/** The live runs list: filter, sort, page; click a run for its details and metric plots. */
export function RunsSection(props: IRunsProps): JSX.Element {
  const [query, setQuery] = useState<IRunsQuery>({
    experiment: props.defaultExperiment,
    filter: '',
    orderBy: '',
    offset: 0,
    limit: props.pageSize
  });
  const [draft, setDraft] = useState({ filter: '', orderBy: '' });
  const [experiments, setExperiments] = useState<string[]>([]);
  const [page, setPage] = useState<IRunsPage | null>(null);
  const [changed, setChanged] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [checked, setChecked] = useState<string[]>([]);
  const [comparison, setComparison] = useState<{ curves: IFigure; latest: IFigure } | null>(null);
  const previous = useRef<IRunRow[]>([]);

  const toggle = (id: string) =>
    setChecked(checked.includes(id) ? checked.filter(c => c !== id) : [...checked, id]);
  const compare = async () => {
    try {
      setComparison(await api.compare(checked));
      setError(null);
    } catch (err) {
      setError(err);
    }
  };

  const load = useCallback(async () => {
    try {
      const [result, exps] = await Promise.all([
        api.runs(runsQueryParams(query)),
        api.experiments()
      ]);
      setChanged(previous.current.length ? changedRuns(previous.current, result.runs) : new Set());
      previous.current = result.runs;
      setPage(result);
      setExperiments(exps.experiments.map(e => e.name));
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, [query]);

  useEffect(() => {
    previous.current = [];
    void load();
  }, [load]);
  useInterval(() => void load(), props.refreshInterval);

  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    setQuery({ ...query, filter: draft.filter, orderBy: draft.orderBy, offset: 0 });
  };

  return (
    <div className="jp-mlops-section" aria-label="Runs">
      <form className="jp-mlops-toolbar" onSubmit={apply}>
        <select
          aria-label="Experiment"
          value={query.experiment}
          onChange={e => setQuery({ ...query, experiment: e.target.value, offset: 0 })}
        >
          <option value="">all experiments</option>
          {experiments.map(name => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <input
          aria-label="Filter"
          placeholder="metrics.acc > 0.9 and params.model = 'rf'"
          value={draft.filter}
          onChange={e => setDraft({ ...draft, filter: e.target.value })}
        />
        <input
          aria-label="Order by"
          placeholder="metrics.acc DESC"
          value={draft.orderBy}
          onChange={e => setDraft({ ...draft, orderBy: e.target.value })}
        />
        <button type="submit" className="jp-mlops-button">
          Apply
        </button>
        <button type="button" className="jp-mlops-button" onClick={() => void load()}>
          Refresh
        </button>
      </form>
      <ErrorLine error={error} />
      {page && (
        <>
          <table className="jp-mlops-runs" aria-label="Runs list">
            <thead>
              <tr>
                <th aria-label="compare" />
                <th>status</th>
                <th>name</th>
                <th>experiment</th>
                <th>started</th>
                <th>duration</th>
                <th>metrics</th>
              </tr>
            </thead>
            <tbody>
              {page.runs.map(run => (
                <tr
                  key={run.run_id}
                  data-run-id={run.run_id}
                  className={[
                    changed.has(run.run_id) ? 'jp-mlops-changed' : '',
                    selected === run.run_id ? 'jp-mlops-picked' : ''
                  ].join(' ')}
                  onClick={() => setSelected(selected === run.run_id ? null : run.run_id)}
                >
                  <td onClick={e => e.stopPropagation()}>
                    <input
                      type="checkbox"
                      aria-label={`compare ${run.name}`}
                      checked={checked.includes(run.run_id)}
                      onChange={() => toggle(run.run_id)}
                    />
                  </td>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td title={run.run_id}>{run.name}</td>
                  <td>{run.experiment}</td>
                  <td>{formatTime(run.start_time)}</td>
                  <td>{formatDuration(run.start_time, run.end_time)}</td>
                  <td className="jp-mlops-metrics-cell">
                    {Object.entries(run.metrics)
                      .slice(0, 3)
                      .map(([k, v]) => `${k}=${formatValue(v)}`)
                      .join('  ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="jp-mlops-pager">
            <button
              className="jp-mlops-button"
              disabled={!previousPage(query)}
              onClick={() => setQuery(previousPage(query) ?? query)}
            >
              ‹ Newer
            </button>
            <span>{pageLabel(page)}</span>
            <button
              className="jp-mlops-button"
              disabled={!nextPage(query, page)}
              onClick={() => setQuery(nextPage(query, page) ?? query)}
            >
              Older ›
            </button>
            {anyRunning(page.runs) && <span className="jp-mlops-live">● live</span>}
            <button
              className="jp-mlops-button"
              disabled={checked.length < 2}
              onClick={() => void compare()}
            >
              Compare ({checked.length})
            </button>
          </div>
          {comparison && (
            <div className="jp-mlops-detail" aria-label="Comparison">
              <Plot figure={comparison.latest} label="latest metrics of the selected runs" />
              <Plot figure={comparison.curves} label="metric curves of the selected runs" />
            </div>
          )}
        </>
      )}
      {selected && (
        <RunDetail runId={selected} refreshInterval={props.refreshInterval} onTagged={load} />
      )}
    </div>
  );
}

/** One run: attributes, params, metrics (click one to plot it), tags, artifacts. */
export function RunDetail(props: {
  runId: string;
  refreshInterval: number;
  onTagged: () => void;
}): JSX.Element {
  const [detail, setDetail] = useState<IRunDetail | null>(null);
  const [metric, setMetric] = useState<string | null>(null);
  const [figure, setFigure] = useState<IFigure | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tag, setTag] = useState({ key: '', value: '' });

  const load = useCallback(async () => {
    try {
      const d = await api.run(props.runId);
      setDetail(d);
      const key = metric ?? Object.keys(d.metrics)[0] ?? null;
      if (key) {
        setMetric(key);
        const series = await api.metric(d.info.run_id, key);
        setFigure(series.figure ?? metricFigure([series])); // the core's figure when sent
      } else {
        setFigure(null);
      }
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, [props.runId, metric]);

  useEffect(() => {
    void load();
  }, [load]);
  useInterval(() => {
    if (detail?.info.status === 'RUNNING') {
      void load();
    }
  }, props.refreshInterval);

  const addTag = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      await api.tagRun(props.runId, { [tag.key]: tag.value });
      setTag({ key: '', value: '' });
      await load();
      props.onTagged();
    } catch (err) {
      setError(err);
    }
  };

  if (!detail) {
    return <ErrorLine error={error} />;
  }
  const info = detail.info;
  return (
    <div className="jp-mlops-detail" aria-label="Run details">
      <h3>
        <StatusBadge status={info.status} /> {info.name}{' '}
        <code className="jp-mlops-id">{info.run_id.slice(0, 12)}</code>
      </h3>
      <ErrorLine error={error} />
      <KeyValues
        title="Run"
        values={{
          experiment: info.experiment,
          user: info.user,
          started: formatTime(info.start_time),
          duration: formatDuration(info.start_time, info.end_time),
          source: info.source_path,
          commit: info.git_commit,
          parent: info.parent_run_id,
          error: info.error
        }}
      />
      <KeyValues
        title="Metrics (click to plot)"
        values={Object.fromEntries(
          Object.entries(detail.metrics).map(([k, v]) => [k, formatValue(v)])
        )}
        picked={metric}
        onPick={setMetric}
      />
      {figure && <Plot figure={figure} label={`metric ${metric}`} />}
      <KeyValues title="Params" values={detail.params} />
      <KeyValues title="Tags" values={detail.tags} />
      <form className="jp-mlops-toolbar" onSubmit={addTag}>
        <input
          aria-label="Tag name"
          placeholder="tag"
          value={tag.key}
          onChange={e => setTag({ ...tag, key: e.target.value })}
        />
        <input
          aria-label="Tag value"
          placeholder="value"
          value={tag.value}
          onChange={e => setTag({ ...tag, value: e.target.value })}
        />
        <button type="submit" className="jp-mlops-button" disabled={!tag.key.trim()}>
          Tag run
        </button>
      </form>
      {detail.artifacts.length > 0 && (
        <div className="jp-mlops-kv">
          <h4>Artifacts</h4>
          <ul>
            {detail.artifacts.map(a => (
              <li key={a.name}>
                {a.name} <span className="jp-mlops-dim">({a.size} bytes)</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

import React, { useEffect, useRef, useState } from 'react';

import { IFigure, IRunRow } from '../api';
import {
  anyRunning,
  changedRuns,
  formatDuration,
  formatValue,
  IRunsQuery,
  nextPage,
  pageLabel,
  previousPage
} from '../state';
import { ErrorLine, formatTime, KeyValues, OpenPageContext, StatusBadge, useModel, useResource } from './common';
import { Plot } from './Plot';

export interface IRunsProps {
  defaultExperiment: string;
  pageSize: number;
}

/** The live runs list: filter, sort, page; click a run for its details and metric plots. */
export function RunsSection(props: IRunsProps): JSX.Element {
  const model = useModel();
  const openPage = React.useContext(OpenPageContext);
  const [query, setQuery] = useState<IRunsQuery>(
    () =>
      model.runsQuery ?? {
        experiment: props.defaultExperiment,
        filter: '',
        orderBy: '',
        offset: 0,
        limit: props.pageSize
      }
  );
  const [draft, setDraft] = useState({ filter: query.filter, orderBy: query.orderBy });
  const [selected, setSelected] = useState<string | null>(null);
  const [checked, setChecked] = useState<string[]>([]);
  const [comparison, setComparison] = useState<{ curves: IFigure; latest: IFigure } | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  // Before watching: the first watch then fetches this query, once.
  useEffect(() => {
    if (model.runsQuery !== query) {
      void model.setRunsQuery(query);
    }
  }, [model, query]);
  const runs = useResource(model.runs);
  const experiments = useResource(model.experiments).value ?? [];
  const page = runs.value;
  const changed = useChangedRuns(page?.runs ?? null);

  const toggle = (id: string) =>
    setChecked(checked.includes(id) ? checked.filter(c => c !== id) : [...checked, id]);
  const compare = async () => {
    try {
      setComparison(await model.client.compare(checked));
      setActionError(null);
    } catch (err) {
      setActionError(err);
    }
  };
  const error = actionError ?? runs.error;

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
        <button type="button" className="jp-mlops-button" onClick={() => void model.runs.refresh()}>
          Refresh
        </button>
        <button type="button" className="jp-mlops-button" onClick={() => openPage({ kind: 'runs' })}>
          Open runs table
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
                  onDoubleClick={() => openPage({ kind: 'run', runId: run.run_id })}
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
                  <td title={run.run_id}>
                    <a
                      href="#"
                      className="jp-mlops-link"
                      aria-label={`open run ${run.name}`}
                      onClick={e => {
                        e.preventDefault();
                        e.stopPropagation();
                        openPage({ kind: 'run', runId: run.run_id });
                      }}
                    >
                      {run.name}
                    </a>
                  </td>
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
              onClick={() => openPage({ kind: 'compare', runIds: checked })}
            >
              Compare ({checked.length})
            </button>
            <button
              className="jp-mlops-button"
              disabled={checked.length < 2}
              onClick={() => void compare()}
              title="the latest metrics and curves, here in the panel"
            >
              Quick compare
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
        <RunDetail runId={selected} onTagged={() => void model.runs.refresh()} />
      )}
    </div>
  );
}

/** Which runs of the page are new or changed since the previous answer (highlighted while a notebook logs). */
function useChangedRuns(runs: IRunRow[] | null): Set<string> {
  const previous = useRef<IRunRow[] | null>(null);
  const [changed, setChanged] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (runs === null) {
      previous.current = null;
      return;
    }
    setChanged(previous.current ? changedRuns(previous.current, runs) : new Set());
    previous.current = runs;
  }, [runs]);
  return changed;
}

/** One run: attributes, params, metrics (click one to plot it), tags, artifacts. */
export function RunDetail(props: { runId: string; onTagged: () => void }): JSX.Element {
  const model = useModel();
  const resource = model.run(props.runId);
  const { value: detail, error: loadError } = useResource(resource);
  const [metric, setMetric] = useState<string | null>(null);
  const [figure, setFigure] = useState<IFigure | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [tag, setTag] = useState({ key: '', value: '' });
  const key = metric ?? (detail ? Object.keys(detail.metrics)[0] ?? null : null);

  useEffect(() => {
    let current = true; // a slower answer for the previous metric must not replace this one
    if (!detail || !key) {
      setFigure(null);
      return;
    }
    model.client
      .metric(detail.info.run_id, key)
      .then(series => current && setFigure(series.figure ?? null))
      .catch(err => current && setActionError(err));
    return () => {
      current = false;
    };
  }, [model, detail, key]);

  const addTag = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      await model.client.tagRun(props.runId, { [tag.key]: tag.value });
      setTag({ key: '', value: '' });
      await resource.refresh();
      props.onTagged();
    } catch (err) {
      setActionError(err);
    }
  };
  const error = actionError ?? loadError;

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
        picked={key}
        onPick={setMetric}
      />
      {figure && <Plot figure={figure} label={`metric ${key}`} />}
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

/** The Runs page: a windowed table of every run, sorted and filtered by the server. */
import React, { useEffect, useRef, useState } from 'react';

import { IRunRow } from '../api';
import { ErrorLine, formatTime, StatusBadge, useModel, useResource } from '../components/common';
import { formatDuration, formatValue } from '../state';
import { availableColumns, cellValue, GroupBy, groupOf, RunsTableModel, sortable, visibleRange } from './runsTable';
import { ConnectionBanner, noteFailure, useHost, usePageVisible } from './widget';

const ROW = 28;
const LABELS: Record<string, string> = { start_time: 'started', status: 'status', name: 'name', experiment: 'experiment', duration: 'duration' };

function useTable(table: RunsTableModel): void {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const on = () => setVersion(v => v + 1);
    table.changed.connect(on);
    return () => {
      table.changed.disconnect(on);
    };
  }, [table]);
}

function render(run: IRunRow, column: string): React.ReactNode {
  if (column === 'status') {
    return <StatusBadge status={run.status} />;
  }
  if (column === 'start_time') {
    return formatTime(run.start_time);
  }
  if (column === 'duration') {
    return formatDuration(run.start_time, run.end_time);
  }
  const value = cellValue(run, column);
  return typeof value === 'number' ? formatValue(value) : value === undefined || value === null ? '–' : String(value);
}

export function RunsPage(props: { table: RunsTableModel }): JSX.Element {
  const model = useModel();
  const host = useHost();
  const table = props.table;
  useTable(table);
  const visible = usePageVisible();
  useEffect(() => {
    table.setVisible(visible);
  }, [table, visible]);
  useEffect(() => () => table.setVisible(false), [table]);
  const experiments = useResource(model.experiments).value ?? [];
  const [draft, setDraft] = useState(table.asked.filter);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  const [focus, setFocus] = useState(0);
  const body = useRef<HTMLDivElement>(null);
  useEffect(() => noteFailure(model, table.loadError), [table.loadError]);

  const total = table.total ?? 0;
  const [first, last] = visibleRange(scroll.top, scroll.height, ROW, total);
  useEffect(() => {
    void table.setWindow(first);
  }, [first]);
  const columns = table.columns;
  const groupBy = table.query.groupBy;
  const selected = table.selection.ids;

  const onScroll = () => {
    const el = body.current;
    if (el) {
      setScroll({ top: el.scrollTop, height: el.clientHeight });
    }
  };
  useEffect(onScroll, []);

  const onKey = (e: React.KeyboardEvent, index: number, run: IRunRow | undefined) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = Math.max(0, Math.min(total - 1, index + (e.key === 'ArrowDown' ? 1 : -1)));
      setFocus(next);
      body.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus();
    } else if (e.key === 'Enter' && run) {
      host.open({ kind: 'run', runId: run.run_id });
    } else if (e.key === ' ' && run) {
      e.preventDefault();
      table.toggleSelected(run.run_id, e.shiftKey);
    }
  };

  const shown: IRunRow[] = [];
  const rows: JSX.Element[] = [];
  for (let i = first; i < last; i++) {
    const run = table.row(i);
    if (run) {
      shown.push(run);
    }
    const group = run ? groupOf(run, groupBy) : null;
    const prev = i > 0 ? table.row(i - 1) : undefined;
    const starts = group !== null && (!prev || groupOf(prev, groupBy) !== group);
    rows.push(
      <div
        key={i}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={run ? table.selection.has(run.run_id) : false}
        data-index={i}
        data-run-id={run?.run_id}
        tabIndex={i === focus ? 0 : -1}
        className={'jp-mlops-grid-row' + (starts ? ' jp-mlops-group-start' : '') + (run && table.selection.has(run.run_id) ? ' jp-mod-selected' : '')}
        style={{ top: i * ROW, height: ROW }}
        onKeyDown={e => onKey(e, i, run)}
        onDoubleClick={() => run && host.open({ kind: 'run', runId: run.run_id })}
      >
        <div role="gridcell" className="jp-mlops-grid-check">
          {run && (
            <input
              type="checkbox"
              tabIndex={-1}
              aria-label={`select ${run.name}`}
              checked={table.selection.has(run.run_id)}
              onChange={e => table.toggleSelected(run.run_id, (e.nativeEvent as MouseEvent).shiftKey)}
            />
          )}
        </div>
        {groupBy !== 'none' && (
          <div role="gridcell" className="jp-mlops-grid-group">
            {starts ? group : ''}
          </div>
        )}
        {columns.map(c => (
          <div role="gridcell" key={c} className="jp-mlops-grid-cell" title={run ? String(cellValue(run, c) ?? '') : ''}>
            {!run ? '…' : c === 'name' ? (
              <a href="#" className="jp-mlops-link" tabIndex={-1} onClick={e => { e.preventDefault(); host.open({ kind: 'run', runId: run.run_id }); }}>
                {run.name}
              </a>
            ) : (
              render(run, c)
            )}
          </div>
        ))}
      </div>
    );
  }

  const sort = table.asked.sort;
  return (
    <div className="jp-mlops-runs-page">
      <ConnectionBanner onBack={() => void table.window.refresh()} />
      <form
        className="jp-mlops-page-toolbar jp-Toolbar"
        onSubmit={e => {
          e.preventDefault();
          void table.setQuery({ filter: draft });
        }}
      >
        <select
          aria-label="Experiment"
          className="jp-mlops-select"
          value={table.asked.experiment}
          onChange={e => void table.setQuery({ experiment: e.target.value })}
        >
          <option value="">all experiments</option>
          {experiments.map(n => (
            <option key={n} value={n}>{n}</option>
          ))}
        </select>
        <input
          aria-label="Filter runs"
          className="jp-mlops-filter"
          placeholder="metrics.acc > 0.9 and params.model = 'rf'"
          value={draft}
          onChange={e => setDraft(e.target.value)}
          aria-invalid={!!table.filterError}
          aria-describedby="jp-mlops-filter-error"
        />
        <button type="submit" className="jp-mlops-button jp-mod-styled">Filter</button>
        <label>
          group by{' '}
          <select aria-label="Group by" className="jp-mlops-select" value={table.asked.groupBy} onChange={e => void table.setQuery({ groupBy: e.target.value as GroupBy })}>
            <option value="none">nothing</option>
            <option value="experiment">experiment</option>
            <option value="parent">parent run</option>
          </select>
        </label>
        <ColumnChooser table={table} choices={availableColumns(shown)} />
        <button
          type="button"
          className="jp-mlops-button jp-mod-styled jp-mod-accept"
          disabled={selected.length < 2}
          onClick={() => host.open({ kind: 'compare', runIds: selected })}
        >
          Compare ({selected.length})
        </button>
        <button type="button" className="jp-mlops-button jp-mod-styled" disabled={selected.length === 0} onClick={() => table.clearSelection()}>
          Clear selection
        </button>
        <span className="jp-mlops-dim" aria-live="polite">
          {table.total === null ? 'loading…' : `${table.total} runs`}
        </span>
      </form>
      {table.filterError && (
        <div id="jp-mlops-filter-error" className="jp-mlops-error" role="alert">
          {table.filterError}
        </div>
      )}
      <ErrorLine error={table.loadError} />
      <div className="jp-mlops-grid" role="grid" aria-label="Runs table" aria-rowcount={total + 1} aria-multiselectable="true">
        <div role="row" className="jp-mlops-grid-head" aria-rowindex={1}>
          <div role="columnheader" className="jp-mlops-grid-check" aria-label="selected" />
          {groupBy !== 'none' && <div role="columnheader" className="jp-mlops-grid-group">{groupBy}</div>}
          {columns.map(c => (
            <div
              role="columnheader"
              key={c}
              className={'jp-mlops-grid-cell' + (sortable(c) ? ' jp-mlops-sortable' : '')}
              aria-sort={sort?.column === c ? (sort.descending ? 'descending' : 'ascending') : 'none'}
              tabIndex={sortable(c) ? 0 : -1}
              onClick={() => void table.toggleSort(c)}
              onKeyDown={e => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), void table.toggleSort(c))}
              title={sortable(c) ? `sort by ${c}` : c}
            >
              {LABELS[c] ?? c}
              {sort?.column === c ? (sort.descending ? ' ▼' : ' ▲') : ''}
            </div>
          ))}
        </div>
        <div className="jp-mlops-grid-body" role="rowgroup" ref={body} onScroll={onScroll}>
          <div style={{ height: total * ROW, position: 'relative' }}>{rows}</div>
          {table.total === 0 && <div className="jp-mlops-dim jp-mlops-empty">no runs match</div>}
        </div>
      </div>
    </div>
  );
}

function ColumnChooser(props: { table: RunsTableModel; choices: string[] }): JSX.Element {
  const columns = props.table.columns;
  const all = [...new Set([...['status', 'name', 'experiment', 'start_time', 'duration', 'user'], ...props.choices, ...columns])];
  return (
    <details className="jp-mlops-columns">
      <summary className="jp-mlops-button jp-mod-styled">Columns</summary>
      <div className="jp-mlops-columns-menu" role="group" aria-label="Columns">
        {all.map(c => (
          <label key={c}>
            <input
              type="checkbox"
              checked={columns.includes(c)}
              onChange={() => props.table.setColumns(columns.includes(c) ? columns.filter(x => x !== c) : [...columns, c])}
            />
            {LABELS[c] ?? c}
          </label>
        ))}
      </div>
    </details>
  );
}

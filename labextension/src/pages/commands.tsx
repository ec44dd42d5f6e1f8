/**
 * Commands that open the main-area pages (palette, panel, notebook links, URLs)
 * and their restoration with the layout.
 */
import { ILayoutRestorer, IRouter, JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import React from 'react';

import type { MlopsModel } from '../model';
import { ComparePage } from './ComparePage';
import { DriftPage } from './DriftPage';
import { ModelPage } from './ModelPage';
import { MonitoringPage } from './MonitoringPage';
import { RunPage } from './RunPage';
import { RunsPage } from './RunsPage';
import { SnapshotPage } from './SnapshotPage';
import { routeArgs } from './routes';
import { IPageArgs, MlopsPage, pageId } from './widget';

export const COMMANDS = {
  runs: 'jupyter-mlops:open-runs',
  run: 'jupyter-mlops:open-run',
  compare: 'jupyter-mlops:compare-runs',
  model: 'jupyter-mlops:open-model',
  snapshot: 'jupyter-mlops:open-snapshot',
  drift: 'jupyter-mlops:open-drift',
  monitoring: 'jupyter-mlops:open-monitoring'
} as const;

export const OPEN_PAGE = 'jupyter-mlops:open-page';

const LABELS: Record<keyof typeof COMMANDS, string> = {
  runs: 'MLOps: Open runs',
  run: 'MLOps: Open run',
  compare: 'MLOps: Compare runs',
  model: 'MLOps: Open model registry',
  snapshot: 'MLOps: Open snapshot',
  drift: 'MLOps: Open drift',
  monitoring: 'MLOps: Open monitoring'
};

function titleOf(args: IPageArgs): string {
  switch (args.kind) {
    case 'run':
      return `Run ${String(args.runId).slice(0, 8)}`;
    case 'compare':
      return `Compare ${args.runIds?.length ?? 0} runs`;
    case 'snapshot':
      return `Snapshot ${args.ref}`;
    case 'model':
      return args.name ? `Model ${args.name}` : 'Models';
    case 'drift':
      return args.reference && args.current ? `Drift ${args.reference} → ${args.current}` : 'Drift';
    case 'monitoring':
      return args.name ? `Monitor ${args.name}` : 'Monitors';
    default:
      return 'Runs';
  }
}

function body(model: MlopsModel, args: IPageArgs): () => JSX.Element {
  switch (args.kind) {
    case 'run':
      return () => <RunPage runId={String(args.runId)} />;
    case 'compare':
      return () => <ComparePage runIds={args.runIds ?? []} />;
    case 'snapshot':
      return () => <SnapshotPage snapshotRef={String(args.ref)} />;
    case 'model':
      return () => <ModelPage name={args.name} />;
    case 'drift':
      return () => <DriftPage reference={args.reference} current={args.current} column={args.column as string | undefined} />;
    case 'monitoring':
      return () => <MonitoringPage name={args.name} />;
    default: {
      const table = model.runsTable();
      return () => <RunsPage table={table} />;
    }
  }
}

/**
 * A notebook's "open in Lab" link (`<a href="/lab?mlops-run=<id>">`, tracking/display.py)
 * opens the page as a tab in this Lab instead of reloading it; elsewhere the href works alone.
 */
function catchLabLinks(open: (args: IPageArgs) => unknown): void {
  document.addEventListener(
    'click',
    event => {
      const anchor = (event.target as Element | null)?.closest?.('a[href*="mlops-"]') as HTMLAnchorElement | null;
      if (!anchor || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const url = new URL(anchor.href, window.location.href);
      const args = url.origin === window.location.origin ? routeArgs(url.search) : null;
      if (args) {
        event.preventDefault();
        event.stopPropagation();
        open(args);
      }
    },
    true
  );
}

/** Ask for the run id(s) when a palette command comes without them. */
function promptIds(text: string): string[] {
  const answer = window.prompt(text) ?? '';
  return answer.split(/[\s,]+/).filter(Boolean);
}

export function registerPages(
  app: JupyterFrontEnd,
  model: MlopsModel,
  palette: ICommandPalette | null,
  restorer: ILayoutRestorer | null,
  router: IRouter | null
): (args: IPageArgs) => void {
  const tracker = new WidgetTracker<MlopsPage>({ namespace: 'jupyter-mlops-pages' });
  const host = {
    open: (args: IPageArgs) => void app.commands.execute(COMMANDS[args.kind], args as any),
    openFile: (path: string) => void app.commands.execute('docmanager:open', { path })
  };
  const open = (args: IPageArgs): MlopsPage => {
    const id = pageId(args);
    const existing = tracker.find(w => w.id === id);
    if (existing) {
      app.shell.activateById(id);
      return existing;
    }
    const page = new MlopsPage({ model, host, args, title: titleOf(args), render: body(model, args) });
    void tracker.add(page);
    app.shell.add(page, 'main');
    app.shell.activateById(page.id);
    return page;
  };

  for (const kind of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]) {
    app.commands.addCommand(COMMANDS[kind], {
      label: LABELS[kind],
      execute: raw => {
        const args = { ...(raw as any), kind } as IPageArgs;
        if (kind === 'run' && !args.runId) {
          args.runId = promptIds('Run id (or a unique prefix)')[0];
          if (!args.runId) return;
        }
        if (kind === 'compare' && !(args.runIds && args.runIds.length)) {
          args.runIds = promptIds('Run ids to compare, separated by spaces');
          if (args.runIds.length < 2) return;
        }
        if (kind === 'snapshot' && !args.ref) {
          args.ref = promptIds('Snapshot (name or name@version)')[0];
          if (!args.ref) return;
        }
        return open(args);
      }
    });
    palette?.addItem({ command: COMMANDS[kind], category: 'MLOps' });
  }

  // The restorer reopens every page through one command that reads the kind from its args.
  app.commands.addCommand(OPEN_PAGE, {
    label: 'MLOps: Open page',
    execute: raw => open({ ...(raw as any) } as IPageArgs)
  });
  restorer?.restore(tracker, {
    command: OPEN_PAGE,
    args: w => ({ ...w.args }) as any,
    name: w => w.id
  });

  // `.../lab?mlops-run=<id>` (the "open in Lab" link of a notebook's Run view) opens the run.
  if (router) {
    const ROUTE = 'jupyter-mlops:route';
    app.commands.addCommand(ROUTE, {
      execute: raw => {
        const args = routeArgs((raw as any).search ?? window.location.search);
        if (args) {
          open(args);
        }
      }
    });
    router.register({ command: ROUTE, pattern: /[?&]mlops-(run|compare|model|snapshot|monitor)=/ });
  }
  catchLabLinks(open);
  return args => void open(args);
}

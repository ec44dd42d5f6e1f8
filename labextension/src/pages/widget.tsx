/**
 * One JupyterLab main-area widget per kind of page, all reading the one model.
 *
 * A page is a `MainAreaWidget` around a `ReactWidget`; it knows when it is
 * shown or hidden (another tab in front), so pages poll only while shown.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import React, { useEffect, useState } from 'react';

import { ErrorLine, ModelContext, useModel, useResource } from '../components/common';
import type { MlopsModel } from '../model';

export type PageKind = 'runs' | 'run' | 'compare' | 'model' | 'snapshot' | 'drift' | 'monitoring';

export interface IPageArgs {
  kind: PageKind;
  runId?: string;
  runIds?: string[];
  name?: string;
  ref?: string;
  reference?: string;
  current?: string;
  [key: string]: unknown;
}

/** What a page needs from JupyterLab: opening other pages and files. */
export interface IPageHost {
  open: (args: IPageArgs) => void;
  openFile: (path: string) => void;
}

export const HostContext = React.createContext<IPageHost | null>(null);

export function useHost(): IPageHost {
  const host = React.useContext(HostContext);
  if (!host) {
    throw new Error('jupyter-mlops: a page was rendered outside its widget');
  }
  return host;
}

/** True while the page's tab is the one shown. */
export const VisibleContext = React.createContext<ISignal<PageContent, boolean> | null>(null);

export function usePageVisible(): boolean {
  const signal = React.useContext(VisibleContext);
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    if (!signal) {
      return;
    }
    const on = (_: unknown, v: boolean) => setVisible(v);
    signal.connect(on);
    return () => {
      signal.disconnect(on);
    };
  }, [signal]);
  return visible;
}

/** A banner while the server does not answer; pages keep what they show and recover by themselves. */
export function ConnectionBanner(props: { onBack?: () => void }): JSX.Element | null {
  const model = useModel();
  const { error } = useResource(model.server);
  const [wasDown, setWasDown] = useState(false);
  useEffect(() => {
    if (error) {
      setWasDown(true);
    } else if (wasDown) {
      setWasDown(false);
      props.onBack?.();
    }
  }, [error]);
  if (!error) {
    return null;
  }
  return (
    <div className="jp-mlops-error jp-mlops-offline" role="alert">
      The MLOps server does not answer; retrying… <ErrorLine error={error} />
    </div>
  );
}

/** Calls `model.server.refresh()` when a page's request failed without an answer (server gone). */
export function noteFailure(model: MlopsModel, error: unknown): void {
  const status = (error as { status?: number } | null)?.status;
  if (status === 0 || (status !== undefined && status >= 502)) {
    void model.server.refresh();
  }
}

class PageContent extends ReactWidget {
  constructor(
    private _model: MlopsModel,
    private _host: IPageHost,
    private _render: () => JSX.Element
  ) {
    super();
    this.addClass('jp-mlops-page');
  }

  get visibility(): ISignal<this, boolean> {
    return this._visibility;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._visibility.emit(true);
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._visibility.emit(false);
  }

  render(): JSX.Element {
    return (
      <ModelContext.Provider value={this._model}>
        <HostContext.Provider value={this._host}>
          <VisibleContext.Provider value={this._visibility as ISignal<PageContent, boolean>}>
            {this._render()}
          </VisibleContext.Provider>
        </HostContext.Provider>
      </ModelContext.Provider>
    );
  }

  private _visibility = new Signal<this, boolean>(this);
}

/** The main-area document of one page; `args` is what the command and the layout restorer use. */
export class MlopsPage extends MainAreaWidget<ReactWidget> {
  constructor(options: {
    model: MlopsModel;
    host: IPageHost;
    args: IPageArgs;
    title: string;
    render: () => JSX.Element;
  }) {
    super({ content: new PageContent(options.model, options.host, options.render) });
    this.args = options.args;
    this.id = pageId(options.args);
    this.title.label = options.title;
    this.title.closable = true;
    this.addClass('jp-mlops-page-widget');
  }

  readonly args: IPageArgs;
}

/** One tab per page and arguments: opening the same run twice shows its tab again. */
export function pageId(args: IPageArgs): string {
  const parts = [args.kind, args.runId, args.runIds?.join('+'), args.name, args.ref, args.reference, args.current];
  return 'jupyter-mlops-page-' + parts.filter(Boolean).join('-').replace(/[^A-Za-z0-9_+-]/g, '_');
}

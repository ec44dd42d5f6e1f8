import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { ErrorLine, ModelContext, OpenPageContext, useModel, useResource } from './components/common';
import { EventsSection } from './components/Events';
import { RunsSection } from './components/Runs';
import { MlopsModel } from './model';
import { SECTIONS } from './sections';
import { IPanelSettings, versionProblem } from './state';

/** The left side panel: version check, then one tab per part of the core the server has. */
export function MlopsPanel(props: { settings: IPanelSettings }): JSX.Element {
  const model = useModel();
  const { value: server, error } = useResource(model.server);
  const [tab, setTab] = useState('runs');

  if (error) {
    return (
      <div className="jp-mlops-panel">
        <h2>MLOps</h2>
        <ErrorLine error={error} />
      </div>
    );
  }
  if (!server) {
    return <div className="jp-mlops-panel">Connecting to the MLOps server…</div>;
  }
  const problem = versionProblem(server.version);
  if (problem) {
    return (
      <div className="jp-mlops-panel">
        <h2>MLOps</h2>
        <div className="jp-mlops-error" role="alert">
          {problem}
        </div>
      </div>
    );
  }
  const s = props.settings;
  const tabs = [
    {
      id: 'runs',
      label: 'Runs',
      render: () => <RunsSection defaultExperiment={s.defaultExperiment} pageSize={s.pageSize} />
    },
    ...SECTIONS.filter(x => server.features[x.feature]).map(x => ({
      id: x.id,
      label: x.label,
      render: () => x.render(s)
    })),
    {
      id: 'events',
      label: 'Events',
      render: () => <EventsSection />
    }
  ];
  const current = tabs.find(t => t.id === tab) ?? tabs[0];
  return (
    <div className="jp-mlops-panel">
      <div className="jp-mlops-header">
        <h2>MLOps</h2>
        <span className="jp-mlops-dim" title={server.store.tracking_uri}>
          {server.store.backend} store · v{server.version}
        </span>
      </div>
      <div className="jp-mlops-tabs" role="tablist">
        {tabs.map(t => (
          <button
            key={t.id}
            role="tab"
            aria-selected={t.id === current.id}
            className={t.id === current.id ? 'jp-mlops-tab jp-mod-active' : 'jp-mlops-tab'}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={current.label}>
        {current.render()}
      </div>
    </div>
  );
}

/** The side panel; it owns the one model every section reads. */
export class MlopsPanelWidget extends ReactWidget {
  constructor(
    private _settings: IPanelSettings,
    model?: MlopsModel,
    private _openPage: (args: any) => void = () => undefined
  ) {
    super();
    this.model = model ?? new MlopsModel({ interval: _settings.refreshInterval });
    this.id = 'jupyter-mlops-panel';
    this.addClass('jp-mlops-panel-widget');
    this.title.caption = 'MLOps: runs, data, models, pipelines';
  }

  readonly model: MlopsModel;

  set settings(value: IPanelSettings) {
    this._settings = value;
    this.model.setInterval(value.refreshInterval);
    this.update();
  }

  dispose(): void {
    this.model.dispose();
    super.dispose();
  }

  render(): JSX.Element {
    return (
      <ModelContext.Provider value={this.model}>
        <OpenPageContext.Provider value={this._openPage}>
          <MlopsPanel key={JSON.stringify(this._settings)} settings={this._settings} />
        </OpenPageContext.Provider>
      </ModelContext.Provider>
    );
  }
}

/**
 * Sections shown only when the server reports the matching part of the core
 * (`/mlops/api/settings` -> features).
 */
import React from 'react';

import { DriftSection } from './components/Drift';
import { PipelinesSection } from './components/Pipelines';
import { RegistrySection } from './components/Registry';
import { SnapshotsSection } from './components/Snapshots';
import { OpenPageContext } from './components/common';
import type { IPanelSettings } from './state';

/** Buttons above a section that open its main-area pages (the section stays a navigator). */
function PageButtons(props: { pages: [string, { kind: string; [key: string]: unknown }][] }): JSX.Element {
  const openPage = React.useContext(OpenPageContext);
  return (
    <div className="jp-mlops-toolbar">
      {props.pages.map(([label, args]) => (
        <button key={label} type="button" className="jp-mlops-button" onClick={() => openPage(args)}>
          {label}
        </button>
      ))}
    </div>
  );
}

export interface ISection {
  id: string;
  label: string;
  feature: string;
  render: (settings: IPanelSettings) => JSX.Element;
}

export const SECTIONS: ISection[] = [
  { id: 'snapshots', label: 'Snapshots', feature: 'snapshots', render: () => <SnapshotsSection /> },
  {
    id: 'registry',
    label: 'Registry',
    feature: 'models',
    render: () => (
      <>
        <PageButtons pages={[['Open models page', { kind: 'model' }], ['Open monitors page', { kind: 'monitoring' }]]} />
        <RegistrySection />
      </>
    )
  },
  {
    id: 'drift',
    label: 'Drift',
    feature: 'drift',
    render: () => (
      <>
        <PageButtons pages={[['Open drift page', { kind: 'drift' }]]} />
        <DriftSection />
      </>
    )
  },
  {
    id: 'pipelines',
    label: 'Pipelines',
    feature: 'pipelines',
    render: () => <PipelinesSection />
  }
];

/**
 * Sections shown only when the server reports the matching part of the core
 * (`/mlops/api/settings` -> features).
 */
import React from 'react';

import { DriftSection } from './components/Drift';
import { PipelinesSection } from './components/Pipelines';
import { RegistrySection } from './components/Registry';
import { SnapshotsSection } from './components/Snapshots';
import type { IPanelSettings } from './state';

export interface ISection {
  id: string;
  label: string;
  feature: string;
  render: (settings: IPanelSettings) => JSX.Element;
}

export const SECTIONS: ISection[] = [
  { id: 'snapshots', label: 'Snapshots', feature: 'snapshots', render: () => <SnapshotsSection /> },
  { id: 'registry', label: 'Registry', feature: 'models', render: () => <RegistrySection /> },
  { id: 'drift', label: 'Drift', feature: 'drift', render: () => <DriftSection /> },
  {
    id: 'pipelines',
    label: 'Pipelines',
    feature: 'pipelines',
    render: () => <PipelinesSection />
  }
];

/**
 * Sections shown only when the server reports the matching part of the core
 * (`/mlops/api/settings` -> features).
 */
import type { IPanelSettings } from './state';

export interface ISection {
  id: string;
  label: string;
  feature: string;
  render: (settings: IPanelSettings) => JSX.Element;
}

export const SECTIONS: ISection[] = [];

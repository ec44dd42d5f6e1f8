import React, { createContext, useContext, useEffect, useState } from 'react';

import { MlopsAPIError } from '../api';
import type { MlopsModel, Resource } from '../model';
import { statusBadge } from '../state';

export function StatusBadge(props: { status: string }): JSX.Element {
  const badge = statusBadge(props.status);
  return (
    <span className={`jp-mlops-badge jp-mlops-badge-${badge}`} title={props.status}>
      {props.status.toLowerCase()}
    </span>
  );
}

export function ErrorLine(props: { error: unknown }): JSX.Element | null {
  if (!props.error) {
    return null;
  }
  const e = props.error;
  const text = e instanceof MlopsAPIError ? `${e.message} (${e.status})` : String(e);
  return (
    <div className="jp-mlops-error" role="alert">
      {text}
    </div>
  );
}

export function KeyValues(props: {
  title: string;
  values: Record<string, unknown>;
  onPick?: (key: string) => void;
  picked?: string | null;
}): JSX.Element | null {
  const entries = Object.entries(props.values);
  if (entries.length === 0) {
    return null;
  }
  return (
    <div className="jp-mlops-kv">
      <h4>{props.title}</h4>
      <table>
        <tbody>
          {entries.map(([k, v]) => (
            <tr
              key={k}
              className={props.picked === k ? 'jp-mlops-picked' : ''}
              onClick={props.onPick ? () => props.onPick?.(k) : undefined}
              style={props.onPick ? { cursor: 'pointer' } : undefined}
            >
              <th>{k}</th>
              <td>{v === null || v === undefined ? '–' : String(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Opens a main-area page (run, compare, runs table...); the panel stays a navigator. */
export const OpenPageContext = createContext<(args: { kind: string; [key: string]: unknown }) => void>(
  () => undefined
);

/** The panel's model, provided once by the panel widget. */
export const ModelContext = createContext<MlopsModel | null>(null);

export function useModel(): MlopsModel {
  const model = useContext(ModelContext);
  if (!model) {
    throw new Error('jupyter-mlops: a section was rendered outside the panel model');
  }
  return model;
}

/**
 * Watch a resource of the model while the component is mounted: it is
 * polled only while some component watches it, and re-renders on change.
 */
export function useResource<T>(resource: Resource<T>): { value: T | null; error: unknown; loading: boolean } {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const onChange = () => setVersion(v => v + 1);
    resource.changed.connect(onChange);
    const watch = resource.watch();
    return () => {
      resource.changed.disconnect(onChange);
      watch.dispose();
    };
  }, [resource]);
  return { value: resource.value, error: resource.error, loading: resource.loading };
}

export function formatTime(epoch: number | null | undefined): string {
  if (!epoch) {
    return '–';
  }
  return new Date(epoch * 1000).toLocaleString();
}

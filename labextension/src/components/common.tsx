import React, { useEffect, useRef } from 'react';

import { MlopsAPIError } from '../api';
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

/** Call `fn` every `seconds` (0 turns it off); the latest `fn` is always used. */
export function useInterval(fn: () => void, seconds: number): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!seconds || seconds <= 0) {
      return;
    }
    const id = window.setInterval(() => saved.current(), seconds * 1000);
    return () => window.clearInterval(id);
  }, [seconds]);
}

export function formatTime(epoch: number | null | undefined): string {
  if (!epoch) {
    return '–';
  }
  return new Date(epoch * 1000).toLocaleString();
}

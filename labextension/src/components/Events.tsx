import React, { useCallback, useEffect, useRef, useState } from 'react';

import { api, IEvent } from '../api';
import { mergeEvents, newestEventId } from '../state';
import { ErrorLine, formatTime, useInterval } from './common';

/** The events feed: who did what, when and why; new events arrive while it is open. */
export function EventsSection(props: { refreshInterval: number }): JSX.Element {
  const [kind, setKind] = useState('');
  const [events, setEvents] = useState<IEvent[]>([]);
  const [error, setError] = useState<unknown>(null);
  const known = useRef<IEvent[]>([]);

  const load = useCallback(
    async (fresh: boolean) => {
      try {
        const after = fresh ? 0 : newestEventId(known.current);
        const reply = await api.events({ kind: kind || undefined, limit: 100, after_id: after });
        known.current = fresh ? reply.events : mergeEvents(known.current, reply.events);
        setEvents(known.current);
        setError(null);
      } catch (err) {
        setError(err);
      }
    },
    [kind]
  );

  useEffect(() => {
    void load(true);
  }, [load]);
  useInterval(() => void load(false), props.refreshInterval);

  return (
    <div className="jp-mlops-section" aria-label="Events">
      <div className="jp-mlops-toolbar">
        <select aria-label="Event kind" value={kind} onChange={e => setKind(e.target.value)}>
          <option value="">all events</option>
          <option value="run.*">runs</option>
          <option value="model.alias_*">alias moves</option>
          <option value="model.*">models</option>
          <option value="snapshot.*">snapshots</option>
          <option value="pipeline.*">pipelines</option>
        </select>
        <button className="jp-mlops-button" onClick={() => void load(true)}>
          Refresh
        </button>
      </div>
      <ErrorLine error={error} />
      <ul className="jp-mlops-events" aria-label="Events list">
        {events.map(e => (
          <li key={e.id} data-kind={e.kind}>
            <span className="jp-mlops-dim">{formatTime(e.timestamp)}</span>{' '}
            <strong>{e.kind}</strong> {e.entity_type} <code>{e.entity_id}</code> by {e.user}
            {e.reason && <div className="jp-mlops-reason">“{e.reason}”</div>}
          </li>
        ))}
        {events.length === 0 && <li className="jp-mlops-dim">no events yet</li>}
      </ul>
    </div>
  );
}

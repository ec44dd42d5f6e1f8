import React, { useEffect, useState } from 'react';

import { ErrorLine, formatTime, useModel, useResource } from './common';

/** The events feed: who did what, when and why; new events arrive while it is open. */
export function EventsSection(): JSX.Element {
  const model = useModel();
  const [kind, setKind] = useState(model.eventKind);
  // Before watching: the first watch then fetches this kind, once.
  useEffect(() => {
    if (model.eventKind !== kind) {
      void model.setEventKind(kind);
    }
  }, [model, kind]);
  const feed = useResource(model.events);
  const events = feed.value ?? [];
  const error = feed.error;

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
        <button className="jp-mlops-button" onClick={() => void model.setEventKind(kind)}>
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

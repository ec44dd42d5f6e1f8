/** One artifact, previewed by its type as the core describes it. */
import React, { useState } from 'react';

import { IArtifact } from '../api';
import { ErrorLine, useModel, useResource } from '../components/common';

export function ArtifactPreview(props: { runId: string; artifact: IArtifact }): JSX.Element {
  const [open, setOpen] = useState(false);
  const a = props.artifact;
  return (
    <details className="jp-mlops-artifact" onToggle={e => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        {a.name} <span className="jp-mlops-dim">({a.size} bytes{a.media_type ? `, ${a.media_type}` : ''})</span>
      </summary>
      {open && <Preview runId={props.runId} name={a.name} />}
    </details>
  );
}

function Preview(props: { runId: string; name: string }): JSX.Element {
  const model = useModel();
  const { value: p, error } = useResource(model.preview(props.runId, props.name));
  if (!p) {
    return <ErrorLine error={error} />;
  }
  if (p.kind === 'image') {
    return <img className="jp-mlops-artifact-image" src={p.data_url} alt={p.name} />;
  }
  if (p.kind === 'html') {
    // No scripts, no same origin: an artifact never runs in JupyterLab's origin.
    return <iframe className="jp-mlops-artifact-html" sandbox="" srcDoc={p.text} title={p.name} />;
  }
  if (p.kind === 'table') {
    return (
      <div className="jp-mlops-table-scroll">
        <table className="jp-mlops-table" aria-label={`head of ${p.name}`}>
          <thead>
            <tr>{(p.columns ?? []).map(c => <th key={c}>{c}</th>)}</tr>
          </thead>
          <tbody>
            {(p.rows ?? []).map((r, i) => (
              <tr key={i}>{r.map((v, j) => <td key={j}>{v === null ? '–' : String(v)}</td>)}</tr>
            ))}
          </tbody>
        </table>
        <div className="jp-mlops-dim">
          first {p.rows?.length ?? 0} rows{p.n_rows ? ` of ${p.n_rows}` : ''}
        </div>
      </div>
    );
  }
  if (p.kind === 'text') {
    return (
      <pre className="jp-mlops-code jp-RenderedText">
        {p.text}
        {p.truncated ? '\n…' : ''}
      </pre>
    );
  }
  return <div className="jp-mlops-dim">binary, {p.size} bytes: no preview</div>;
}

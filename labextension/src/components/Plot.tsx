import React, { useEffect, useRef, useState } from 'react';

import type { IFigure } from '../api';

/**
 * Render a plotly figure (the core's figure JSON, or one built by state.ts).
 * plotly.js is loaded on first use, so the panel opens fast.
 */
export function Plot(props: { figure: IFigure | null; label: string }): JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el || !props.figure) {
      return;
    }
    let cancelled = false;
    import('plotly.js-dist-min')
      .then(mod => {
        const Plotly = (mod as any).default ?? mod;
        if (cancelled) {
          return;
        }
        const layout = { autosize: true, ...(props.figure?.layout ?? {}) };
        layout.width = undefined;
        return Plotly.react(el, props.figure?.data ?? [], layout, {
          responsive: true,
          displaylogo: false
        });
      })
      .catch(err => setError(String(err)));
    return () => {
      cancelled = true;
    };
  }, [props.figure]);

  if (error) {
    return <div className="jp-mlops-error">cannot draw the plot: {error}</div>;
  }
  return <div ref={ref} className="jp-mlops-plot" role="img" aria-label={props.label} />;
}

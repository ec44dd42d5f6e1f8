/**
 * One request a page shows, fetched again when its arguments change, when its tab
 * comes back into view and when the server answers again after being down
 * (the connection banner is the one place that notices).
 */
import { useCallback, useEffect, useState } from 'react';

import { useModel, useResource } from '../components/common';
import { noteFailure, usePageVisible } from './widget';

export interface IPageData<T> {
  value: T | null;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

export function usePageData<T>(fetch: () => Promise<T>, deps: unknown[]): IPageData<T> {
  const model = useModel();
  const visible = usePageVisible();
  const server = useResource(model.server);
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setValue(await fetch());
      setError(null);
    } catch (err) {
      setError(err);
      noteFailure(model, err);
    } finally {
      setLoading(false);
    }
  }, deps);
  useEffect(() => {
    setValue(null);
  }, deps);
  useEffect(() => {
    if (visible && !server.error) {
      void reload();
    }
  }, [reload, visible, !!server.error]);
  return { value, error, loading, reload };
}

/** Loads data for a page section; `notFound` is set when the server does not offer the endpoint (404). */
import { useEffect, useState } from 'preact/hooks';
import { describeError, isNotFound } from './api.js';

export interface Loaded<T> {
  readonly data?: T;
  readonly error: string;
  readonly notFound: boolean;
  readonly loading: boolean;
  readonly reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: string; notFound: boolean; loading: boolean }>({ error: '', notFound: false, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, error: '', notFound: false, loading: false }),
      (err) => current && setState({ error: isNotFound(err) ? '' : describeError(err), notFound: isNotFound(err), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError, isAbort } from './api';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="state state-loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorBox({ error, retry }: { error: string; retry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <span>😕 {error}</span>
      {retry && (
        <button class="btn btn-small btn-ghost" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ icon, children }: { icon: string; children: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <div class="state-icon" aria-hidden="true">
        {icon}
      </div>
      {children}
    </div>
  );
}

export function Card({ children, class: cls = '', testid }: { children: ComponentChildren; class?: string; testid?: string }) {
  return (
    <section class={`card ${cls}`} data-testid={testid}>
      {children}
    </section>
  );
}

/** Loads data with a visible loading and error state; `reload` refetches (keeping the old data shown meanwhile). */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const ctrl = useRef<AbortController>();
  const run = useCallback(() => {
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    setLoading(true);
    load(c.signal).then(
      (d) => {
        if (c.signal.aborted) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (c.signal.aborted || isAbort(err)) return;
        setError(describeError(err));
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    run();
    return () => ctrl.current?.abort();
  }, [run]);
  return { data, error, loading, reload: run };
}

/**
 * Follows a server stream for as long as the component lives: reconnects after
 * a drop (1 s, 2 s, … up to 10 s); stops when the stream ends normally.
 */
export function useStream<T>(open: (signal: AbortSignal) => AsyncIterable<T>, onMessage: (m: T) => void, deps: unknown[]) {
  const [state, setState] = useState<'connecting' | 'live' | 'ended' | 'retrying'>('connecting');
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    const ctrl = new AbortController();
    void (async () => {
      let delay = 1000;
      while (!ctrl.signal.aborted) {
        try {
          setState('connecting');
          for await (const m of open(ctrl.signal)) {
            setState('live');
            delay = 1000;
            handler.current(m);
          }
          setState('ended');
          return;
        } catch (err) {
          if (ctrl.signal.aborted) return;
          setState('retrying');
          console.warn('stream dropped; reconnecting', err);
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 10_000);
        }
      }
    })();
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}

/** Runs an action with a busy flag and a friendly error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const run = async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (err) {
      setError(describeError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clearError: () => setError(undefined) };
}

export function LiveDot({ state }: { state: string }) {
  const text = state === 'live' ? 'Live' : state === 'retrying' ? 'Reconnecting…' : state === 'ended' ? 'Final' : 'Connecting…';
  return (
    <span class={`live live-${state}`} data-testid="live-state">
      <span class="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

import { useEffect, useRef, useState } from 'preact/hooks';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { api, STREAM } from './api';
import { time } from './format';
import type { Notification } from './gen/foodmesh/notification/v1/notification_pb.js';
import { LiveDot, useStream } from './ui';

type Listener = (n: Notification) => void;
const listeners = new Set<Listener>();

/** Screens that must refresh when something happens (the owner's orders, the rider's deliveries). */
export function useOnNotification(fn: Listener) {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    const l: Listener = (n) => ref.current(n);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
}

/**
 * The bell, the drawer and the toasts. Loads the latest notifications, then
 * follows WatchMyNotifications from the newest one it has (so nothing between
 * the two is missed), reconnecting with `since` after a drop.
 */
export function NotificationCenter({ userId }: { userId: string }) {
  const [items, setItems] = useState<Notification[]>([]);
  const [toasts, setToasts] = useState<Notification[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const [ready, setReady] = useState(false);
  const newest = useRef<Timestamp | undefined>(undefined);
  const seen = useRef(new Set<string>());

  useEffect(() => {
    const ctrl = new AbortController();
    api.notifications.listMyNotifications({ page: { pageSize: 30 } }, { signal: ctrl.signal }).then(
      (res) => {
        res.notifications.forEach((n) => seen.current.add(n.notificationId));
        newest.current = res.notifications[0]?.createdAt;
        setItems(res.notifications);
        setReady(true);
      },
      () => setReady(true),
    );
    return () => ctrl.abort();
  }, [userId]);

  const state = useStream(
    (signal) => (ready ? api.notifications.watchMyNotifications({ since: newest.current }, { signal, ...STREAM }) : never(signal)),
    ({ notification: n }) => {
      if (!n || seen.current.has(n.notificationId)) return;
      seen.current.add(n.notificationId);
      newest.current = n.createdAt;
      setItems((xs) => [n, ...xs].slice(0, 50));
      setUnread((u) => u + 1);
      // One toast at a time (the newest), so a burst never hides the screen on a phone.
      setToasts([n]);
      setTimeout(() => setToasts((ts) => ts.filter((t) => t !== n)), 4500);
      listeners.forEach((l) => l(n));
    },
    [userId, ready],
  );

  return (
    <>
      <button
        class="bell"
        aria-label={`Notifications${unread ? `, ${unread} new` : ''}`}
        data-testid="bell"
        onClick={() => {
          setOpen(!open);
          setUnread(0);
        }}
      >
        🔔{unread > 0 && <span class="badge">{unread}</span>}
      </button>
      {open && (
        <div class="drawer" role="dialog" aria-label="Notifications">
          <div class="drawer-head">
            <strong>Notifications</strong>
            <LiveDot state={state} />
            <button class="btn btn-small btn-ghost" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
          {items.length === 0 ? (
            <p class="muted">Nothing yet. We'll tell you here as soon as something happens.</p>
          ) : (
            <ul class="notes">
              {items.map((n) => (
                <li key={n.notificationId}>
                  <div class="note-title">{n.title}</div>
                  <div class="note-body">{n.body}</div>
                  <div class="note-time">{time(n.createdAt)}</div>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div class="toasts" aria-live="polite">
        {toasts.map((n) => (
          <div class="toast" key={n.notificationId} data-testid="toast" onClick={() => setToasts([])}>
            <strong>{n.title}</strong>
            <span>{n.body}</span>
          </div>
        ))}
      </div>
    </>
  );
}

/** A stream that waits until aborted (used before the history has loaded). */
async function* never(signal: AbortSignal): AsyncGenerator<never> {
  await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
}

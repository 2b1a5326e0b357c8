import { useEffect, useState } from 'preact/hooks';
import { api, describeError, session } from './api';
import { CustomerApp } from './customer';
import { Role, type User } from './gen/foodmesh/edge/v1/auth_pb.js';
import { NotificationCenter } from './notifications';
import { OpsApp } from './ops';
import { OwnerApp } from './owner';
import { RiderApp } from './rider';
import { ErrorBox, Spinner, useLoad } from './ui';
import { regionLabel } from './format';

const ROLE_NAME: Record<Role, string> = {
  [Role.UNSPECIFIED]: '',
  [Role.CUSTOMER]: 'Customer',
  [Role.OWNER]: 'Store owner',
  [Role.RIDER]: 'Rider',
  [Role.OPS]: 'Operator',
};

export function App() {
  const [user, setUser] = useState<User | undefined>(undefined);
  const [restoring, setRestoring] = useState(!!session.token);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  useEffect(() => {
    session.onExpired(() => {
      session.set(null);
      setUser(undefined);
      setNotice('Your session has ended. Please sign in again.');
    });
    if (!session.token) return;
    api.auth.getCurrentUser({}).then(
      (res) => {
        setUser(res.user);
        setRestoring(false);
      },
      () => {
        session.set(null);
        setRestoring(false);
      },
    );
  }, []);

  const signOut = () => {
    session.set(null);
    setUser(undefined);
  };

  return (
    <div class="app">
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            🍱
          </span>
          foodmesh
        </div>
        {user && (
          <div class="who">
            <NotificationCenter userId={user.userId} />
            <span class="user-chip" data-testid="user-chip" title={user.userId}>
              {user.displayName}
              <small>{ROLE_NAME[user.role]}</small>
            </span>
            <button class="btn btn-small btn-ghost" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main class={user?.role === Role.OPS ? 'wide' : undefined}>
        {restoring && <Spinner label="Welcome back…" />}
        {!restoring && !user && (
          <SignIn
            notice={notice}
            signedIn={(u) => {
              setNotice(undefined);
              setUser(u);
            }}
          />
        )}
        {user?.role === Role.CUSTOMER && <CustomerApp key={user.userId} user={user} />}
        {user?.role === Role.OWNER && <OwnerApp key={user.userId} user={user} />}
        {user?.role === Role.RIDER && <RiderApp key={user.userId} user={user} />}
        {user?.role === Role.OPS && <OpsApp key={user.userId} user={user} />}
      </main>
    </div>
  );
}

function SignIn({ signedIn, notice }: { signedIn: (u: User) => void; notice?: string }) {
  const { data, error, loading, reload } = useLoad((signal) => api.auth.listDemoUsers({}, { signal }), []);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);

  const signIn = async (userId: string) => {
    setBusy(userId);
    setFailure(undefined);
    try {
      const res = await api.auth.signIn({ userId });
      session.set(res.token);
      signedIn(res.user!);
    } catch (err) {
      setFailure(describeError(err));
    } finally {
      setBusy(undefined);
    }
  };

  const groups: Array<[Role, string, string]> = [
    [Role.CUSTOMER, 'Order food', '🧑'],
    [Role.OWNER, 'Run a store', '👩‍🍳'],
    [Role.RIDER, 'Deliver', '🛵'],
    [Role.OPS, 'Operate the platform', '🛠️'],
  ];
  return (
    <div data-testid="screen-sign-in">
      <div class="hero">
        <h1>Hungry? Busy kitchen? On the road?</h1>
        <p class="muted">Pick a demo account to sign in. No password needed.</p>
      </div>
      {notice && <div class="banner banner-wait">{notice}</div>}
      {(error || failure) && <ErrorBox error={(error ?? failure)!} retry={error ? reload : undefined} />}
      {loading && !data && <Spinner label="Loading demo accounts…" />}
      {data &&
        groups.map(([role, title, icon]) => (
          <section key={role} class="section">
            <h2>
              {icon} {title}
            </h2>
            <div class="user-grid">
              {data.users
                .filter((u) => u.role === role)
                .map((u) => (
                  <button key={u.userId} class="card user-card" disabled={!!busy} onClick={() => signIn(u.userId)} data-testid={`sign-in-${u.userId}`}>
                    <span class="avatar" aria-hidden="true">
                      {u.displayName
                        .split(' ')
                        .map((p) => p[0])
                        .join('')}
                    </span>
                    <span class="grow">
                      <span class="title">{u.displayName}</span>
                      <span class="muted small">
                        {u.userId}
                        {u.storeId && ` · ${u.storeId.replace('store-', '')}`}
                        {u.region && ` · ${regionLabel(u.region)}`}
                      </span>
                    </span>
                    {busy === u.userId && <span class="spinner" aria-hidden="true" />}
                  </button>
                ))}
            </div>
          </section>
        ))}
    </div>
  );
}

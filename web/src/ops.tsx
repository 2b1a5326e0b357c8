import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { ORDER_STATUS, time } from './format';
import type { User } from './gen/foodmesh/edge/v1/auth_pb.js';
import { BreakerState, type GetOrderSagaResponse, type GetOverviewResponse, type ServiceOverview } from './gen/foodmesh/edge/v1/ops_pb.js';
import { Card, ErrorBox, Spinner, useAction, useLoad } from './ui';

/** How often the page asks again: Prometheus evaluates the rules every few seconds. */
const REFRESH_MS = 2000;

const BREAKER: Record<BreakerState, { label: string; tone: string; state: string }> = {
  [BreakerState.UNSPECIFIED]: { label: 'Unknown', tone: '', state: 'unknown' },
  [BreakerState.CLOSED]: { label: 'Closed', tone: 'pill-go', state: 'closed' },
  [BreakerState.HALF_OPEN]: { label: 'Half-open', tone: 'tone-wait', state: 'half-open' },
  [BreakerState.OPEN]: { label: 'Open', tone: 'pill-bad', state: 'open' },
};

const perSecond = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)}/s`;
const percent = (v?: number) => (v === undefined ? '—' : `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)} %`);
const millis = (s?: number) => (s === undefined ? '—' : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`);
const shortMethod = (m: string) => m.split('/').pop() ?? m;

/**
 * The operator's page: the platform live (health, traffic, breakers, messaging, from Prometheus
 * through the edge) and any order's saga with links into its traces. Each panel is its own
 * component fed by the one overview poll; a new panel (e.g. dead letters with a replay button)
 * is one more section in the grid.
 */
export function OpsApp(_: { user: User }) {
  const overview = useLoad((signal) => api.ops.getOverview({}, { signal }), []);
  useEffect(() => {
    const timer = setInterval(overview.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [overview.reload]);
  const data = overview.data;

  return (
    <div data-testid="screen-ops">
      <div class="row">
        <h1 class="grow">Operations</h1>
        <span class={`live ${overview.error ? 'live-retrying' : data ? 'live-live' : ''}`} data-testid="ops-live">
          <span class="live-dot" aria-hidden="true" />
          {data?.observedAt ? `Live · ${time(data.observedAt)}` : 'Connecting…'}
        </span>
      </div>
      {overview.error && <ErrorBox error={overview.error} />}
      {!data && !overview.error && <Spinner label="Asking Prometheus…" />}
      <div class="ops-grid">
        {data && <HealthPanel services={data.services} />}
        {data && <BreakersPanel breakers={data.breakers} />}
        <SagaPanel />
        {data && <TrafficPanel services={data.services} />}
      </div>
    </div>
  );
}

function HealthPanel({ services }: { services: ServiceOverview[] }) {
  return (
    <Card class="ops-panel" testid="panel-health">
      <div class="title">Services</div>
      <table class="ops-table">
        <thead>
          <tr>
            <th>Service</th>
            <th>Replicas</th>
            <th title="Messages its consumers have yet to handle">Consumer lag</th>
            <th title="Events committed, not yet published to Kafka">Outbox</th>
            <th title="Events parked as dead letters in the last hour">Dead letters/h</th>
          </tr>
        </thead>
        <tbody>
          {services.map((s) => (
            <tr key={s.service} data-testid="service-row" data-service={s.service} data-healthy={String(s.replicas > 0 && s.replicasUp === s.replicas)}>
              <td>
                <strong>{s.service}</strong>
                {s.viewLagP99Seconds !== undefined && <div class="muted small">view lag p99 {millis(s.viewLagP99Seconds)}</div>}
              </td>
              <td>
                <span class={`pill ${s.replicasUp === s.replicas && s.replicas > 0 ? 'pill-go' : 'pill-bad'}`}>
                  {s.replicasUp}/{s.replicas} up
                </span>
              </td>
              <td class="num">{s.consumerLag.toString()}</td>
              <td class="num">
                {s.outboxBacklog.toString()}
                {s.outboxBacklog > 0n && <span class="muted small"> · oldest {millis(s.outboxOldestAgeSeconds)}</span>}
              </td>
              <td class="num">{s.deadLettersLastHour.toString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {services.length === 0 && <p class="muted small">Prometheus has not scraped any service yet.</p>}
    </Card>
  );
}

function BreakersPanel({ breakers }: { breakers: GetOverviewResponse['breakers'] }) {
  return (
    <Card class="ops-panel" testid="panel-breakers">
      <div class="title">Circuit breakers</div>
      {breakers.length === 0 && <p class="muted small">No service has called an upstream with a breaker yet.</p>}
      <ul class="ops-breakers">
        {breakers.map((b) => {
          const s = BREAKER[b.state];
          return (
            <li key={`${b.service}/${b.upstream}`} data-testid="breaker" data-breaker={`${b.service}/${b.upstream}`} data-state={s.state}>
              <span class="grow">
                {b.service} → {b.upstream}
              </span>
              <span class={`pill ${s.tone}`}>{s.label}</span>
            </li>
          );
        })}
      </ul>
      <p class="muted small">Open: calls fail fast and the caller's fallback answers (payment: “pay later”).</p>
    </Card>
  );
}

function TrafficPanel({ services }: { services: ServiceOverview[] }) {
  const rows = services.flatMap((s) => s.methods.map((m) => ({ service: s.service, ...m })));
  return (
    <Card class="ops-panel ops-wide" testid="panel-traffic">
      <div class="title">RPC traffic (last minute)</div>
      {rows.length === 0 ? (
        <p class="muted small">No calls in the last minute.</p>
      ) : (
        <table class="ops-table">
          <thead>
            <tr>
              <th>Service</th>
              <th>Method</th>
              <th>Rate</th>
              <th>Errors</th>
              <th>p99</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.service}${r.method}`} data-testid="method-row" data-method={r.method}>
                <td>{r.service}</td>
                <td title={r.method}>{shortMethod(r.method)}</td>
                <td class="num">{perSecond(r.requestsPerSecond)}</td>
                <td class={`num ${r.errorRatio ? 'bad' : ''}`}>{percent(r.errorRatio)}</td>
                <td class="num">{millis(r.p99Seconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

/** Any order's saga, step by step, each step linked to the trace it was created in. */
function SagaPanel() {
  const [orderId, setOrderId] = useState('');
  const [saga, setSaga] = useState<GetOrderSagaResponse | undefined>(undefined);
  const action = useAction();
  const show = async (e: Event) => {
    e.preventDefault();
    setSaga(await action.run(() => api.ops.getOrderSaga({ orderId })));
  };
  const view = saga?.view;
  const traceUrl = (traceId: string) => (saga?.traceUrlTemplate && traceId ? saga.traceUrlTemplate.replace('{traceId}', traceId) : undefined);
  return (
    <Card class="ops-panel ops-wide" testid="panel-saga">
      <div class="title">Saga of an order</div>
      <form class="confirm" onSubmit={show}>
        <input
          data-testid="saga-order-id"
          placeholder="Order id"
          value={orderId}
          onInput={(e) => setOrderId((e.target as HTMLInputElement).value)}
          aria-label="Order id"
        />
        <button class="btn btn-small" disabled={action.busy || !orderId.trim()}>
          Show saga
        </button>
      </form>
      {action.error && <ErrorBox error={action.error} />}
      {view && (
        <>
          <div class="row">
            <strong class="grow">
              {view.storeName} · {view.customerId}
            </strong>
            <span class={`pill tone-${ORDER_STATUS[view.status].tone}`} data-testid="saga-status">
              {ORDER_STATUS[view.status].label}
            </span>
          </div>
          <ol class="timeline" data-testid="saga-timeline">
            {view.timeline.map((t) => {
              const href = traceUrl(t.traceId);
              return (
                <li key={t.eventId}>
                  <time>{time(t.occurredAt)}</time>
                  <span class="grow">
                    {t.description || t.eventType}
                    <span class="muted small"> · {t.eventType.split('.').pop()}</span>
                  </span>
                  {href && (
                    <a href={href} target="_blank" rel="noopener" data-testid="trace-link">
                      trace ↗
                    </a>
                  )}
                </li>
              );
            })}
          </ol>
          {!saga.traceUrlTemplate && <p class="muted small">No tracing UI is configured for this edge (OPS_TRACE_URL).</p>}
        </>
      )}
    </Card>
  );
}

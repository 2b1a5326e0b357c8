import { fixKafkajsRequestQueue } from './kafkajs-request-queue';

describe('the kafkajs RequestQueue fix', () => {
  const RequestQueue = fixKafkajsRequestQueue();
  const queue = (over: Partial<{ pending: unknown[]; throttledUntil: number }>) => {
    const q = Object.create(RequestQueue.prototype) as {
      pending: unknown[];
      throttledUntil: number;
      throttleCheckTimeoutId: NodeJS.Timeout | null;
      checks: number;
      scheduleCheckPendingRequests(): void;
      checkPendingRequests(): void;
    };
    Object.assign(q, { pending: [], throttledUntil: -1, throttleCheckTimeoutId: null, checks: 0, ...over });
    q.checkPendingRequests = () => void q.checks++;
    return q;
  };
  afterEach(() => jest.useRealTimers());

  it('arms no timer while nothing is pending (kafkajs armed a 1 ms timer that re-armed itself for ever)', () => {
    const q = queue({});
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('checks pending requests when the broker throttle ends', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const q = queue({ pending: [{}], throttledUntil: 1_000_250 });
    q.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(249);
    expect(q.checks).toBe(0);
    jest.advanceTimersByTime(1);
    expect(q.checks).toBe(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('re-checks a full, unthrottled queue after 10 ms, and arms one timer at a time', () => {
    jest.useFakeTimers();
    const q = queue({ pending: [{}] });
    q.scheduleCheckPendingRequests();
    const first = q.throttleCheckTimeoutId;
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBe(first);
    jest.advanceTimersByTime(10);
    expect(q.checks).toBe(1);
  });
});

import { connectionSchema, type Connections } from '../../../../shared/connections/connection';
import { RateCap, type InFlightStore, type RateWindowStore } from '../../../../shared/connections/rateCap';
import { executeCallApi, type CardAttempt } from '../../../../shared/engine/callApi';
import { callApiBlockSchema } from '../../../../shared/flow/schema';
import { OutboundError, type GuardedFetch, type OutboundResponse } from '../../../../shared/http/guardedFetch';
import { leaseExpiry, leaseId } from '../../../../shared/store/executorLeases';

/**
 * A connection's cap on requests in flight (issue 20, `rateCap.inFlight`): each attempt holds a lease
 * of the connection's, fleet-wide, from before it is sent until it ends, whatever the end.
 */

/** The table's item of leases per connection, in memory: conditional add, delete, expired ones removed when refused. */
class Leases implements InFlightStore {
  readonly held = new Map<string, Set<number>>();
  async acquire(workspaceId: string, connection: string, limit: number, expiresAtMs: number, now: number): Promise<number | undefined> {
    const set = this.held.get(`${workspaceId}/${connection}`) ?? new Set<number>();
    this.held.set(`${workspaceId}/${connection}`, set);
    if (set.size >= limit) for (const lease of set) if (leaseExpiry(lease) < now) set.delete(lease);
    if (set.size >= limit) return undefined;
    const id = leaseId(expiresAtMs);
    set.add(id);
    return id;
  }
  async release(workspaceId: string, connection: string, id: number): Promise<void> {
    this.held.get(`${workspaceId}/${connection}`)?.delete(id);
  }
  count(workspaceId = 'ws', connection = 'shop'): number {
    return this.held.get(`${workspaceId}/${connection}`)?.size ?? 0;
  }
}

const windows: RateWindowStore = { take: async () => 1 };

/** A fake clock whose sleeps run in order of their end (so concurrent cards interleave as in time). */
function clock(start: number) {
  let now = start;
  const timers: { at: number; resolve: () => void }[] = [];
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      timers.push({ at: now + ms, resolve });
    });
  /**
   * Runs the timers in order until `done` settles (or, without it, until none is left or the next is
   * past `until`), letting promises settle between them: a real millisecond, since cockatiel waits
   * even a zero backoff with a real timer.
   */
  const run = async <T>(options: { until?: number; done?: Promise<T> } = {}): Promise<void> => {
    let settled = false;
    void options.done?.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (settled) return;
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next) {
        if (options.done) continue;
        return;
      }
      if (next.at > (options.until ?? Number.POSITIVE_INFINITY)) return;
      timers.shift();
      now = Math.max(now, next.at);
      next.resolve();
    }
  };
  return { now: () => now, sleep, run };
}

const block = callApiBlockSchema.parse({ type: 'callApi', request: { connection: 'shop', url: '/stock' }, retry: false });
const retrying = callApiBlockSchema.parse({ type: 'callApi', request: { connection: 'shop', url: '/stock' }, retry: true });
const connections = (rateCap: unknown): Connections => ({
  shop: connectionSchema.parse({ baseUrl: { production: 'https://shop.example' }, rateCap }),
});
const ok: OutboundResponse = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"stock":3}',
  url: 'https://shop.example/stock',
  latencyMs: 300,
};

describe('rateCap schema', () => {
  test('perSecond, inFlight or both; neither is refused at rateCap with a clear message; inFlight 1..1000', () => {
    expect(connectionSchema.safeParse({ baseUrl: { production: 'https://a.example' }, rateCap: { perSecond: 5 } }).success).toBe(true);
    expect(connectionSchema.safeParse({ baseUrl: { production: 'https://a.example' }, rateCap: { inFlight: 3 } }).success).toBe(true);
    expect(
      connectionSchema.safeParse({ baseUrl: { production: 'https://a.example' }, rateCap: { perSecond: 5, inFlight: 3 } }).success,
    ).toBe(true);
    const neither = connectionSchema.safeParse({ baseUrl: { production: 'https://a.example' }, rateCap: {} });
    expect(neither.success).toBe(false);
    expect(neither.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['rateCap', 'a rate cap sets perSecond, inFlight or both'],
    ]);
    for (const inFlight of [0, 1001, 2.5])
      expect(connectionSchema.safeParse({ baseUrl: { production: 'https://a.example' }, rateCap: { inFlight } }).success).toBe(false);
  });
});

describe('RateCap.enter', () => {
  test('grants up to the limit at once; the next waits (jittered pauses) and proceeds once one is given back', async () => {
    const leases = new Leases();
    const time = clock(1_000_000);
    const cap = new RateCap({ windows, inFlight: leases, now: time.now, sleep: time.sleep, random: () => 0.5 });
    const held = [];
    for (let i = 0; i < 3; i += 1) held.push(await cap.enter('ws', 'shop', 3, 10_000, time.now() + 30_000));
    expect(held.every((lease) => lease.ok)).toBe(true);
    expect(leases.count()).toBe(3);
    const waiting = cap.enter('ws', 'shop', 3, 10_000, time.now() + 30_000);
    await time.run({ until: 1_000_400 });
    expect(leases.count()).toBe(3);
    const first = held[0];
    if (!first?.ok) throw new Error('granted above');
    await cap.leave('ws', 'shop', first.id);
    await time.run({ done: waiting });
    const fourth = await waiting;
    expect(fourth.ok).toBe(true);
    expect(fourth.waitedMs).toBeGreaterThanOrEqual(400);
    expect(leases.count()).toBe(3);
    // Another connection, another workspace: counted apart.
    expect((await cap.enter('ws', 'bank', 3, 10_000, time.now() + 30_000)).ok).toBe(true);
    expect((await cap.enter('ws2', 'shop', 3, 10_000, time.now() + 30_000)).ok).toBe(true);
  });

  test('no lease within its time: not ok, having waited about that long', async () => {
    const leases = new Leases();
    const time = clock(2_000_000);
    const cap = new RateCap({ windows, inFlight: leases, now: time.now, sleep: time.sleep });
    expect((await cap.enter('ws', 'shop', 1, 60_000, time.now() + 30_000)).ok).toBe(true);
    const refused = cap.enter('ws', 'shop', 1, 60_000, time.now() + 30_000);
    await time.run({ done: refused });
    const result = await refused;
    expect(result.ok).toBe(false);
    expect(result.waitedMs).toBeGreaterThan(29_000);
    expect(result.waitedMs).toBeLessThanOrEqual(30_000);
  });

  test("a lease never given back (a crashed executor's) lapses at its expiry", async () => {
    const leases = new Leases();
    const time = clock(3_000_000);
    const cap = new RateCap({ windows, inFlight: leases, now: time.now, sleep: time.sleep });
    expect((await cap.enter('ws', 'shop', 1, 5_000, time.now() + 30_000)).ok).toBe(true);
    const next = cap.enter('ws', 'shop', 1, 5_000, time.now() + 30_000);
    await time.run({ done: next });
    const result = await next;
    expect(result.ok).toBe(true);
    // Its expiry is rounded up to the second: it lapses within 5 to 6 s, then the next is given.
    expect(result.waitedMs).toBeGreaterThanOrEqual(5_000);
    expect(result.waitedMs).toBeLessThan(6_500);
  });
});

describe('a card calling a connection capped in flight', () => {
  function run(steps: (n: number) => Promise<OutboundResponse>) {
    const leases = new Leases();
    const time = clock(10_000_000);
    let inFlight = 0;
    let most = 0;
    let n = 0;
    /** Requests sent while holding fewer leases than requests in flight (an expect here would be caught as the fetch's failure). */
    let unleased = 0;
    const fetch: GuardedFetch = async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      if (inFlight > leases.count()) unleased += 1;
      try {
        return await steps((n += 1));
      } finally {
        inFlight -= 1;
      }
    };
    const rateCap = new RateCap({ windows, inFlight: leases, now: time.now, sleep: time.sleep });
    const attempts: CardAttempt[] = [];
    const deps = {
      fetch,
      rateCap,
      workspaceId: 'ws',
      now: time.now,
      sleep: time.sleep,
      onAttempt: async (attempt: CardAttempt) => void attempts.push(attempt),
    };
    return { leases, time, deps, attempts, most: () => most, unleased: () => unleased };
  }

  test('10 cards at once against inFlight 3, the brand taking 300 ms: never more than 3 at once, every card answered', async () => {
    const h = run(async () => {
      await h.time.sleep(300);
      return ok;
    });
    const cards = Promise.all(
      Array.from({ length: 10 }, () =>
        executeCallApi(
          {
            block,
            context: {
              customer: { id: 'U1', channel: 'line', attributes: {} },
              attributes: {},
              trigger: { type: 'text', text: 'hi', params: {} },
            },
            secrets: {},
            idempotencyKey: 'k',
            connections: connections({ inFlight: 3 }),
          },
          h.deps,
        ),
      ),
    );
    await h.time.run({ done: cards });
    const outcomes = await cards;
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(h.most()).toBe(3);
    expect(h.unleased()).toBe(0);
    expect(h.leases.count()).toBe(0);
  });

  test('the lease goes back when the attempt fails, times out or throws, and with retries each attempt takes its own', async () => {
    const context = {
      customer: { id: 'U1', channel: 'line' as const, attributes: {} },
      attributes: {},
      trigger: { type: 'text' as const, text: 'hi', params: {} },
    };
    for (const fail of [
      async () => ({ ...ok, status: 500 }),
      async () => {
        throw new OutboundError('timeout', 'timed out');
      },
      async () => {
        throw new Error('socket hang up');
      },
    ]) {
      const h = run(fail);
      const card = executeCallApi(
        { block: retrying, context, secrets: {}, idempotencyKey: 'k', connections: connections({ inFlight: 1 }) },
        h.deps,
      );
      await h.time.run({ done: card });
      const outcome = await card;
      expect(outcome.ok).toBe(false);
      expect(outcome.attempts).toBeGreaterThan(1);
      expect(h.unleased()).toBe(0);
      expect(h.leases.count()).toBe(0);
    }
    // An attempt that throws past the card (the fetch itself failing in an unexpected way) still gives its lease back.
    const h = run(async () => ok);
    const card = executeCallApi(
      { block, context, secrets: {}, idempotencyKey: 'k', connections: connections({ inFlight: 1 }) },
      { ...h.deps, onAttempt: async () => Promise.reject(new Error('log down')) },
    );
    await h.time.run({ done: card });
    await expect(card).rejects.toThrow('log down');
    expect(h.most()).toBe(1);
    expect(h.unleased()).toBe(0);
    expect(h.leases.count()).toBe(0);
  });

  test('no lease within 30 s: the card fails with kind timeout and says why, without calling the brand', async () => {
    const h = run(async () => ok);
    h.leases.held.set('ws/shop', new Set([leaseId(h.time.now() + 120_000), leaseId(h.time.now() + 120_000)]));
    const context = {
      customer: { id: 'U1', channel: 'line' as const, attributes: {} },
      attributes: {},
      trigger: { type: 'text' as const, text: 'hi', params: {} },
    };
    const card = executeCallApi(
      { block, context, secrets: {}, idempotencyKey: 'k', connections: connections({ inFlight: 2, perSecond: 10 }) },
      h.deps,
    );
    await h.time.run({ done: card });
    const outcome = await card;
    expect(outcome).toMatchObject({
      ok: false,
      kind: 'timeout',
      reason: 'rate cap: no slot in flight at the brand (2 at once) within 30 s',
      attempts: 0,
    });
    expect(h.most()).toBe(0);
    expect(h.leases.count()).toBe(2);
  });
});

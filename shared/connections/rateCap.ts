/**
 * A connection's rate cap (issue 20): at most `perSecond` requests to the brand in any calendar second,
 * counted fleet-wide in the table (one counter per connection and second: the `RateWindowStore`). A
 * card asks for a slot: the counter's new value k gives it the k-th of the second's `perSecond` evenly
 * spaced start times within its first 850 ms, so the calls of a second are spread across it rather
 * than sent at its first millisecond, and the last has time to reach the brand within it. Past `perSecond`, the second is full and the card takes a slot of the next one, and so
 * on: it waits its turn instead of failing, up to a limit, while the executor's other jobs go on and the
 * queue holds what the executor has not taken yet, so a burst drains at the brand's pace
 * (docs/DEPLOY.md, "Capacity when a broadcast lands").
 *
 * A slot whose start has passed by the time it is given (a busy process, a slow answer from the
 * table) is used only while its second lasts (150 ms kept in hand for the request to reach the brand);
 * otherwise it is dropped and a later one taken: a slot may go unused, never one too many.
 * Each process remembers the last second it found full, so waiting cards do not ask for it again.
 *
 * `inFlight`: at most that many requests to the brand at once, fleet-wide. Each attempt takes a lease
 * before it is sent and gives it back when it ends (whatever the end); a lease carries its own expiry
 * (the attempt's deadline and some slack), so one left by an executor that crashed lapses by itself.
 * Over the cap, the card asks again after a short jittered pause (growing to at most 250 ms) until a
 * lease is given or its time is up: it waits its turn, as above.
 */

/** Counts a request toward a connection's second; answers the count with it (shared/store/connections.ts). */
export interface RateWindowStore {
  take(workspaceId: string, connection: string, second: number): Promise<number>;
}

/** Takes and gives back leases on a connection's requests in flight (shared/store/connections.ts). */
export interface InFlightStore {
  /** A lease id expiring at `expiresAtMs`, or undefined when `limit` are held (past their expiry at `now` not counted). */
  acquire(workspaceId: string, connection: string, limit: number, expiresAtMs: number, now: number): Promise<number | undefined>;
  release(workspaceId: string, connection: string, id: number): Promise<void>;
}

/** How long a card waits for a slot at most before it fails (reason `timeout`, not the brand's failure). */
export const RATE_CAP_MAX_WAIT_MS = 30_000;
/**
 * What a slot must leave of its second for the request to reach the brand within it: the slots of a
 * second start in its first 850 ms. With 20 ms a busy executor (a CI run on 2 cores) let a request of
 * the second's last slot reach the brand in the next second: 9 in a second against a cap of 8.
 */
const END_MARGIN_MS = 150;
/** Connections whose full second this process remembers (then it forgets them all at once). */
const FULL_MEMORY = 4_096;
/** The first and the longest pause between asks for a lease in flight (each between half and all of it). */
const IN_FLIGHT_FIRST_PAUSE_MS = 20;
const IN_FLIGHT_MAX_PAUSE_MS = 250;
/** What a lease in flight is kept past its attempt's deadline before it lapses by itself. */
export const IN_FLIGHT_LEASE_SLACK_MS = 5_000;

export class RateCap {
  private readonly full = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly deps: {
      windows: RateWindowStore;
      inFlight?: InFlightStore;
      now?: () => number;
      sleep?: (ms: number) => Promise<void>;
      random?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * A slot for one request to the connection's brand, at its start time, waiting no later than
   * `until` (epoch ms): ok once the request may go, not ok when no slot starts in time.
   */
  async take(workspaceId: string, connection: string, perSecond: number, until: number): Promise<{ ok: boolean; waitedMs: number }> {
    const started = this.now();
    const key = `${workspaceId}\u0000${connection}`;
    let second = Math.floor(started / 1000);
    for (;;) {
      const now = this.now();
      // Not a second that has ended, or is about to, or that this process knows to be full.
      second = Math.max(second, Math.floor((now + END_MARGIN_MS) / 1000), (this.full.get(key) ?? -1) + 1);
      if (second * 1000 >= until) return { ok: false, waitedMs: now - started };
      const k = await this.deps.windows.take(workspaceId, connection, second);
      if (k > perSecond) {
        if (this.full.size >= FULL_MEMORY) this.full.clear();
        this.full.set(key, Math.max(second, this.full.get(key) ?? -1));
        second += 1;
        continue;
      }
      const at = second * 1000 + Math.floor(((k - 1) * (1000 - END_MARGIN_MS)) / perSecond);
      if (at >= until) return { ok: false, waitedMs: this.now() - started };
      if (at > this.now()) await this.sleep(at - this.now());
      // Given too late to reach the brand within its second: left unused, and a later one taken.
      if (this.now() + END_MARGIN_MS >= (second + 1) * 1000) {
        second += 1;
        continue;
      }
      return { ok: true, waitedMs: this.now() - started };
    }
  }

  /**
   * A lease on one of the connection's `limit` requests in flight, expiring `holdMs` after it is given,
   * waiting no later than `until` (epoch ms): ok with its id once the request may go, not ok when none
   * came in time.
   */
  async enter(
    workspaceId: string,
    connection: string,
    limit: number,
    holdMs: number,
    until: number,
  ): Promise<{ ok: true; id: number; waitedMs: number } | { ok: false; waitedMs: number }> {
    const store = this.deps.inFlight;
    if (!store) throw new Error('a connection capped in flight runs with a store of its leases');
    const started = this.now();
    const random = this.deps.random ?? Math.random;
    let pause = IN_FLIGHT_FIRST_PAUSE_MS;
    for (;;) {
      const id = await store.acquire(workspaceId, connection, limit, this.now() + holdMs, this.now());
      if (id !== undefined) return { ok: true, id, waitedMs: this.now() - started };
      const wait = Math.ceil(pause / 2 + (random() * pause) / 2);
      if (this.now() + wait >= until) return { ok: false, waitedMs: this.now() - started };
      await this.sleep(wait);
      pause = Math.min(IN_FLIGHT_MAX_PAUSE_MS, pause * 2);
    }
  }

  /** Give a lease back. A failure to is not the card's: the lease lapses at its expiry. */
  async leave(workspaceId: string, connection: string, id: number): Promise<void> {
    try {
      await this.deps.inFlight?.release(workspaceId, connection, id);
    } catch {
      // Lapses by itself.
    }
  }
}

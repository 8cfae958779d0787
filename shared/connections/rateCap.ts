/**
 * A connection's rate cap (issue 20): at most `perSecond` requests to the brand in any calendar second,
 * counted fleet-wide in the table (one counter per connection and second: the `RateWindowStore`). A
 * card asks for a slot: the counter's new value k gives it the k-th of the second's `perSecond` evenly
 * spaced start times, so the calls of a second are spread across it rather than sent at its first
 * millisecond. Past `perSecond`, the second is full and the card takes a slot of the next one, and so
 * on: it waits its turn instead of failing, up to a limit, while the executor's other jobs go on and the
 * queue holds what the executor has not taken yet, so a burst drains at the brand's pace
 * (docs/DEPLOY.md, "Capacity when a broadcast lands").
 *
 * A slot whose start has passed by the time it is given (a busy process, a slow answer from the
 * table) is used only while its second lasts (20 ms kept in hand for the request to reach the brand);
 * otherwise it is dropped and a later one taken: a slot may go unused, never one too many.
 * Each process remembers the last second it found full, so waiting cards do not ask for it again.
 */

/** Counts a request toward a connection's second; answers the count with it (shared/store/connections.ts). */
export interface RateWindowStore {
  take(workspaceId: string, connection: string, second: number): Promise<number>;
}

/** How long a card waits for a slot at most before it fails (reason `timeout`, not the brand's failure). */
export const RATE_CAP_MAX_WAIT_MS = 30_000;
/** What a slot must leave of its second for the request to reach the brand within it. */
const END_MARGIN_MS = 20;
/** Connections whose full second this process remembers (then it forgets them all at once). */
const FULL_MEMORY = 4_096;

export class RateCap {
  private readonly full = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: { windows: RateWindowStore; now?: () => number; sleep?: (ms: number) => Promise<void> }) {
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
      const at = second * 1000 + Math.floor(((k - 1) * 1000) / perSecond);
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
}

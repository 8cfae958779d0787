/**
 * What this process read of items the webhooks read on every delivery (channels, Messenger apps), so a
 * read within a few seconds of the last one costs no round trip. Writes through the same process
 * forget the item at once; another process's change is seen once the entry is older than the age the
 * caller accepts. Bounded: the oldest entry goes when it is full (a bound, not a working set).
 */
export class RecentReads<T> {
  private readonly entries = new Map<string, { value: T; readAt: number }>();

  constructor(private readonly max = 1_000) {}

  /** Remember what a read found; a read that found nothing forgets the key. */
  note(key: string, value: T | undefined, now = Date.now()): void {
    if (value === undefined) {
      this.entries.delete(key);
      return;
    }
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value ?? '');
    this.entries.set(key, { value, readAt: now });
  }

  /** The value read within the last `maxAgeMs`, or undefined. */
  peek(key: string, maxAgeMs: number, now = Date.now()): T | undefined {
    const entry = this.entries.get(key);
    return entry && now - entry.readAt < maxAgeMs ? entry.value : undefined;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

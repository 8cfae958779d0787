import { RateCap, type RateWindowStore } from '../../../../shared/connections/rateCap';

/** The table's counter per connection and second, in memory, counting every ask. */
class Windows implements RateWindowStore {
  readonly counts = new Map<string, number>();
  asks = 0;
  async take(workspaceId: string, connection: string, second: number): Promise<number> {
    this.asks += 1;
    const key = `${workspaceId}/${connection}/${second}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }
}

function clock(start: number) {
  let now = start;
  return { now: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => void (now += ms) };
}

test("the k-th slot of a second starts at k/perSecond of its first 850 ms (150 ms left for the request's way to the brand); past perSecond the next second", async () => {
  const windows = new Windows();
  const time = clock(10_000_000); // the start of second 10000
  const cap = new RateCap({ windows, ...time });
  const starts: number[] = [];
  for (let i = 0; i < 9; i += 1) {
    const slot = await cap.take('ws', 'bank', 4, time.now() + 30_000);
    expect(slot.ok).toBe(true);
    starts.push(time.now() - 10_000_000);
  }
  expect(starts).toEqual([0, 212, 425, 637, 1000, 1212, 1425, 1637, 2000]);
  // Per calendar second, never more than 4.
  const perSecond = new Map<number, number>();
  for (const start of starts) perSecond.set(Math.floor(start / 1000), (perSecond.get(Math.floor(start / 1000)) ?? 0) + 1);
  expect([...perSecond.values()]).toEqual([4, 4, 1]);
});

test('many callers at once each get their own start time; none past the limit given', async () => {
  const windows = new Windows();
  const time = clock(20_000_000);
  const cap = new RateCap({ windows, ...time });
  // Five callers ask before anyone waits: slots 1..2 of this second, then 1..2 of the next (the last
  // starting at 1.425 s), and the fifth none before the limit, 1.6 s.
  const asked = await Promise.all(Array.from({ length: 5 }, () => cap.take('ws', 'shop', 2, 20_001_600)));
  expect(asked.map((slot) => slot.ok)).toEqual([true, true, true, true, false]);
});

test('a slot given too late to reach the brand within its second is left unused, and a later one taken', async () => {
  const windows = new Windows();
  const time = clock(30_000_990); // 10 ms before the end of second 30000: too late for it
  const cap = new RateCap({ windows, ...time });
  expect(await cap.take('ws', 'bank', 10, time.now() + 5_000)).toEqual({ ok: true, waitedMs: 10 });
  expect([...windows.counts.keys()]).toEqual(['ws/bank/30001']);
  // A slow table: the slot's start passed and its second ended while the count came back.
  let slowOnce = true;
  const slow: RateWindowStore = {
    take: async (...args) => {
      const k = await windows.take(...args);
      if (slowOnce) time.advance(1_000);
      slowOnce = false;
      return k;
    },
  };
  const late = new RateCap({ windows: slow, ...time });
  expect((await late.take('ws', 'bank', 10, time.now() + 5_000)).ok).toBe(true);
  expect(windows.counts.get('ws/bank/30001')).toBe(2);
  expect(windows.counts.get('ws/bank/30002')).toBe(1);
});

test('a second found full is not asked about again by this process; other connections and workspaces count apart', async () => {
  const windows = new Windows();
  const time = clock(40_000_000);
  const cap = new RateCap({ windows, ...time });
  await cap.take('ws', 'bank', 1, time.now() + 10);
  expect((await cap.take('ws', 'bank', 1, time.now() + 10)).ok).toBe(false);
  const asks = windows.asks;
  expect((await cap.take('ws', 'bank', 1, time.now() + 10)).ok).toBe(false);
  expect(windows.asks).toBe(asks);
  expect((await cap.take('ws', 'shop', 1, time.now() + 10)).ok).toBe(true);
  expect((await cap.take('other-ws', 'bank', 1, time.now() + 10)).ok).toBe(true);
});

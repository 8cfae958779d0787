import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendLine, startFakeBrand, startTestStack, transcript, waitForLineCalls, type FakeBrand } from '../support/localStackHarness';

/**
 * A connection's rate cap (issue 20) on the local stack: 40 customers tap at once, the brand is capped
 * at 8 requests a second. The brand never sees more than 8 in a calendar second, no turn fails for it
 * (each waits for its slot), and every customer gets the flow's answer. And capped in flight: 12
 * customers at once against a connection capped at 3 in flight, its brand taking 300 ms to answer:
 * the brand never has more than 3 requests at once, and every turn is answered.
 */

const CAP = 8;
const CUSTOMERS = 40;
const IN_FLIGHT = 3;
const SLOW_CUSTOMERS = 12;

describe('a rate-capped connection, on the local stack', () => {
  let stack: LocalStack;
  let brand: FakeBrand;
  let admin: AdminClient;
  const perSecond = new Map<number, number>();
  let inFlight = 0;
  let mostInFlight = 0;

  beforeAll(async () => {
    brand = await startFakeBrand((req, res) => {
      if (req.url?.startsWith('/slow')) {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        setTimeout(() => {
          inFlight -= 1;
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"stock":5}');
        }, 300);
        return;
      }
      const second = Math.floor(Date.now() / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"stock":3}');
    });
    stack = await startTestStack({ extraAllowHttpHosts: [brand.host] });
    admin = adminClient(stack, stack.demo.adminKey);
    expect(
      (await admin.call('PUT', '/admin/connections/shop', { baseUrl: { production: brand.url }, rateCap: { perSecond: CAP } })).status,
    ).toBe(200);
    const flow = {
      schemaVersion: 1,
      name: 'stock',
      triggers: [{ type: 'keyword', keywords: ['stock'], start: 'stock' }],
      blocks: {
        stock: { type: 'callApi', request: { connection: 'shop', url: '/stock' }, retry: false, onSuccess: 'said', onFailure: 'failed' },
        said: { type: 'message', messages: [{ type: 'text', text: '{{ response.body.stock }} left' }] },
        failed: { type: 'message', messages: [{ type: 'text', text: 'Failed: {{ failure.reason }}' }] },
      },
    };
    expect((await admin.call('POST', '/admin/flows', { flowId: 'stock', flow })).status).toBe(201);
    expect(
      (
        await admin.call('POST', '/admin/flows/stock/publish', {
          version: 1,
          channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
        })
      ).status,
    ).toBe(200);
    expect(
      (await admin.call('PUT', '/admin/connections/slow-shop', { baseUrl: { production: brand.url }, rateCap: { inFlight: IN_FLIGHT } }))
        .status,
    ).toBe(200);
    const slowFlow = {
      schemaVersion: 1,
      name: 'slow stock',
      triggers: [{ type: 'keyword', keywords: ['slow'], start: 'stock' }],
      blocks: {
        stock: {
          type: 'callApi',
          request: { connection: 'slow-shop', url: '/slow' },
          retry: false,
          onSuccess: 'said',
          onFailure: 'failed',
        },
        said: { type: 'message', messages: [{ type: 'text', text: '{{ response.body.stock }} left, slowly' }] },
        failed: { type: 'message', messages: [{ type: 'text', text: 'Failed: {{ failure.reason }}' }] },
      },
    };
    expect((await admin.call('POST', '/admin/flows', { flowId: 'slowStock', flow: slowFlow })).status).toBe(201);
    expect(
      (
        await admin.call('POST', '/admin/flows/slowStock/publish', {
          version: 1,
          channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
        })
      ).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await stack?.stop();
    await brand?.close();
  });

  test(`${CUSTOMERS} customers at once against a brand capped at ${CAP}/s: never more than ${CAP} in a second, every turn answered`, async () => {
    const started = Date.now();
    const sent = await Promise.all(
      Array.from({ length: CUSTOMERS }, (_, i) => sendLine(stack, { type: 'text', text: 'stock' }, { userId: `U-capped-${i}` })),
    );
    const tokens = new Set(sent.map((s) => s.replyToken));
    const answered = (calls: LineCall[]) => calls.filter((c) => c.kind === 'reply' && tokens.has(c.replyToken ?? ''));
    const calls = await waitForLineCalls(stack, (all) => answered(all).length === CUSTOMERS, 30_000);
    await stack.idle();
    expect(transcript(answered(calls).flatMap((c) => c.messages ?? []))).toEqual(Array(CUSTOMERS).fill('3 left'));
    expect(brand.requests).toHaveLength(CUSTOMERS);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(CAP);
    // 40 requests at 8 a second take at least four seconds boundaries to pass.
    expect(perSecond.size).toBeGreaterThanOrEqual(Math.ceil(CUSTOMERS / CAP));
    console.log(
      `rate cap: ${CUSTOMERS} turns in ${Date.now() - started} ms; brand requests per second: ${[...perSecond.values()].join(', ')}`,
    );
  }, 60_000);

  test(`${SLOW_CUSTOMERS} customers at once against a brand capped at ${IN_FLIGHT} in flight, taking 300 ms: never more than ${IN_FLIGHT} at once, every turn answered`, async () => {
    const started = Date.now();
    const before = brand.requests.length;
    const sent = await Promise.all(
      Array.from({ length: SLOW_CUSTOMERS }, (_, i) => sendLine(stack, { type: 'text', text: 'slow' }, { userId: `U-in-flight-${i}` })),
    );
    const tokens = new Set(sent.map((s) => s.replyToken));
    const answered = (calls: LineCall[]) => calls.filter((c) => c.kind === 'reply' && tokens.has(c.replyToken ?? ''));
    const calls = await waitForLineCalls(stack, (all) => answered(all).length === SLOW_CUSTOMERS, 30_000);
    await stack.idle();
    expect(transcript(answered(calls).flatMap((c) => c.messages ?? []))).toEqual(Array(SLOW_CUSTOMERS).fill('5 left, slowly'));
    expect(brand.requests.length - before).toBe(SLOW_CUSTOMERS);
    expect(mostInFlight).toBe(IN_FLIGHT);
    // 12 requests of 300 ms, 3 at a time: at least four rounds.
    expect(Date.now() - started).toBeGreaterThanOrEqual((SLOW_CUSTOMERS / IN_FLIGHT) * 300);
    console.log(`rate cap in flight: ${SLOW_CUSTOMERS} turns in ${Date.now() - started} ms; most at the brand at once: ${mostInFlight}`);
  }, 60_000);
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { MAX_ATTEMPTS } from '../../shared/engine/callApi';
import { flowSchema, type FailureReason } from '../../shared/flow/schema';
import {
  sendLine,
  startFakeBrand,
  startTestStack,
  transcript,
  waitForLineCalls,
  type CustomerAction,
  type FakeBrand,
} from '../support/localStackHarness';

/**
 * Issue 25, end to end on the local stack: a failed card's blocks see why (`failure.reason`,
 * `failure.status`, `failure.attempts`, and `response` when one came), and the card routes by status
 * (`onStatus`) and reason (`onReason`) before `onFailure`. Each brand here has its own origin, so that
 * one test's failures never open another's circuit.
 */
type Behaviour = (send: (status: number, body: string | Buffer, headers?: Record<string, string>) => void, destroy: () => void) => void;

describe('a failed card: failure.* and routing by status and reason, on the local stack', () => {
  let stack: LocalStack;
  const brands: Record<'lab' | 'down' | 'tripped' | 'routes', { brand: FakeBrand; behaviour: Record<string, Behaviour> }> = {} as never;

  beforeAll(async () => {
    for (const name of ['lab', 'down', 'tripped', 'routes'] as const) {
      const entry: { brand?: FakeBrand; behaviour: Record<string, Behaviour> } = { behaviour: {} };
      entry.brand = await startFakeBrand((req, res) => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        const send = (status: number, out: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
          if (!res.writableEnded) {
            res.writeHead(status, headers);
            res.end(out);
          }
        };
        const behaviour = entry.behaviour[path];
        if (behaviour) behaviour(send, () => req.socket.destroy());
        else send(404, '{"error":"no such path"}');
      });
      brands[name] = { brand: entry.brand, behaviour: entry.behaviour };
    }
    stack = await startTestStack({ extraAllowHttpHosts: Object.values(brands).map((b) => b.brand.host) });
  });

  afterAll(async () => {
    await stack.stop();
    for (const { brand } of Object.values(brands)) await brand.close();
  });

  beforeEach(async () => {
    await stack.idle();
    stack.lineStandIn.reset();
  });

  async function say(userId: string, action: CustomerAction, channel: { channelId: string; secret: string }): Promise<string[]> {
    const before = stack.lineStandIn.calls().length;
    const sent = await sendLine(stack, action, { userId, ...channel });
    expect(sent.status).toBe(200);
    const isAnswer = (c: LineCall) => (c.kind === 'reply' && c.replyToken === sent.replyToken) || (c.kind === 'push' && c.to === userId);
    await waitForLineCalls(stack, (calls) => calls.slice(before).some(isAnswer), 15_000);
    await stack.idle();
    return transcript(
      stack.lineStandIn
        .calls()
        .slice(before)
        .filter(isAnswer)
        .flatMap((c) => c.messages ?? []),
    );
  }

  let channels = 0;
  async function channelFor(
    blocks: Record<string, unknown>,
    triggers: unknown[] = [{ type: 'keyword', keywords: ['go'], start: 'card' }],
  ): Promise<{ channelId: string; secret: string }> {
    channels += 1;
    const channelId = `reasons-${channels}`;
    const flow = flowSchema.parse({ schemaVersion: 1, name: 'reasons', triggers, blocks });
    await stack.store.flows.putVersion('lab', channelId, 1, flow);
    await stack.store.channels.put({
      workspaceId: 'lab',
      kind: 'line',
      channelId,
      secret: `${channelId}-secret`,
      accessToken: 'lab-token',
      name: '',
      activeFlow: { flowId: channelId, version: 1 },
    });
    return { channelId, secret: `${channelId}-secret` };
  }

  /** A card whose failure block says everything it sees. */
  const FAILED =
    'failed: {{ failure.reason }} | status {{ failure.status | default: "-" }} | attempts {{ failure.attempts }} | response {{ response.status | default: "-" }}';
  const cardBlocks = (card: Record<string, unknown>) => ({
    card: { type: 'callApi', retry: false, onSuccess: 'ok', onFailure: 'failed', ...card },
    ok: { type: 'message', messages: [{ type: 'text', text: 'ok' }] },
    failed: { type: 'message', messages: [{ type: 'text', text: FAILED }] },
  });
  const said = (reason: FailureReason, status: number | '-', attempts: number) => [
    `failed: ${reason} | status ${status} | attempts ${attempts} | response ${status}`,
  ];

  async function logReasons(channelId: string): Promise<Array<string | undefined>> {
    const page = await stack.store.executionLog.page('lab', { flowId: channelId, blockId: 'card' });
    return page.items.map((entry) => entry.reason);
  }

  describe('each reason reaches the failure block with its documented value', () => {
    const lab = () => brands.lab;

    test('a 404: http_4xx, with the status and the answer', async () => {
      lab().behaviour['/orders/A123'] = (send) => send(404, '{"error":"no such order"}');
      const channel = await channelFor({
        ...cardBlocks({ request: { url: `${lab().brand.url}/orders/A123` } }),
        failed: { type: 'message', messages: [{ type: 'text', text: `${FAILED} | {{ response.body.error }}` }] },
      });
      expect(await say('U-r-404', { type: 'text', text: 'go' }, channel)).toEqual([`${said('http_4xx', 404, 1)[0]} | no such order`]);
      // The execution log keeps its finer reason.
      expect(await logReasons(channel.channelId)).toEqual(['http_404']);
    });

    test('a 500: http_5xx', async () => {
      lab().behaviour['/boom'] = (send) => send(500, '{"error":"boom"}');
      const channel = await channelFor(cardBlocks({ request: { url: `${lab().brand.url}/boom` } }));
      expect(await say('U-r-500', { type: 'text', text: 'go' }, channel)).toEqual(said('http_5xx', 500, 1));
      expect(await logReasons(channel.channelId)).toEqual(['http_500']);
    });

    test('a timeout: no status, no response', async () => {
      lab().behaviour['/slow'] = (send) => setTimeout(() => send(200, '{}'), 1_500);
      const channel = await channelFor(cardBlocks({ request: { url: `${lab().brand.url}/slow` }, timeoutMs: 300 }));
      expect(await say('U-r-timeout', { type: 'text', text: 'go' }, channel)).toEqual(said('timeout', '-', 1));
    });

    test('a reset connection: network', async () => {
      lab().behaviour['/reset'] = (_send, destroy) => destroy();
      const channel = await channelFor(cardBlocks({ request: { url: `${lab().brand.url}/reset` } }));
      expect(await say('U-r-reset', { type: 'text', text: 'go' }, channel)).toEqual(said('network', '-', 1));
      expect(await logReasons(channel.channelId)).toEqual(['network']);
    });

    test('invalid JSON: invalid_json, with the status', async () => {
      lab().behaviour['/broken'] = (send) => send(200, '{"value": oops');
      const channel = await channelFor(cardBlocks({ request: { url: `${lab().brand.url}/broken` } }));
      expect(await say('U-r-json', { type: 'text', text: 'go' }, channel)).toEqual(said('invalid_json', 200, 1));
      expect(await logReasons(channel.channelId)).toEqual(['invalid_response: body is not valid JSON']);
    });

    test('an oversized answer: too_large', async () => {
      lab().behaviour['/huge'] = (send) => send(200, Buffer.alloc(1_100_000, 'a'), { 'content-type': 'text/plain' });
      const channel = await channelFor(cardBlocks({ request: { url: `${lab().brand.url}/huge` } }));
      expect(await say('U-r-huge', { type: 'text', text: 'go' }, channel)).toEqual(said('too_large', '-', 1));
    });

    test('a guarded address (a templated host that is private): guard, nothing connected', async () => {
      const channel = await channelFor(cardBlocks({ request: { url: 'https://{% if true %}10.0.0.1{% endif %}/orders' } }));
      expect(await say('U-r-guard', { type: 'text', text: 'go' }, channel)).toEqual(said('guard', '-', 1));
      expect(await logReasons(channel.channelId)).toEqual(['blocked']);
    });

    test('an open circuit: circuit_open, no attempt', async () => {
      const tripped = brands.tripped;
      tripped.behaviour['/data'] = (send) => send(503, '');
      const channel = await channelFor(cardBlocks({ request: { url: `${tripped.brand.url}/data` } }));
      // Five failed cards in a row open the origin's circuit (README "Brand down, and cache").
      for (let i = 0; i < 5; i++)
        expect(await say(`U-r-trip-${i}`, { type: 'text', text: 'go' }, channel)).toEqual(said('http_5xx', 503, 1));
      const calls = tripped.brand.requests.length;
      expect(await say('U-r-trip-open', { type: 'text', text: 'go' }, channel)).toEqual(said('circuit_open', '-', 0));
      expect(tripped.brand.requests.length).toBe(calls);
    });
  });

  describe('routing: exact status, then reason, then onFailure', () => {
    const routes = () => brands.routes;
    const routed = () =>
      channelFor(
        {
          card: {
            type: 'callApi',
            retry: false,
            timeoutMs: 300,
            request: { url: `${routes().brand.url}/orders/{{ trigger.text | split: " " | last }}` },
            onSuccess: 'found',
            onStatus: { '404': 'not_found' },
            onReason: { timeout: 'try_later', http_4xx: 'bad_request' },
            onFailure: 'down',
          },
          found: { type: 'message', messages: [{ type: 'text', text: 'Order {{ response.body.id }}' }] },
          not_found: { type: 'message', messages: [{ type: 'text', text: 'Sorry, no order {{ trigger.text | split: " " | last }}.' }] },
          try_later: { type: 'message', messages: [{ type: 'text', text: 'We are slow right now: please try again in a minute.' }] },
          bad_request: {
            type: 'message',
            messages: [{ type: 'text', text: 'That order number does not look right ({{ failure.status }}).' }],
          },
          down: { type: 'message', messages: [{ type: 'text', text: 'Our order system is down ({{ failure.reason }}).' }] },
        },
        [{ type: 'keyword', match: 'contains', keywords: ['order'], start: 'card' }],
      );

    test('404 → onStatus, 400 → onReason http_4xx, a timeout → onReason, a 500 → onFailure, a 200 → onSuccess', async () => {
      routes().behaviour['/orders/A123'] = (send) => send(404, '{"error":"no such order"}');
      routes().behaviour['/orders/B-0'] = (send) => send(400, '{"error":"bad id"}');
      routes().behaviour['/orders/SLOW'] = (send) => setTimeout(() => send(200, '{"id":"SLOW"}'), 1_500);
      routes().behaviour['/orders/C9'] = (send) => send(500, '');
      routes().behaviour['/orders/OK1'] = (send) => send(200, '{"id":"OK1"}');
      const channel = await routed();
      const go = (text: string) => ({ type: 'text' as const, text: `order ${text}` });
      expect(await say('U-route-404', go('A123'), channel)).toEqual(['Sorry, no order A123.']);
      expect(await say('U-route-400', go('B-0'), channel)).toEqual(['That order number does not look right (400).']);
      expect(await say('U-route-slow', go('SLOW'), channel)).toEqual(['We are slow right now: please try again in a minute.']);
      expect(await say('U-route-500', go('C9'), channel)).toEqual(['Our order system is down (http_5xx).']);
      expect(await say('U-route-ok', go('OK1'), channel)).toEqual(['Order OK1']);
    });
  });

  describe('retry: true makes the documented number of attempts', () => {
    test(`with the brand down, ${MAX_ATTEMPTS} attempts in all, as README's "Retries" says`, async () => {
      const down = brands.down;
      down.behaviour['/data'] = (send) => send(503, '{"error":"down"}');
      const channel = await channelFor(cardBlocks({ request: { url: `${down.brand.url}/data` }, retry: true }));
      const before = down.brand.requests.length;
      expect(await say('U-r-retries', { type: 'text', text: 'go' }, channel)).toEqual(said('http_5xx', 503, MAX_ATTEMPTS));
      expect(down.brand.requests.length - before).toBe(MAX_ATTEMPTS);
      // What README promises is what happens: "up to N more attempts (M in all)".
      const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
      const promise = /up to (\d+) more attempts \((\d+) in all\)/.exec(readme);
      expect(promise?.slice(1).map(Number)).toEqual([MAX_ATTEMPTS - 1, MAX_ATTEMPTS]);
    });
  });
});

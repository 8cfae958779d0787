import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { flowSchema, type FlowInput } from '../../shared/flow/schema';
import {
  sendLine,
  sentMessages,
  startFakeBrand,
  startTestStack,
  transcript,
  waitForLineCalls,
  type CustomerAction,
  type FakeBrand,
} from '../support/localStackHarness';

/**
 * The card's failure paths and delivery guarantees, end to end on the local stack: each test asserts
 * the exact messages the LINE stand-in received, in order. (The three scenarios, on both channels, are
 * in threeScenarios.test.ts.)
 */
describe('the Call an API card on LINE: failure paths and delivery', () => {
  let stack: LocalStack;
  let lab: FakeBrand;
  /** What the lab brand does next, per path; tests set it. */
  let labBehaviour: Record<
    string,
    (send: (status: number, body: string, headers?: Record<string, string>) => void, body: string, n: number) => void
  > = {};

  beforeAll(async () => {
    lab = await startFakeBrand((req, res, body, n) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const behaviour = labBehaviour[path];
      const send = (status: number, out: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
        if (!res.writableEnded) {
          res.writeHead(status, headers);
          res.end(out);
        }
      };
      if (behaviour) behaviour(send, body, n);
      else send(404, '{"error":"no such path"}');
    });
    stack = await startTestStack({ extraAllowHttpHosts: [lab.host] });
  });

  afterAll(async () => {
    await stack.stop();
    await lab.close();
  });

  beforeEach(async () => {
    await stack.idle();
    stack.lineStandIn.reset();
    lab.requests.length = 0;
    labBehaviour = {};
  });

  /** Say something as a customer and wait for the bot's answer (reply or push) to it. */
  async function say(userId: string, action: CustomerAction, channel?: { channelId: string; secret: string }): Promise<string[]> {
    const before = stack.lineStandIn.calls().length;
    const sent = await sendLine(stack, action, { userId, ...(channel ?? {}) });
    expect(sent.status).toBe(200);
    const isAnswer = (c: LineCall) => (c.kind === 'reply' && c.replyToken === sent.replyToken) || (c.kind === 'push' && c.to === userId);
    await waitForLineCalls(stack, (calls) => calls.slice(before).some(isAnswer));
    await stack.idle();
    return transcript(
      stack.lineStandIn
        .calls()
        .slice(before)
        .filter(isAnswer)
        .flatMap((c) => c.messages ?? []),
    );
  }

  function answerCalls(from: number): LineCall[] {
    return stack.lineStandIn
      .calls()
      .slice(from)
      .filter((c) => c.kind !== 'loading');
  }

  let labChannels = 0;
  /** A channel of its own running `flow`, for cards calling the scripted lab brand. */
  async function labChannel(flow: FlowInput): Promise<{ channelId: string; secret: string }> {
    labChannels += 1;
    const channelId = `lab-${labChannels}`;
    await stack.store.flows.putVersion('lab', channelId, 1, flowSchema.parse(flow));
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

  const cardFlow = (card: Record<string, unknown>, extraBlocks: Record<string, unknown> = {}): FlowInput =>
    flowSchema.parse({
      schemaVersion: 1,
      name: 'lab',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
      blocks: {
        card: { type: 'callApi', onSuccess: 'ok', onFailure: 'failed', ...card },
        ok: { type: 'message', messages: [{ type: 'text', text: 'ok: {{ response.body.value }}' }] },
        failed: { type: 'message', messages: [{ type: 'text', text: 'The brand could not answer.' }] },
        ...extraBlocks,
      },
    });

  describe('order on LINE', () => {
    test('messages before and after a card go out in flow order, in one reply, after one loading animation', async () => {
      labBehaviour['/member'] = (send) => send(200, '{"value":"Chen Mei-Ling"}');
      labBehaviour['/tickets'] = (send) => send(200, '{"value":"2 tickets"}');
      // card → message block → card → message: the greeting and the tickets share one reply.
      const flow = cardFlow(
        { request: { url: `${lab.url}/member` }, onSuccess: 'greet' },
        {
          greet: { type: 'message', messages: [{ type: 'text', text: 'Thank you, {{ response.body.value }}.' }], next: 'tickets' },
          tickets: { type: 'callApi', request: { url: `${lab.url}/tickets` }, onSuccess: 'ok', onFailure: 'failed' },
        },
      );
      const channel = await labChannel(flow);
      const from = stack.lineStandIn.calls().length;
      expect(await say('U-order', { type: 'text', text: 'go' }, channel)).toEqual(['Thank you, Chen Mei-Ling.', 'ok: 2 tickets']);
      expect(
        stack.lineStandIn
          .calls()
          .slice(from)
          .map((c) => c.kind),
      ).toEqual(['loading', 'reply']);
    });
  });

  describe('failure paths reach the customer', () => {
    test('500 → failure block', async () => {
      labBehaviour['/data'] = (send) => send(500, '{"error":"boom"}');
      const channel = await labChannel(cardFlow({ request: { url: `${lab.url}/data` }, retry: false }));
      expect(await say('U-fail-500', { type: 'text', text: 'go' }, channel)).toEqual(['The brand could not answer.']);
    });

    test('timeout → failure block', async () => {
      labBehaviour['/slow'] = (send) => setTimeout(() => send(200, '{"value":"late"}'), 1_500);
      const channel = await labChannel(cardFlow({ request: { url: `${lab.url}/slow` }, timeoutMs: 300, retry: false }));
      expect(await say('U-fail-timeout', { type: 'text', text: 'go' }, channel)).toEqual(['The brand could not answer.']);
    });

    test('invalid JSON → failure block', async () => {
      labBehaviour['/broken'] = (send) => send(200, '{"value": oops');
      const channel = await labChannel(cardFlow({ request: { url: `${lab.url}/broken` } }));
      expect(await say('U-fail-json', { type: 'text', text: 'go' }, channel)).toEqual(['The brand could not answer.']);
    });

    test('brand-returned messages: valid ones are sent as they are, invalid ones go to the failure block', async () => {
      labBehaviour['/messages'] = (send) =>
        send(
          200,
          JSON.stringify({
            messages: [
              { type: 'text', text: 'Hi from the brand {{ not a template }}' },
              { type: 'image', url: 'https://example.com/a.png' },
            ],
          }),
        );
      const good = await labChannel(cardFlow({ request: { url: `${lab.url}/messages` }, expect: 'messages' }, { ok: { type: 'end' } }));
      expect(await say('U-brand-msgs', { type: 'text', text: 'go' }, good)).toEqual([
        'Hi from the brand {{ not a template }}',
        JSON.stringify({ type: 'image', originalContentUrl: 'https://example.com/a.png', previewImageUrl: 'https://example.com/a.png' }),
      ]);

      labBehaviour['/messages'] = (send) => send(200, JSON.stringify({ messages: [{ type: 'video', url: 'x' }] }));
      const bad = await labChannel(cardFlow({ request: { url: `${lab.url}/messages` }, expect: 'messages' }, { ok: { type: 'end' } }));
      expect(await say('U-brand-bad', { type: 'text', text: 'go' }, bad)).toEqual(['The brand could not answer.']);
    });

    test("no failure block configured → the default apology in the workspace's language, never silence; the flow's texts reword it", async () => {
      labBehaviour['/data'] = (send) => send(503, '');
      const flow = cardFlow({ request: { url: `${lab.url}/data` }, retry: false });
      const card = flow.blocks.card;
      if (card?.type === 'callApi') delete card.onFailure;
      const channel = await labChannel(flow);
      // A workspace that never chose a language (like this one) speaks Traditional Chinese.
      expect(await say('U-fail-default', { type: 'text', text: 'go' }, channel)).toEqual(['抱歉，系統暫時出了點問題，請稍後再試一次。']);
      const reworded = await labChannel({ ...flow, texts: { failure: 'Our booking system is resting. Please try again soon!' } });
      try {
        await stack.store.workspaceSettings.put('lab', { language: 'en' });
        expect(await say('U-fail-default-en', { type: 'text', text: 'go' }, channel)).toEqual([
          'Sorry, something went wrong on our side. Please try again in a moment.',
        ]);
        expect(await say('U-fail-reworded', { type: 'text', text: 'go' }, reworded)).toEqual([
          'Our booking system is resting. Please try again soon!',
        ]);
      } finally {
        await stack.store.workspaceSettings.put('lab', {});
      }
    });

    test("a flow without cards re-asks in the workspace's language too", async () => {
      const channel = await labChannel({
        schemaVersion: 1,
        name: 'ask',
        triggers: [{ type: 'keyword', keywords: ['go'], start: 'ask' }],
        blocks: {
          ask: { type: 'question', prompt: '請問您的 Email？', input: { type: 'email' }, saveAs: 'email', next: 'thanks' },
          thanks: { type: 'message', messages: [{ type: 'text', text: '謝謝！' }] },
        },
      });
      expect(await say('U-reask', { type: 'text', text: 'go' }, channel)).toEqual(['請問您的 Email？']);
      expect(await say('U-reask', { type: 'text', text: 'not an email' }, channel)).toEqual(['抱歉，我沒有看懂您的回覆。請問您的 Email？']);
      try {
        await stack.store.workspaceSettings.put('lab', { language: 'en' });
        expect(await say('U-reask', { type: 'text', text: 'still not' }, channel)).toEqual(['Sorry, I did not get that. 請問您的 Email？']);
      } finally {
        await stack.store.workspaceSettings.put('lab', {});
      }
    });

    test('a customer answer that tries to break out of the JSON payload arrives as one string value', async () => {
      labBehaviour['/signup'] = (send) => send(200, '{"value":"saved"}');
      const channel = await labChannel(
        flowSchema.parse({
          schemaVersion: 1,
          name: 'signup',
          triggers: [{ type: 'keyword', keywords: ['go'], start: 'ask' }],
          blocks: {
            ask: { type: 'question', prompt: 'Name?', input: { type: 'text' }, saveAs: 'name', next: 'card' },
            card: {
              type: 'callApi',
              request: {
                method: 'POST',
                url: `${lab.url}/signup`,
                body: { type: 'json', value: { name: '{{ attributes.name }}', admin: false } },
              },
              onSuccess: 'ok',
            },
            ok: { type: 'message', messages: [{ type: 'text', text: 'ok: {{ response.body.value }}' }] },
          },
        }),
      );
      const attack = '"}, "admin": true, "x": {"';
      await say('U-injector', { type: 'text', text: 'go' }, channel);
      expect(await say('U-injector', { type: 'text', text: attack }, channel)).toEqual(['ok: saved']);
      const received = JSON.parse(lab.requests.find((r) => r.url === '/signup')?.body ?? '{}');
      expect(received).toEqual({ name: attack, admin: false });
    });
  });

  describe('delivery guarantees', () => {
    test('LINE failing a reply with 500: the reply is asked again at once with the token, and lands once', async () => {
      labBehaviour['/data'] = (send) => send(200, '{"value":"fresh"}');
      const channel = await labChannel(cardFlow({ request: { url: `${lab.url}/data` } }));
      stack.lineStandIn.failNext('reply', 1, 500);
      const started = Date.now();
      expect(await say('U-reply-500', { type: 'text', text: 'go' }, channel)).toEqual(['ok: fresh']);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(stack.lineStandIn.calls().filter((c) => c.to === 'U-reply-500' && c.kind === 'push')).toHaveLength(0);
    });

    test('LINE accepting a reply but answering 500: asked again, the spent token proves it landed, nothing is pushed', async () => {
      labBehaviour['/data'] = (send) => send(200, '{"value":"fresh"}');
      const channel = await labChannel(cardFlow({ request: { url: `${lab.url}/data` } }));
      stack.lineStandIn.failNext('reply', 1, 500, { afterAccepting: true });
      const before = stack.lineStandIn.calls().length;
      expect(await say('U-reply-500-accepted', { type: 'text', text: 'go' }, channel)).toEqual(['ok: fresh']);
      expect(answerCalls(before).map((c) => c.kind)).toEqual(['reply']);
    });

    test('a job whose delivery fails is retried from its outbox: one answer, the brand called once, the session where the turn left it', async () => {
      labBehaviour['/data'] = (send) => send(200, '{"value":"once"}');
      const channel = await labChannel(
        flowSchema.parse({
          schemaVersion: 1,
          name: 'retry',
          triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
          blocks: {
            card: { type: 'callApi', request: { url: `${lab.url}/data` }, onSuccess: 'ask' },
            ask: { type: 'question', prompt: 'ok: {{ response.body.value }}. Your name?', input: { type: 'text' }, saveAs: 'name' },
          },
        }),
      );
      // The reply and three pushes fail: the job fails and comes back after the visibility timeout.
      stack.lineStandIn.failNext('reply', 1, 500);
      stack.lineStandIn.failNext('push', 3, 500);
      expect(await say('U-redelivered', { type: 'text', text: 'go' }, channel)).toEqual(['ok: once. Your name?']);
      expect(lab.requests.filter((r) => r.url === '/data')).toHaveLength(1);
      expect(
        await stack.store.customers.getSession({ channelKind: 'line', channelId: channel.channelId, userId: 'U-redelivered' }),
      ).toMatchObject({ waitingOn: 'ask', attempts: 0 });
    }, 20_000);

    test('an answer to a question of an older flow version is still queued after a publish without questions', async () => {
      const channel = await labChannel(
        flowSchema.parse({
          schemaVersion: 1,
          name: 'v1',
          triggers: [{ type: 'keyword', keywords: ['go'], start: 'ask' }],
          blocks: {
            ask: { type: 'question', prompt: 'Name?', input: { type: 'text' }, saveAs: 'name', next: 'thanks' },
            thanks: { type: 'message', messages: [{ type: 'text', text: 'Thanks, {{ attributes.name }} (v1)' }] },
          },
        }),
      );
      expect(await say('U-pinned', { type: 'text', text: 'go' }, channel)).toEqual(['Name?']);
      // v2 has no question and no fallback: nothing in it listens to free text.
      await stack.store.flows.putVersion(
        'lab',
        channel.channelId,
        2,
        flowSchema.parse({
          schemaVersion: 1,
          name: 'v2',
          triggers: [{ type: 'keyword', keywords: ['go'], start: 'hi' }],
          blocks: { hi: { type: 'message', messages: [{ type: 'text', text: 'v2' }] } },
        }),
      );
      expect(
        await stack.store.channels.setActiveFlows('line', channel.channelId, 'lab', [{ flowId: channel.channelId, version: 2 }], 0),
      ).toBe('set');
      expect(await say('U-pinned', { type: 'text', text: 'Mei' }, channel)).toEqual(['Thanks, Mei (v1)']);
    });

    test('a brand answer of an unexpected shape goes to the failure block instead of failing the job', async () => {
      labBehaviour['/items'] = (send) => send(200, '{"items":{"not":"an array"}}');
      const channel = await labChannel(
        cardFlow(
          { request: { url: `${lab.url}/items` } },
          {
            ok: {
              type: 'message',
              messages: [{ type: 'carousel', repeat: { over: 'response.body.items', as: 'item' }, card: { title: '{{ item.name }}' } }],
            },
          },
        ),
      );
      expect(await say('U-odd-shape', { type: 'text', text: 'go' }, channel)).toEqual(['The brand could not answer.']);
      expect(lab.requests.filter((r) => r.url === '/items')).toHaveLength(1);
    });

    test('fire-and-forget: the customer is answered at once, before the brand has finished', async () => {
      let brandAnsweredAt = 0;
      labBehaviour['/notify'] = (send) =>
        setTimeout(() => {
          brandAnsweredAt = Date.now();
          send(202, '{"queued":true}');
        }, 1_000);
      const channel = await labChannel(
        flowSchema.parse({
          schemaVersion: 1,
          name: 'ff',
          triggers: [{ type: 'keyword', keywords: ['go'], start: 'notify' }],
          blocks: {
            notify: {
              type: 'callApi',
              fireAndForget: true,
              request: { method: 'POST', url: `${lab.url}/notify`, body: { type: 'json', value: { what: 'sms' } } },
              onSuccess: 'done',
            },
            done: { type: 'message', messages: [{ type: 'text', text: 'We are sending you an SMS.' }] },
          },
        }),
      );
      const sent = await sendLine(stack, { type: 'text', text: 'go' }, { userId: 'U-ff', ...channel });
      const calls = await waitForLineCalls(stack, (c) => c.some((call) => call.replyToken === sent.replyToken));
      const repliedAt = Date.now();
      expect(transcript(sentMessages(calls))).toEqual(['We are sending you an SMS.']);
      expect(brandAnsweredAt).toBe(0);
      await stack.idle();
      expect(brandAnsweredAt).toBeGreaterThan(repliedAt - 50);
      expect(lab.requests.filter((r) => r.url === '/notify')).toHaveLength(1);
      const log = await stack.store.executionLog.forCustomer('lab', `line:${channel.channelId}:U-ff`);
      expect(log.map((e) => e.outcome)).toEqual(['fired']);
    });

    test('retries reuse one Idempotency-Key, and the execution log records each attempt', async () => {
      labBehaviour['/flaky'] = (send, _body, n) => (n === 1 ? send(503, '{}') : send(200, '{"value":"second time lucky"}'));
      const channel = await labChannel(
        cardFlow({ request: { method: 'POST', url: `${lab.url}/flaky`, body: { type: 'json', value: { a: 1 } } } }),
      );
      expect(await say('U-retry', { type: 'text', text: 'go' }, channel)).toEqual(['ok: second time lucky']);
      const keys = lab.requests.filter((r) => r.url === '/flaky').map((r) => r.headers['idempotency-key']);
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBeTruthy();
      expect(keys[1]).toBe(keys[0]);
      const log = await stack.store.executionLog.forCustomer('lab', `line:${channel.channelId}:U-retry`);
      expect(log.map((e) => [e.attempt, e.status, e.outcome]).sort()).toEqual([
        [1, 503, 'failure'],
        [2, 200, 'success'],
      ]);
      expect(JSON.stringify(log)).not.toContain('lab-token');
    });

    test('a brand slower than the reply token still reaches the customer, by push, once', async () => {
      let replyToken = '';
      labBehaviour['/slow'] = (send) => {
        // While the brand thinks, the reply token dies (LINE: one minute).
        stack.lineStandIn.expireReplyToken(replyToken);
        setTimeout(() => send(200, '{"value":"worth the wait"}'), 200);
      };
      const channel = await labChannel(cardFlow({ request: { url: `${lab.url}/slow` } }));
      replyToken = 'slow-token';
      const from = stack.lineStandIn.calls().length;
      await sendLine(stack, { type: 'text', text: 'go' }, { userId: 'U-slow', replyToken, ...channel });
      await waitForLineCalls(stack, (c) => c.slice(from).some((call) => call.kind === 'push'));
      await stack.idle();
      const answers = answerCalls(from);
      expect(answers.map((c) => c.kind)).toEqual(['push']);
      expect(transcript(answers[0]?.messages ?? [])).toEqual(['ok: worth the wait']);
      expect(lab.requests.filter((r) => r.url === '/slow')).toHaveLength(1);
    });

    test('turns of one conversation never overtake each other', async () => {
      labBehaviour['/slow'] = (send) => setTimeout(() => send(200, '{"value":"first"}'), 400);
      const channel = await labChannel(
        flowSchema.parse({
          schemaVersion: 1,
          name: 'order',
          triggers: [
            { type: 'keyword', keywords: ['slow'], start: 'card' },
            { type: 'keyword', keywords: ['fast'], start: 'fast' },
          ],
          blocks: {
            card: { type: 'callApi', request: { url: `${lab.url}/slow` }, onSuccess: 'ok' },
            ok: { type: 'message', messages: [{ type: 'text', text: 'ok: {{ response.body.value }}' }] },
            fast: { type: 'message', messages: [{ type: 'text', text: 'second' }] },
          },
        }),
      );
      const from = stack.lineStandIn.calls().length;
      await sendLine(stack, { type: 'text', text: 'slow' }, { userId: 'U-order', ...channel });
      await sendLine(stack, { type: 'text', text: 'fast' }, { userId: 'U-order', ...channel });
      await waitForLineCalls(stack, (c) => c.slice(from).filter((call) => call.kind === 'reply').length === 2);
      expect(transcript(sentMessages(answerCalls(from)))).toEqual(['ok: first', 'second']);
    });
  });
});

import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { flowSchema, type FlowInput } from '../../shared/flow/schema';
import { sendLine, sentMessages, startFakeBrand, startTestStack, transcript, waitForLineCalls, type CustomerAction, type FakeBrand } from '../support/localStackHarness';

/**
 * The product's three scenarios and the card's failure paths, end to end on the local stack: each test
 * asserts the exact messages the LINE stand-in received, in order.
 */
describe('flows on LINE, end to end', () => {
  let stack: LocalStack;
  let lab: FakeBrand;
  /** What the lab brand does next, per path; tests set it. */
  let labBehaviour: Record<string, (send: (status: number, body: string, headers?: Record<string, string>) => void, body: string, n: number) => void> = {};

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
    return transcript(stack.lineStandIn.calls().slice(before).filter(isAnswer).flatMap((c) => c.messages ?? []));
  }

  function answerCalls(from: number): LineCall[] {
    return stack.lineStandIn.calls().slice(from).filter((c) => c.kind !== 'loading');
  }

  let labChannels = 0;
  /** A channel of its own running `flow`, for cards calling the scripted lab brand. */
  async function labChannel(flow: FlowInput): Promise<{ channelId: string; secret: string }> {
    labChannels += 1;
    const channelId = `lab-${labChannels}`;
    await stack.store.flows.putVersion('lab', channelId, 1, flowSchema.parse(flow));
    await stack.store.channels.put({ workspaceId: 'lab', kind: 'line', channelId, secret: `${channelId}-secret`, accessToken: 'lab-token', name: '', activeFlow: { flowId: channelId, version: 1 } });
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

  describe('scenario 1: personal data for bound members', () => {
    test('an unbound customer is asked to bind by phone, the brand verifies, and the next tap shows their tickets', async () => {
      const user = 'U-scenario1-new';
      expect(await say(user, { type: 'postback', data: 'action=my_tickets' })).toEqual([
        'To show your tickets, please verify your membership first. What is your phone number?',
      ]);
      expect(await say(user, { type: 'text', text: 'my phone?' })).toEqual([
        'That does not look like a phone number (e.g. 0912345678). To show your tickets, please verify your membership first. What is your phone number?',
      ]);
      const from = stack.lineStandIn.calls().length;
      expect(await say(user, { type: 'text', text: '0912-345-678' })).toEqual(['Thanks! Your membership M001 is now linked.', '[flex] Your unused tickets']);
      // One reply carries the confirmation and the carousel, in flow order, after one loading animation.
      expect(stack.lineStandIn.calls().slice(from).map((c) => c.kind)).toEqual(['loading', 'reply']);
      const customer = await stack.store.customers.get({ channelKind: 'line', channelId: 'demo-line', userId: user });
      expect(customer?.attributes).toMatchObject({ phone: '0912345678', memberId: 'M001' });
      // The query result itself is not stored.
      expect(JSON.stringify(customer?.attributes)).not.toContain('Taipei 101');

      const again = stack.lineStandIn.calls().length;
      expect(await say(user, { type: 'postback', data: 'action=my_tickets' })).toEqual(['[flex] Your unused tickets']);
      const carousel = answerCalls(again)[0]?.messages?.[0];
      const titles = JSON.stringify(carousel).match(/"text":"(Taipei 101 Observatory|National Palace Museum|Jiufen Tea House Afternoon Set|Sun Moon Lake Cruise)"/g);
      expect(titles).toEqual(['"text":"Taipei 101 Observatory"', '"text":"National Palace Museum"', '"text":"Jiufen Tea House Afternoon Set"']);
      expect(stack.brandApi.requests().filter((r) => r.path === '/members/verify')).toHaveLength(1);
    });

    test('a member with no unused tickets gets the empty branch', async () => {
      const user = 'U-scenario1-empty';
      await say(user, { type: 'postback', data: 'action=my_tickets' });
      expect(await say(user, { type: 'text', text: '0922333444' })).toEqual(['Thanks! Your membership M002 is now linked.', 'You have no unused tickets right now.']);
    });

    test('a phone number the brand does not know goes to the failure branch', async () => {
      const user = 'U-scenario1-stranger';
      await say(user, { type: 'postback', data: 'action=my_tickets' });
      expect(await say(user, { type: 'text', text: '0900000000' })).toEqual(['We could not find a membership for 0900000000. Please check the number or contact us.']);
    });
  });

  describe('scenario 2: live data, no binding', () => {
    test('best sellers come from the brand; when the brand changes its list the next answer changes, with no flow edit', async () => {
      const from = stack.lineStandIn.calls().length;
      expect(await say('U-scenario2', { type: 'text', text: '熱銷' })).toEqual(["Today's best sellers:", "[flex] Today's best sellers"]);
      const first = JSON.stringify(answerCalls(from));
      stack.brandApi.setBestSellers([{ sku: 'NEW-1', name: 'Winter Oolong Gift Box', price: 1280, imageUrl: 'https://example.com/oolong.jpg', url: 'https://example.com/p/NEW-1' }]);
      const next = stack.lineStandIn.calls().length;
      await say('U-scenario2', { type: 'text', text: 'hot' });
      const second = JSON.stringify(answerCalls(next));
      expect(second).toContain('Winter Oolong Gift Box');
      expect(second).toContain('NT$ 1280');
      expect(first).not.toContain('Winter Oolong Gift Box');
      stack.brandApi.reset();
    });
  });

  describe('scenario 3: registration sends what the customer typed', () => {
    test('three questions, validation with a re-ask, answers POSTed to the brand, the brand says "full" then "success"', async () => {
      const user = 'U-scenario3';
      expect(await say(user, { type: 'text', text: 'register' })).toEqual(['Tea workshop registration (1/3): what is your name?']);
      expect(await say(user, { type: 'text', text: 'Lin Mei-Hua' })).toEqual(['(2/3) Your mobile number?']);
      expect(await say(user, { type: 'text', text: '12' })).toEqual(['Please enter a valid mobile number, like 0912345678.']);
      const planAt = stack.lineStandIn.calls().length;
      expect(await say(user, { type: 'text', text: '0912345678' })).toEqual(['(3/3) Which session would you like?']);
      const planPrompt = answerCalls(planAt)[0]?.messages?.[0];
      expect(planPrompt).toMatchObject({ quickReply: { items: [{ action: { type: 'message', label: 'Standard', text: 'Standard' } }, { action: { type: 'message', label: 'VIP', text: 'VIP' } }] } });
      expect(await say(user, { type: 'text', text: 'VIP' })).toEqual(['Sorry, the vip session is full. Type "register" to choose another.']);
      const registration = stack.brandApi.requests().filter((r) => r.path === '/registrations');
      expect(registration).toHaveLength(1);
      expect(JSON.parse(registration[0]?.body ?? '{}')).toEqual({ name: 'Lin Mei-Hua', phone: '0912345678', plan: 'vip' });
      expect(registration[0]?.headers['idempotency-key']).toBeTruthy();

      // Again, choosing the standard session: success, and the confirmation email is triggered.
      await say(user, { type: 'text', text: '報名' });
      await say(user, { type: 'text', text: 'Lin Mei-Hua' });
      await say(user, { type: 'text', text: '0912345678' });
      expect(await say(user, { type: 'text', text: 'standard' })).toEqual(['You are registered, Lin Mei-Hua! A confirmation email is on its way.']);
      const notify = stack.brandApi.requests().filter((r) => r.path === '/notify');
      expect(notify).toHaveLength(1);
      expect(JSON.parse(notify[0]?.body ?? '{}')).toMatchObject({ channel: 'email', template: 'registration_confirmed', name: 'Lin Mei-Hua' });
      const customer = await stack.store.customers.get({ channelKind: 'line', channelId: 'demo-line', userId: user });
      expect(customer?.attributes).toMatchObject({ name: 'Lin Mei-Hua', phone: '0912345678', plan: 'standard', registrationStatus: 'success' });
      stack.brandApi.reset();
    });

    test('a trigger keyword while a question waits restarts cleanly', async () => {
      const user = 'U-scenario3-restart';
      await say(user, { type: 'text', text: 'register' });
      expect(await say(user, { type: 'text', text: 'hot' })).toEqual(["Today's best sellers:", "[flex] Today's best sellers"]);
      // The question no longer waits: a free text now goes to the fallback.
      expect(await say(user, { type: 'text', text: 'Lin' })).toEqual(['Sorry, I did not catch that. Try one of these:']);
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
      labBehaviour['/messages'] = (send) => send(200, JSON.stringify({ messages: [{ type: 'text', text: 'Hi from the brand {{ not a template }}' }, { type: 'image', url: 'https://example.com/a.png' }] }));
      const good = await labChannel(cardFlow({ request: { url: `${lab.url}/messages` }, expect: 'messages' }, { ok: { type: 'end' } }));
      expect(await say('U-brand-msgs', { type: 'text', text: 'go' }, good)).toEqual(['Hi from the brand {{ not a template }}', JSON.stringify({ type: 'image', originalContentUrl: 'https://example.com/a.png', previewImageUrl: 'https://example.com/a.png' })]);

      labBehaviour['/messages'] = (send) => send(200, JSON.stringify({ messages: [{ type: 'video', url: 'x' }] }));
      const bad = await labChannel(cardFlow({ request: { url: `${lab.url}/messages` }, expect: 'messages' }, { ok: { type: 'end' } }));
      expect(await say('U-brand-bad', { type: 'text', text: 'go' }, bad)).toEqual(['The brand could not answer.']);
    });

    test('no failure block configured → the default apology, never silence', async () => {
      labBehaviour['/data'] = (send) => send(503, '');
      const flow = cardFlow({ request: { url: `${lab.url}/data` }, retry: false });
      const card = flow.blocks.card;
      if (card?.type === 'callApi') delete card.onFailure;
      const channel = await labChannel(flow);
      expect(await say('U-fail-default', { type: 'text', text: 'go' }, channel)).toEqual(['Sorry, something went wrong on our side. Please try again in a moment.']);
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
            card: { type: 'callApi', request: { method: 'POST', url: `${lab.url}/signup`, body: { type: 'json', value: { name: '{{ attributes.name }}', admin: false } } }, onSuccess: 'ok' },
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
            notify: { type: 'callApi', fireAndForget: true, request: { method: 'POST', url: `${lab.url}/notify`, body: { type: 'json', value: { what: 'sms' } } }, onSuccess: 'done' },
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
      const channel = await labChannel(cardFlow({ request: { method: 'POST', url: `${lab.url}/flaky`, body: { type: 'json', value: { a: 1 } } } }));
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

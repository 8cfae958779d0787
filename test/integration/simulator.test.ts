import type { LocalStack } from '../../local/localStack';
import { startTestStack } from '../support/localStackHarness';

/**
 * The console's chat simulator through the admin API, on the local stack: a simulated customer plays
 * scenario 1 on the demo LINE channel and Messenger page; the real flow runs (the brand API is called)
 * and the answers are kept for the console, never sent to LINE or Meta.
 */

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack.stop());

type Entry = {
  key: string;
  from: 'customer' | 'waiting' | 'bot';
  jobId: string;
  event?: unknown;
  messages?: Array<Record<string, unknown>>;
};

const admin = async (method: string, path: string, body?: unknown, key = stack.demo.adminKey) => {
  const response = await fetch(`${stack.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

/** Send as the simulated customer, wait until the turn is done, return the entries it added. */
async function play(path: string, event: Record<string, unknown>): Promise<Entry[]> {
  const sent = await admin('POST', path, { event });
  expect(sent.status).toBe(200);
  expect(sent.body.answered).toBe(true);
  await stack.idle();
  const read = await admin('GET', path);
  expect(read.status).toBe(200);
  const entries = read.body.entries as Entry[];
  // `after` the customer's own entry: exactly the turn's answers.
  const since = await admin('GET', `${path}?after=${encodeURIComponent(String(sent.body.key))}`);
  expect(since.body.entries).toEqual(entries.slice(entries.findIndex((entry) => entry.key === sent.body.key) + 1));
  return entries.filter((entry) => entry.jobId === sent.body.jobId);
}

const texts = (entries: Entry[]) =>
  entries.flatMap((entry) =>
    (entry.messages ?? []).map((m) => {
      if (typeof m.text === 'string') return m.text;
      if (m.type === 'flex') return '[carousel]';
      const payload = (m.attachment as { payload?: { template_type?: string; elements?: unknown[] } } | undefined)?.payload;
      return payload?.template_type === 'generic' ? `[carousel of ${payload.elements?.length}]` : JSON.stringify(m);
    }),
  );

describe.each([
  { kind: 'line', channel: () => stack.demo.lineChannelId },
  { kind: 'messenger', channel: () => stack.demo.messengerPageId },
])('the chat simulator on $kind', ({ kind, channel }) => {
  test('scenario 1 played by a simulated customer: verified by a one-time code, then the ticket carousel; nothing reaches the channel', async () => {
    const path = `/simulator/${kind}/${channel()}/sim-${kind}-s1`;
    const lineCalls = stack.lineStandIn.calls().length;
    const messengerCalls = stack.messengerStandIn.calls().length;
    stack.brandApi.reset();

    const asked = await play(path, { type: 'postback', data: 'action=my_tickets' });
    expect(asked[0]).toMatchObject({ from: 'customer', event: { type: 'postback', data: 'action=my_tickets' } });
    expect(texts(asked)).toEqual([
      'To show your tickets, please verify your membership first. What is your member phone number? We will text you a code.',
    ]);
    const codeAsked = await play(path, { type: 'text', text: '0912-345-678' });
    expect(texts(codeAsked)).toEqual(['If 0912345678 is a member number, we just texted it a 6-digit code. Please type the code here.']);

    const bound = await play(path, { type: 'text', text: stack.brandApi.lastCode('0912345678') ?? '' });
    // The card ran: the waiting indicator comes before the answers, in the channel's own payloads.
    expect(bound.map((entry) => entry.from)).toEqual(['customer', 'waiting', 'bot', 'bot']);
    expect(texts(bound)).toEqual([
      'Thank you, Chen Mei-Ling: you are verified as member M001.',
      kind === 'line' ? '[carousel]' : '[carousel of 3]',
    ]);
    if (kind === 'line') expect(JSON.stringify(bound[3]?.messages)).toContain('Taipei 101 Observatory');
    expect(stack.brandApi.requests().filter((r) => r.path === '/otp/verify')).toHaveLength(1);

    // The whole conversation reads back in order; the channel APIs were never called.
    const all = await admin('GET', path);
    expect((all.body.entries as Entry[]).map((entry) => entry.from)).toEqual([
      'customer',
      'bot',
      'customer',
      'waiting',
      'bot',
      'customer',
      'waiting',
      'bot',
      'bot',
    ]);
    expect(stack.lineStandIn.calls()).toHaveLength(lineCalls);
    expect(stack.messengerStandIn.calls()).toHaveLength(messengerCalls);

    // The simulated customer is a customer of the channel: attributes, binding, log, and erased on start-over.
    const contact = await admin('GET', `/contacts/${kind}/${channel()}/sim-${kind}-s1`);
    expect(contact.body.binding).toMatchObject({ memberId: '••••', method: 'oneTimeCode', lapsed: false });
    const cleared = await admin('DELETE', path);
    expect(cleared.body.deleted).toMatchObject({ entries: 9, profile: true });
    expect((await admin('GET', path)).body.entries).toEqual([]);
  });
});

describe('a tapped Messenger payload', () => {
  test('is read as the Messenger webhook reads it: action=… a postback, anything else the text of a message button', async () => {
    const path = `/simulator/messenger/${stack.demo.messengerPageId}/sim-payloads`;
    for (const [payload, event] of [
      ['hot', { type: 'text', text: 'hot' }],
      ['action=my_tickets', { type: 'postback', data: 'action=my_tickets' }],
    ] as const) {
      const sent = await admin('POST', path, { event: { type: 'payload', payload } });
      expect(sent.body.answered).toBe(true);
      await stack.idle();
      const entries = (await admin('GET', path)).body.entries as Entry[];
      expect(entries.find((entry) => entry.key === sent.body.key)).toMatchObject({ from: 'customer', event });
      expect(entries.some((entry) => entry.jobId === sent.body.jobId && entry.from === 'bot')).toBe(true);
    }
  });
});

describe('the chat simulator refuses what is not its own', () => {
  test('on a channel where nothing is published, a text is not answered, and the answer says so', async () => {
    const put = await admin('PUT', '/channels/line/sim-empty-channel', {
      name: 'Nothing published',
      secret: 'empty-channel-secret',
      accessToken: 'empty-channel-token',
    });
    expect(put.status).toBe(200);
    const sent = await admin('POST', '/simulator/line/sim-empty-channel/sim-nobody', { event: { type: 'text', text: 'hello?' } });
    expect(sent.status).toBe(200);
    expect(sent.body.answered).toBe(false);
    await stack.idle();
    expect(
      ((await admin('GET', '/simulator/line/sim-empty-channel/sim-nobody')).body.entries as Entry[]).map((entry) => entry.from),
    ).toEqual(['customer']);
  });

  test("a real customer's id is refused: the simulator never acts as a real customer", async () => {
    const sent = await admin('POST', `/simulator/line/${stack.demo.lineChannelId}/U-demo-member`, { event: { type: 'text', text: 'hi' } });
    expect(sent.status).toBe(400);
    expect(JSON.stringify(sent.body)).toContain('path.userId');
  });

  test("another workspace's channel, or none, is not found", async () => {
    expect((await admin('POST', '/simulator/line/no-such-channel/sim-a', { event: { type: 'text', text: 'hi' } })).status).toBe(404);
    expect((await admin('GET', '/simulator/line/no-such-channel/sim-a')).status).toBe(404);
  });

  test('an `after` that is not an entry key is refused', async () => {
    const read = await admin('GET', `/simulator/line/${stack.demo.lineChannelId}/sim-a?after=${encodeURIComponent('zz')}`);
    expect(read.status).toBe(400);
  });
});

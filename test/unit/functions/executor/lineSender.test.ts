import { createLineSender, REPLY_TOKEN_SAFE_AGE_MS } from '../../../../shared/channels/line/lineSender';
import type { DeliveryContext } from '../../../../shared/channels/sender';
import { LineApiError, type LineClient } from '../../../../shared/channels/line/lineClient';
import type { TurnJob } from '../../../../shared/jobs/job';

const RECEIVED_AT = 1_700_000_000_000;
const job: TurnJob = {
  v: 1,
  jobId: 'line:chan-1:01EVENT',
  workspaceId: 'ws',
  channel: { kind: 'line', id: 'chan-1' },
  userId: 'U0123456789abcdef0123456789abcdef',
  replyToken: 'token-1',
  event: { type: 'text', text: 'hot' },
  receivedAt: RECEIVED_AT,
  flow: { flowId: 'demo', version: 1 },
};
const delivery = { messages: [{ type: 'text', text: 'hello' }] };
const invalidToken = () => new LineApiError('Invalid reply token', 400);

/** A LINE client whose replies answer in turn what `replies` says (an error or OK), recording every call. */
function fakeClient(replies: Array<Error | 'ok'> = ['ok']) {
  const calls: string[] = [];
  const client: LineClient = {
    async reply() {
      const answer = replies[calls.filter((c) => c === 'reply').length] ?? 'ok';
      calls.push('reply');
      if (answer !== 'ok') throw answer;
    },
    async push(_to, _messages, retryKey) {
      calls.push(`push:${retryKey}`);
    },
    async startLoading() {
      calls.push('loading');
    },
    async issueLinkToken(userId) {
      calls.push(`linkToken:${userId}`);
      return 'link-token-1';
    },
  };
  return { client, calls };
}

function context(overrides: Partial<DeliveryContext> = {}) {
  const events: string[] = [];
  const value: DeliveryContext = {
    replyTokenSpent: false,
    replyRefused: false,
    recordRefusal: async () => {
      events.push('refusal recorded');
    },
    ...overrides,
  };
  return { context: value, events };
}

const young = () => RECEIVED_AT + 1_000;

describe('createLineSender: exactly one answer per turn, by reply token semantics', () => {
  it('replies while the token is young', async () => {
    const { client, calls } = fakeClient();
    const result = await createLineSender(client, job, young).deliver(0, delivery, context().context);
    expect(result).toEqual({ replyTokenSpent: true, via: 'reply' });
    expect(calls).toEqual(['reply']);
  });

  it('a spent token after an earlier try of this job (the outbox says a reply went out) proves that reply landed: nothing is pushed', async () => {
    const { client, calls } = fakeClient([invalidToken()]);
    const { context: ctx, events } = context({ replyTokenSpent: true });
    const result = await createLineSender(client, job, young).deliver(0, delivery, ctx);
    expect(result).toEqual({ replyTokenSpent: true, via: 'earlier-reply' });
    expect(calls).toEqual(['reply']);
    expect(events).toEqual([]);
  });

  it('a retry whose earlier reply never landed (token unspent) replies now, once', async () => {
    const { client, calls } = fakeClient(['ok']);
    const result = await createLineSender(client, job, young).deliver(0, delivery, context({ replyTokenSpent: true }).context);
    expect(result.via).toBe('reply');
    expect(calls).toEqual(['reply']);
  });

  it('a token refused on its first use is recorded as refused before the push that replaces the reply', async () => {
    const order: string[] = [];
    const { client } = fakeClient([invalidToken()]);
    const pushing = client.push.bind(client);
    client.push = async (...args) => {
      order.push('push');
      await pushing(...args);
    };
    const ctx = context({ recordRefusal: async () => void order.push('refusal recorded') }).context;
    const result = await createLineSender(client, job, young).deliver(0, delivery, ctx);
    expect(result.via).toBe('push');
    expect(order).toEqual(['refusal recorded', 'push']);
  });

  it('an outbox that records a refusal pushes straight away, under the same retry key as before', async () => {
    const first = fakeClient([invalidToken()]);
    await createLineSender(first.client, job, young).deliver(0, delivery, context().context);
    const retry = fakeClient();
    await createLineSender(retry.client, job, young).deliver(0, delivery, context({ replyTokenSpent: true, replyRefused: true }).context);
    expect(retry.calls).toEqual([first.calls[1]]);
    expect(retry.calls[0]).toMatch(/^push:[0-9a-f-]{36}$/);
  });

  it('a 5xx may hide an accepted reply: asking again tells (spent → it landed; no push)', async () => {
    const { client, calls } = fakeClient([new LineApiError('LINE answered 500', 500), invalidToken()]);
    const { context: ctx, events } = context();
    const result = await createLineSender(client, job, young).deliver(0, delivery, ctx);
    expect(result.via).toBe('earlier-reply');
    expect(calls).toEqual(['reply', 'reply']);
    expect(events).toEqual([]);
  });

  it('a 5xx then OK: the second try is the one that landed', async () => {
    const { client, calls } = fakeClient([new LineApiError('LINE answered 500', 500), 'ok']);
    expect((await createLineSender(client, job, young).deliver(0, delivery, context().context)).via).toBe('reply');
    expect(calls).toEqual(['reply', 'reply']);
  });

  it('LINE failing twice with 5xx or no answer: pushed, so the customer is not left in silence', async () => {
    const { client, calls } = fakeClient([new LineApiError('timeout'), new LineApiError('LINE answered 502', 502)]);
    expect((await createLineSender(client, job, young).deliver(0, delivery, context().context)).via).toBe('push');
    expect(calls.map((c) => c.split(':')[0])).toEqual(['reply', 'reply', 'push']);
  });

  it('429 is not taken by LINE: the job fails and is retried with its token still unspent', async () => {
    const { client, calls } = fakeClient([new LineApiError('rate limited', 429)]);
    await expect(createLineSender(client, job, young).deliver(0, delivery, context().context)).rejects.toThrow('rate limited');
    expect(calls).toEqual(['reply']);
  });

  it('an old token and every request after the first are pushed', async () => {
    const old = fakeClient();
    await createLineSender(old.client, job, () => RECEIVED_AT + REPLY_TOKEN_SAFE_AGE_MS).deliver(0, delivery, context().context);
    expect(old.calls.map((c) => c.split(':')[0])).toEqual(['push']);
    const second = fakeClient();
    await createLineSender(second.client, job, young).deliver(1, delivery, context({ replyTokenSpent: true }).context);
    expect(second.calls.map((c) => c.split(':')[0])).toEqual(['push']);
  });
});

describe('createLineSender in group and room chats', () => {
  const groupJob: TurnJob = {
    ...job,
    userId: 'Ca56f94637cc4347f90a25382909b24b9',
    chat: 'group',
    speakerId: 'U0123456789abcdef0123456789abcdef',
  };

  it('shows the loading animation one-to-one only: never in a group or a room', async () => {
    const { client, calls } = fakeClient();
    await createLineSender(client, job, young).showWaiting();
    await createLineSender(client, groupJob, young).showWaiting();
    await createLineSender(client, { ...groupJob, userId: 'Ra8dbf4673c4c812cd491258042226c99', chat: 'room' }, young).showWaiting();
    // Even a (wrongly) user-looking id in a group gets none: the chat decides.
    await createLineSender(client, { ...groupJob, userId: 'U-looks-like-a-user' }, young).showWaiting();
    expect(calls).toEqual(['loading']);
  });

  it("pushes to the group's id when the reply token cannot be used", async () => {
    const pushedTo: string[] = [];
    const { client } = fakeClient();
    client.push = async (to) => {
      pushedTo.push(to);
    };
    const late = () => RECEIVED_AT + REPLY_TOKEN_SAFE_AGE_MS + 1;
    expect(await createLineSender(client, groupJob, late).deliver(0, delivery, context().context)).toMatchObject({ via: 'push' });
    expect(pushedTo).toEqual(['Ca56f94637cc4347f90a25382909b24b9']);
  });
});

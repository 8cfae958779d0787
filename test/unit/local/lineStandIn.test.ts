import { randomUUID } from 'node:crypto';
import { isValidUuid, startLineStandIn } from '../../../local/lineStandIn';
import type { LineStandIn } from '../../../local/lineStandIn';

const TOKEN = 'channel-access-token';

interface HttpResult {
  status: number;
  body: unknown;
  headers: Headers;
}

let line: LineStandIn;

beforeAll(async () => {
  line = await startLineStandIn({ accessTokens: [TOKEN] });
});
afterAll(() => line.close());
beforeEach(() => line.reset());

async function post(path: string, body: unknown, headers: Record<string, string> = {}, base = line.url): Promise<HttpResult> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const parsed: unknown = await response.json();
  return { status: response.status, body: parsed, headers: response.headers };
}

const text = (value: string) => ({ type: 'text', text: value });
const reply = (replyToken: string, messages: unknown[] = [text('hi')]) => post('/v2/bot/message/reply', { replyToken, messages });
const push = (to: string, retryKey?: string) =>
  post('/v2/bot/message/push', { to, messages: [text('hello')] }, retryKey === undefined ? {} : { 'X-Line-Retry-Key': retryKey });

describe('reply', () => {
  it('answers 200 with one sent message per message and records the call', async () => {
    const flex = {
      type: 'flex',
      altText: 'x',
      contents: { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [text('a')] } },
    };
    const result = await reply('rt-1', [text('one'), flex]);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      sentMessages: [
        { id: expect.stringMatching(/^\d{18}$/), quoteToken: expect.any(String) },
        // Flex messages cannot be quoted, so LINE returns no quote token for them.
        { id: expect.stringMatching(/^\d{18}$/) },
      ],
    });
    expect(result.headers.get('x-line-request-id')).toEqual(expect.any(String));
    expect(line.calls()).toEqual([{ kind: 'reply', replyToken: 'rt-1', messages: [text('one'), flex], at: expect.any(String) }]);
    expect(new Date(line.calls()[0]?.at ?? '').toISOString()).toBe(line.calls()[0]?.at);
  });

  it('accepts a reply token once', async () => {
    expect((await reply('rt-once')).status).toBe(200);
    const again = await reply('rt-once');
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ message: 'Invalid reply token' });
    expect(line.calls()).toHaveLength(1);
  });

  it('rejects an expired reply token without recording it', async () => {
    line.expireReplyToken('rt-old');
    const result = await reply('rt-old');
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ message: 'Invalid reply token' });
    expect(line.calls()).toEqual([]);
  });

  it('rejects X-Line-Retry-Key on reply', async () => {
    const result = await post('/v2/bot/message/reply', { replyToken: 'rt-2', messages: [text('a')] }, { 'X-Line-Retry-Key': randomUUID() });
    expect(result.status).toBe(400);
    expect(line.calls()).toEqual([]);
  });
});

describe('push', () => {
  it('accepts a retry key once; a repeat gets 409 with the accepted request id and is not recorded again', async () => {
    const key = randomUUID();
    const first = await push('U1', key);
    expect(first.status).toBe(200);
    const again = await push('U1', key);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ message: 'The retry key is already accepted' });
    expect(again.headers.get('x-line-accepted-request-id')).toBe(first.headers.get('x-line-request-id'));
    expect(line.calls()).toEqual([{ kind: 'push', to: 'U1', messages: [text('hello')], retryKey: key, at: expect.any(String) }]);
  });

  it('works without a retry key, and rejects one that is not a UUID', async () => {
    expect((await push('U1')).status).toBe(200);
    expect((await push('U1')).status).toBe(200);
    expect((await push('U1', 'not-a-uuid')).status).toBe(400);
    expect(line.calls()).toHaveLength(2);
  });
});

describe('loading', () => {
  it('answers 202 {} and records the chat and seconds', async () => {
    const result = await post('/v2/bot/chat/loading/start', { chatId: 'U1', loadingSeconds: 10 });
    expect(result.status).toBe(202);
    expect(result.body).toEqual({});
    expect(line.calls()).toEqual([{ kind: 'loading', to: 'U1', loadingSeconds: 10, at: expect.any(String) }]);
  });
});

describe('authentication', () => {
  it('rejects a missing or unknown token', async () => {
    const missing = await fetch(`${line.url}/v2/bot/message/push`, {
      method: 'POST',
      body: JSON.stringify({ to: 'U1', messages: [text('a')] }),
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ message: expect.stringMatching(/^Authentication failed/) });
    const wrong = await post('/v2/bot/message/push', { to: 'U1', messages: [text('a')] }, { authorization: 'Bearer someone-else' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ message: expect.stringMatching(/^Authentication failed/) });
    expect(line.calls()).toEqual([]);
  });

  it('accepts any non-empty token when no access tokens are configured', async () => {
    const open = await startLineStandIn();
    try {
      expect(
        (await post('/v2/bot/message/push', { to: 'U1', messages: [text('a')] }, { authorization: 'Bearer anything' }, open.url)).status,
      ).toBe(200);
      expect((await post('/v2/bot/message/push', { to: 'U1', messages: [text('a')] }, { authorization: 'Bearer ' }, open.url)).status).toBe(
        401,
      );
    } finally {
      await open.close();
    }
  });
});

describe('request bodies', () => {
  it('rejects a body that is not JSON', async () => {
    const result = await post('/v2/bot/message/push', '{"to":');
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ message: expect.any(String) });
  });

  it("rejects an invalid body with LINE's error shape, without recording it or using the reply token", async () => {
    const result = await post('/v2/bot/message/reply', { replyToken: 'rt-3', messages: [{ type: 'text' }, { type: 'sticker' }] });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      message: 'The request body has 3 error(s)',
      details: [
        { message: 'is required', property: 'messages[0].text' },
        { message: 'is required', property: 'messages[1].packageId' },
        { message: 'is required', property: 'messages[1].stickerId' },
      ],
    });
    expect(line.calls()).toEqual([]);
    expect((await reply('rt-3')).status).toBe(200);
  });

  it('answers 404 for unknown routes and other methods', async () => {
    expect((await post('/v2/bot/message/multicast', { to: ['U1'], messages: [text('a')] })).status).toBe(404);
    const get = await fetch(`${line.url}/v2/bot/message/reply`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(404);
    await get.body?.cancel();
  });
});

describe('failure injection', () => {
  it('fails the next calls with the given status, then recovers; failed calls are not recorded', async () => {
    line.failNext('push', 2, 500);
    const key = randomUUID();
    expect((await push('U1', key)).status).toBe(500);
    expect((await push('U1', key)).status).toBe(500);
    expect((await push('U1', key)).status).toBe(200);
    expect(line.calls()).toHaveLength(1);
  });

  it('only affects the given kind, and can answer 429', async () => {
    line.failNext('reply', 1, 429);
    expect((await push('U1')).status).toBe(200);
    const limited = await reply('rt-4');
    expect(limited.status).toBe(429);
    // The token was not used by the failed call.
    expect((await reply('rt-4')).status).toBe(200);
  });

  it('can fail after accepting, so a retry with the same key gets 409', async () => {
    line.failNext('push', 1, 500, { afterAccepting: true });
    const key = randomUUID();
    expect((await push('U1', key)).status).toBe(500);
    expect((await push('U1', key)).status).toBe(409);
    expect(line.calls()).toHaveLength(1);
  });
});

describe('state', () => {
  it('keeps calls in send order and forgets calls and tokens on reset', async () => {
    await post('/v2/bot/chat/loading/start', { chatId: 'U1' });
    await reply('rt-5');
    await push('U1');
    expect(line.calls().map((call) => call.kind)).toEqual(['loading', 'reply', 'push']);
    line.reset();
    expect(line.calls()).toEqual([]);
    expect((await reply('rt-5')).status).toBe(200);
  });
});

describe('isValidUuid', () => {
  it('accepts hexadecimal UUIDs of any version and rejects the rest', () => {
    expect(isValidUuid(randomUUID())).toBe(true);
    expect(isValidUuid('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(isValidUuid('123E4567-E89B-12D3-A456-426614174000')).toBe(true);
    expect(isValidUuid('123e4567e89b12d3a456426614174000')).toBe(false);
    expect(isValidUuid('123e4567-e89b-12d3-a456-42661417400g')).toBe(false);
    expect(isValidUuid('')).toBe(false);
  });
});

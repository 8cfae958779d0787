import { accessTokenFingerprint, startMessengerStandIn, type MessengerStandIn } from '../../../local/messengerStandIn';

const TOKEN = 'page-token';
const PAGE = '682498302938465';

let meta: MessengerStandIn;

beforeAll(async () => {
  meta = await startMessengerStandIn({ accessTokens: [TOKEN] });
});
afterAll(() => meta.close());
beforeEach(() => meta.reset());

interface HttpResult {
  status: number;
  body: unknown;
}

async function post(body: unknown, options: { token?: string | null; path?: string; base?: string } = {}): Promise<HttpResult> {
  const token = options.token === undefined ? TOKEN : options.token;
  const query = token === null ? '' : `?access_token=${encodeURIComponent(token)}`;
  const response = await fetch(`${options.base ?? meta.url}${options.path ?? `/${PAGE}/messages`}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const send = (message: unknown, extra: Record<string, unknown> = {}) =>
  post({ recipient: { id: 'PSID-1' }, messaging_type: 'RESPONSE', message, ...extra });
const graphError = (code: number, subcode?: number) => ({
  error: {
    message: expect.any(String),
    type: expect.any(String),
    code,
    ...(subcode === undefined ? {} : { error_subcode: subcode }),
    fbtrace_id: expect.any(String),
  },
});

const postbackButton = (n: number) => ({ type: 'postback', title: `Option ${n}`, payload: `action=pick&n=${n}` });
const element = (n: number) => ({ title: `Card ${n}`, subtitle: 'sub', buttons: [postbackButton(n)] });
const generic = (elements: unknown[]) => ({ attachment: { type: 'template', payload: { template_type: 'generic', elements } } });
const buttonTemplate = (text: string, buttons: unknown[]) => ({
  attachment: { type: 'template', payload: { template_type: 'button', text, buttons } },
});

describe('sending', () => {
  it('accepts a text message, answers recipient_id and message_id, and records the call', async () => {
    const result = await send({ text: 'hello' });
    expect(result).toEqual({ status: 200, body: { recipient_id: 'PSID-1', message_id: expect.stringMatching(/^m_/) } });
    expect(meta.calls()).toEqual([
      {
        kind: 'send',
        pageId: PAGE,
        token: accessTokenFingerprint(TOKEN),
        to: 'PSID-1',
        message: { text: 'hello' },
        messagingType: 'RESPONSE',
        at: expect.any(String),
      },
    ]);
    expect(new Date(meta.calls()[0]?.at ?? '').toISOString()).toBe(meta.calls()[0]?.at);
  });

  it('accepts a sender action and records it as typing', async () => {
    const result = await post({ recipient: { id: 'PSID-1' }, sender_action: 'typing_on' });
    expect(result).toEqual({ status: 200, body: { recipient_id: 'PSID-1' } });
    expect(meta.calls()).toEqual([
      {
        kind: 'typing',
        pageId: PAGE,
        token: accessTokenFingerprint(TOKEN),
        to: 'PSID-1',
        senderAction: 'typing_on',
        at: expect.any(String),
      },
    ]);
  });

  it('accepts a Graph version before the path, as graph.facebook.com does', async () => {
    expect((await post({ recipient: { id: 'P' }, sender_action: 'mark_seen' }, { path: `/v25.0/${PAGE}/messages` })).status).toBe(200);
  });

  it('accepts what the renderer produces: quick replies, button and generic templates, images', async () => {
    const messages = [
      {
        text: 'Pick one',
        quick_replies: Array.from({ length: 13 }, (_, i) => ({ content_type: 'text', title: 'x'.repeat(20), payload: `p${i}` })),
      },
      buttonTemplate('t'.repeat(640), [
        postbackButton(1),
        { type: 'web_url', title: 'Open', url: 'https://example.com' },
        postbackButton(3),
      ]),
      generic(
        Array.from({ length: 10 }, (_, i) => ({
          ...element(i),
          title: 'T'.repeat(80),
          subtitle: 'S'.repeat(80),
          image_url: 'https://example.com/i.png',
        })),
      ),
      { attachment: { type: 'image', payload: { url: 'https://example.com/i.png' } } },
      { text: 'x'.repeat(2000) },
    ];
    for (const message of messages) expect((await send(message)).status).toBe(200);
    expect(meta.calls()).toHaveLength(messages.length);
  });
});

describe('access token', () => {
  it('requires access_token, and only accepts the configured ones', async () => {
    const missing = await post({ recipient: { id: 'P' }, sender_action: 'typing_on' }, { token: null });
    expect(missing).toEqual({ status: 400, body: graphError(2500) });
    expect(missing.body).toMatchObject({ error: { type: 'OAuthException' } });
    const wrong = await post({ recipient: { id: 'P' }, sender_action: 'typing_on' }, { token: 'someone-else' });
    expect(wrong).toEqual({ status: 400, body: graphError(190) });
    expect(meta.calls()).toEqual([]);
  });

  it('takes any non-empty token when no tokens are configured', async () => {
    const open = await startMessengerStandIn();
    try {
      expect((await post({ recipient: { id: 'P' }, sender_action: 'typing_on' }, { token: 'anything', base: open.url })).status).toBe(200);
      expect((await post({ recipient: { id: 'P' }, sender_action: 'typing_on' }, { token: '', base: open.url })).status).toBe(400);
    } finally {
      await open.close();
    }
  });
});

describe('request rules', () => {
  it.each([
    ['not JSON', '{"recipient":'],
    ['no recipient', { messaging_type: 'RESPONSE', message: { text: 'x' } }],
    ['a blank recipient id', { recipient: { id: '' }, messaging_type: 'RESPONSE', message: { text: 'x' } }],
    ['neither message nor sender_action', { recipient: { id: 'P' }, messaging_type: 'RESPONSE' }],
    [
      'both message and sender_action',
      { recipient: { id: 'P' }, messaging_type: 'RESPONSE', message: { text: 'x' }, sender_action: 'typing_on' },
    ],
    ['a message without messaging_type', { recipient: { id: 'P' }, message: { text: 'x' } }],
    ['an unknown messaging_type', { recipient: { id: 'P' }, messaging_type: 'NON_PROMOTIONAL_SUBSCRIPTION', message: { text: 'x' } }],
    ['MESSAGE_TAG without a tag', { recipient: { id: 'P' }, messaging_type: 'MESSAGE_TAG', message: { text: 'x' } }],
    ['an unknown sender action', { recipient: { id: 'P' }, sender_action: 'dance' }],
  ])('rejects %s with a Graph error 100, unrecorded', async (_name, body) => {
    expect(await post(body)).toEqual({ status: 400, body: graphError(100) });
    expect(meta.calls()).toEqual([]);
  });

  it.each([
    ['text over 2000 characters', { text: 'x'.repeat(2001) }],
    ['blank text', { text: '  ' }],
    ['text and an attachment', { text: 'x', attachment: { type: 'image', payload: { url: 'https://example.com/i.png' } } }],
    [
      '14 quick replies',
      { text: 'x', quick_replies: Array.from({ length: 14 }, (_, i) => ({ content_type: 'text', title: 't', payload: `p${i}` })) },
    ],
    ['a quick reply title over 20', { text: 'x', quick_replies: [{ content_type: 'text', title: 'x'.repeat(21), payload: 'p' }] }],
    ['a quick reply without payload', { text: 'x', quick_replies: [{ content_type: 'text', title: 't' }] }],
    ['a button template without buttons', buttonTemplate('t', [])],
    ['a button template with 4 buttons', buttonTemplate('t', [1, 2, 3, 4].map(postbackButton))],
    ['a button template text over 640', buttonTemplate('t'.repeat(641), [postbackButton(1)])],
    ['a button title over 20', buttonTemplate('t', [{ type: 'postback', title: 'x'.repeat(21), payload: 'p' }])],
    ['a web_url button without a URL', buttonTemplate('t', [{ type: 'web_url', title: 'Open', url: 'javascript:alert(1)' }])],
    ['a generic template with 11 elements', generic(Array.from({ length: 11 }, (_, i) => element(i)))],
    ['a generic template with no elements', generic([])],
    ['an element title over 80', generic([{ ...element(1), title: 'x'.repeat(81) }])],
    ['an element subtitle over 80', generic([{ ...element(1), subtitle: 'x'.repeat(81) }])],
    ['an element with 4 buttons', generic([{ ...element(1), buttons: [1, 2, 3, 4].map(postbackButton) }])],
    ['an element with only a title', generic([{ title: 'alone' }])],
    ['an unknown template type', { attachment: { type: 'template', payload: { template_type: 'list', elements: [] } } }],
    ['an image without a URL', { attachment: { type: 'image', payload: {} } }],
  ])('rejects a message with %s', async (_name, message) => {
    const result = await send(message);
    expect(result).toEqual({ status: 400, body: graphError(100) });
    expect(meta.calls()).toEqual([]);
  });

  it('answers unknown paths and methods with a Graph error', async () => {
    expect((await post({ recipient: { id: 'P' }, sender_action: 'typing_on' }, { path: `/${PAGE}/feed` })).status).toBe(400);
    const get = await fetch(`${meta.url}/${PAGE}/messages?access_token=${TOKEN}`);
    expect(get.status).toBe(400);
    expect(await get.json()).toEqual(graphError(100));
  });
});

describe('24-hour window', () => {
  it('fails standard messages and sender actions to an expired PSID with code 10 / 2018278, unrecorded', async () => {
    meta.expireWindow('PSID-late');
    const late = await post({ recipient: { id: 'PSID-late' }, messaging_type: 'RESPONSE', message: { text: 'x' } });
    expect(late).toEqual({ status: 400, body: graphError(10, 2018278) });
    expect((await post({ recipient: { id: 'PSID-late' }, sender_action: 'typing_on' })).status).toBe(400);
    // Other people are not affected, and a message tag may still go out.
    expect((await send({ text: 'x' })).status).toBe(200);
    expect(
      (await post({ recipient: { id: 'PSID-late' }, messaging_type: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE', message: { text: 'x' } })).status,
    ).toBe(200);
    expect(meta.calls().map((c) => [c.to, c.messagingType])).toEqual([
      ['PSID-1', 'RESPONSE'],
      ['PSID-late', 'MESSAGE_TAG'],
    ]);
  });

  it('forgets closed windows on reset', async () => {
    meta.expireWindow('PSID-1');
    meta.reset();
    expect((await send({ text: 'x' })).status).toBe(200);
  });
});

describe('failure injection', () => {
  it('fails the next sends with the given status, then recovers; failed calls are not recorded', async () => {
    meta.failNext(2, 500);
    // Typing indicators are not sends: they go through.
    expect((await post({ recipient: { id: 'P' }, sender_action: 'typing_on' })).status).toBe(200);
    const failed = await send({ text: 'one' });
    expect(failed).toEqual({ status: 500, body: { error: expect.objectContaining({ code: 2, is_transient: true }) } });
    expect((await send({ text: 'one' })).status).toBe(500);
    expect((await send({ text: 'one' })).status).toBe(200);
    expect(meta.calls().map((c) => c.kind)).toEqual(['typing', 'send']);
  });

  it('can let calls through first, and can target sender actions', async () => {
    meta.failNext(1, 503, { after: 1 });
    expect((await send({ text: 'first' })).status).toBe(200);
    expect((await send({ text: 'second' })).status).toBe(503);
    expect((await send({ text: 'second' })).status).toBe(200);
    meta.failNext(1, 500, { kind: 'typing' });
    expect((await post({ recipient: { id: 'P' }, sender_action: 'typing_on' })).status).toBe(500);
    expect((await send({ text: 'third' })).status).toBe(200);
    expect(
      meta
        .calls()
        .map((c) =>
          c.kind === 'send' && typeof c.message === 'object' && c.message !== null && 'text' in c.message ? c.message.text : c.kind,
        ),
    ).toEqual(['first', 'second', 'third']);
  });

  it('a count of 0 cancels a pending failure; 429 looks like a rate limit', async () => {
    meta.failNext(5, 500);
    meta.failNext(0, 500);
    expect((await send({ text: 'x' })).status).toBe(200);
    meta.failNext(1, 429);
    expect(await send({ text: 'x' })).toEqual({ status: 429, body: graphError(613) });
  });
});

import { startInstagramStandIn, type InstagramEchoBody, type InstagramStandIn } from '../../../local/instagramStandIn';
import { accessTokenFingerprint } from '../../../local/messengerStandIn';
import { createInstagramClient, InstagramApiError } from '../../../shared/channels/instagram/instagramClient';
import { instagramWebhookSchema, toInstagramEvents } from '../../../shared/channels/instagram/instagramWebhook';
import { renderInstagramMessages } from '../../../shared/channels/instagram/renderInstagramMessages';
import { echoMetadata } from '../../../shared/channels/messenger/echoReceipt';
import { createGuardedFetch } from '../../../shared/http/guardedFetch';
import type { ResolvedMessage } from '../../../shared/messages/message';

const TOKEN = 'ig-user-token';
const ACCOUNT = '17841405309211844';
const IGSID = '6543210987654321';

let instagram: InstagramStandIn;
const echoes: Array<{ accountId: string; body: InstagramEchoBody }> = [];

beforeAll(async () => {
  instagram = await startInstagramStandIn({ accessTokens: [TOKEN], onEcho: (echo) => echoes.push(echo) });
});
afterAll(() => instagram.close());
beforeEach(() => {
  instagram.reset();
  echoes.length = 0;
});

async function post(body: unknown, options: { token?: string | null; path?: string; bearer?: string } = {}) {
  const token = options.token === undefined ? TOKEN : options.token;
  const query = token === null ? '' : `?access_token=${encodeURIComponent(token)}`;
  const response = await fetch(`${instagram.url}${options.path ?? `/v25.0/${ACCOUNT}/messages`}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json: unknown = await response.json();
  return { status: response.status, body: json };
}
const send = (message: unknown, extra: Record<string, unknown> = {}) =>
  post({ recipient: { id: IGSID }, messaging_type: 'RESPONSE', message, ...extra });
const error = (code: number) => ({ error: expect.objectContaining({ code, type: expect.any(String), fbtrace_id: expect.any(String) }) });

const postback = (n: number) => ({ type: 'postback', title: `Option ${n}`, payload: `action=pick&n=${n}` });
const generic = (elements: unknown[]) => ({ attachment: { type: 'template', payload: { template_type: 'generic', elements } } });
const buttonTemplate = (buttons: unknown[]) => ({
  attachment: { type: 'template', payload: { template_type: 'button', text: 't', buttons } },
});

describe('what the renderer and the client produce', () => {
  it('is accepted and recorded, message for message', async () => {
    const messages: ResolvedMessage[] = [
      {
        type: 'text',
        text: `${'你好'.repeat(400)}`,
        quickReplies: Array.from({ length: 15 }, (_, i) => ({
          type: 'postback',
          label: `Reply number ${i} long label`,
          data: `action=r&i=${i}`,
        })),
      },
      { type: 'image', url: 'https://example.com/a.png' },
      {
        type: 'buttons',
        title: 'Order',
        text: 'x'.repeat(700),
        buttons: [
          { type: 'url', label: 'Track', url: 'https://example.com' },
          { type: 'message', label: 'Help', text: 'help' },
        ],
      },
      {
        type: 'carousel',
        altText: 'cards',
        cards: Array.from({ length: 12 }, (_, i) => ({ title: 'T'.repeat(100), subtitle: `${i}`, buttons: [] })),
      },
      { type: 'accountLink', text: 'Sign in', label: 'Sign in', url: 'https://brand.example/link' },
    ];
    const client = createInstagramClient({
      baseUrl: `${instagram.url}/v25.0`,
      accountId: ACCOUNT,
      accessToken: TOKEN,
      fetch: createGuardedFetch({ allowHttpHosts: [instagram.url.replace('http://', '')] }),
    });
    const rendered = renderInstagramMessages(messages);
    for (const message of rendered) await client.send(IGSID, message, { messagingType: 'RESPONSE' });
    await client.typingOn(IGSID);
    const calls = instagram.calls();
    expect(calls.map((c) => c.kind)).toEqual([...rendered.map(() => 'send'), 'typing']);
    expect(calls[0]).toMatchObject({ accountId: ACCOUNT, token: accessTokenFingerprint(TOKEN), to: IGSID, messagingType: 'RESPONSE' });
    expect(calls.map((c) => c.message).filter(Boolean)).toEqual(rendered);
  });
});

describe('request rules', () => {
  it('takes the token from access_token or a Bearer header, and only the configured ones', async () => {
    expect((await post({ recipient: { id: IGSID }, sender_action: 'typing_on' }, { token: null, bearer: TOKEN })).status).toBe(200);
    expect(await post({ recipient: { id: IGSID }, sender_action: 'typing_on' }, { token: null })).toEqual({
      status: 400,
      body: error(2500),
    });
    expect(await post({ recipient: { id: IGSID }, sender_action: 'typing_on' }, { token: 'other' })).toEqual({
      status: 400,
      body: error(190),
    });
  });

  it.each([
    ['text of 1,000 characters', { text: 'x'.repeat(1000) }],
    ['text over 1,000 UTF-8 bytes', { text: '你'.repeat(334) }],
    [
      '14 quick replies',
      { text: 'x', quick_replies: Array.from({ length: 14 }, (_, i) => ({ content_type: 'text', title: 't', payload: `p${i}` })) },
    ],
    ['a quick reply title over 20', { text: 'x', quick_replies: [{ content_type: 'text', title: 'x'.repeat(21), payload: 'p' }] }],
    ['a generic template of 11 elements', generic(Array.from({ length: 11 }, () => ({ title: 'a', subtitle: 'b' })))],
    ['an element title over 80', generic([{ title: 'x'.repeat(81), subtitle: 'b' }])],
    ['an element with 4 buttons', generic([{ title: 'a', buttons: [1, 2, 3, 4].map(postback) }])],
    ['an element with only a title', generic([{ title: 'a' }])],
    ['a Log In button', buttonTemplate([{ type: 'account_link', url: 'https://brand.example' }])],
    ['a phone_number button', buttonTemplate([{ type: 'phone_number', title: 'Call', payload: '+15550100' }])],
    ['a list template', { attachment: { type: 'template', payload: { template_type: 'list', elements: [] } } }],
    [
      'a button template text over 640',
      { attachment: { type: 'template', payload: { template_type: 'button', text: 'x'.repeat(641), buttons: [postback(1)] } } },
    ],
  ])('refuses %s with a Graph error 100, unrecorded', async (_name, message) => {
    expect(await send(message)).toEqual({ status: 400, body: error(100) });
    expect(instagram.calls()).toEqual([]);
  });

  it('refuses a message tag other than HUMAN_AGENT, and unknown paths', async () => {
    expect((await send({ text: 'x' }, { messaging_type: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE' })).status).toBe(400);
    expect((await post({ recipient: { id: IGSID }, sender_action: 'typing_on' }, { path: `/${ACCOUNT}/feed` })).status).toBe(400);
  });
});

describe('24-hour window', () => {
  it('lets only HUMAN_AGENT-tagged messages through to a person whose window closed', async () => {
    instagram.expireWindow(IGSID);
    const late = await send({ text: 'x' });
    expect(late).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 10, error_subcode: 2018278 }) } });
    expect((await send({ text: 'agent here' }, { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' })).status).toBe(200);
    expect(instagram.calls()).toMatchObject([{ tag: 'HUMAN_AGENT', messagingType: 'MESSAGE_TAG' }]);
  });
});

describe('failures and echoes', () => {
  it('fails the next sends with the given status, then recovers; the client retries a 5xx', async () => {
    instagram.failNext(1, 500);
    const client = createInstagramClient({
      baseUrl: instagram.url,
      accountId: 'me',
      accessToken: TOKEN,
      fetch: createGuardedFetch({ allowHttpHosts: [instagram.url.replace('http://', '')] }),
      sleep: async () => undefined,
    });
    await client.send(IGSID, { text: 'x' }, { messagingType: 'RESPONSE' });
    expect(instagram.calls()).toHaveLength(1);
    instagram.failNext(5, 400);
    await expect(client.send(IGSID, { text: 'x' }, { messagingType: 'RESPONSE' })).rejects.toBeInstanceOf(InstagramApiError);
    instagram.failNext(0, 400);
    expect((await send({ text: 'x' })).status).toBe(200);
  });

  it("posts an echo on the messages field that the webhook parser reads as callcard's receipt", async () => {
    const jobId = `instagram:${ACCOUNT}:m_in`;
    await send({ text: 'hello', metadata: echoMetadata(jobId, 1, TOKEN) });
    expect(echoes).toHaveLength(1);
    const actions = toInstagramEvents(instagramWebhookSchema.parse(echoes[0]?.body));
    expect(actions).toEqual([{ kind: 'echo', pageId: ACCOUNT, claim: expect.objectContaining({ receipt: { jobId, index: 1 } }) }]);
  });
});

import { createMessengerClient, MessengerApiError } from '../../../../../shared/channels/messenger/messengerClient';
import { OutboundError, type GuardedFetch, type OutboundRequest, type OutboundResponse } from '../../../../../shared/http/guardedFetch';

const TOKEN = 'EAAB-secret-page-token';
const BASE = 'https://graph.facebook.com/v25.0';

type Answer = { status: number; body: unknown } | Error;

/** A scripted GuardedFetch: answers in order, the last one repeated. */
function scripted(...answers: Answer[]): { fetch: GuardedFetch; requests: OutboundRequest[] } {
  const requests: OutboundRequest[] = [];
  const fetch: GuardedFetch = async (req) => {
    requests.push(req);
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)];
    if (answer === undefined) throw new Error('no answer scripted');
    if (answer instanceof Error) throw answer;
    const response: OutboundResponse = {
      status: answer.status,
      headers: {},
      body: typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body),
      url: req.url,
      latencyMs: 1,
    };
    return response;
  };
  return { fetch, requests };
}

const graphError = (code: number, subcode?: number, extra: Record<string, unknown> = {}) => ({
  error: {
    message: `(#${code}) something`,
    type: 'OAuthException',
    code,
    ...(subcode ? { error_subcode: subcode } : {}),
    fbtrace_id: 'Atrace',
    ...extra,
  },
});

function client(fetch: GuardedFetch, sleeps: number[] = []) {
  return createMessengerClient({
    baseUrl: `${BASE}/`,
    pageId: '682498302938465',
    accessToken: TOKEN,
    fetch,
    sleep: async (ms) => void sleeps.push(ms),
  });
}

async function failureOf(promise: Promise<unknown>): Promise<MessengerApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MessengerApiError) return error;
    throw error;
  }
  throw new Error('expected a MessengerApiError');
}

describe('send', () => {
  it('POSTs the Send API body to /{page}/messages with the token as access_token', async () => {
    const { fetch, requests } = scripted({ status: 200, body: { recipient_id: 'PSID-1', message_id: 'm_1' } });
    const result = await client(fetch).send('PSID-1', { text: 'hello' }, { messagingType: 'RESPONSE' });
    expect(result).toEqual({ messageId: 'm_1' });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe(`${BASE}/682498302938465/messages?access_token=${TOKEN}`);
    expect(request?.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      recipient: { id: 'PSID-1' },
      messaging_type: 'RESPONSE',
      message: { text: 'hello' },
    });
  });

  it('escapes the token and page id in the URL', async () => {
    const { fetch, requests } = scripted({ status: 200, body: {} });
    await createMessengerClient({ baseUrl: BASE, pageId: 'a/b', accessToken: 't&k=v', fetch }).send(
      'P',
      { text: 'x' },
      { messagingType: 'UPDATE' },
    );
    expect(requests[0]?.url).toBe(`${BASE}/a%2Fb/messages?access_token=t%26k%3Dv`);
  });

  it('resolves without a message id when Meta gave none', async () => {
    const { fetch } = scripted({ status: 200, body: 'not json' });
    expect(await client(fetch).send('P', { text: 'x' }, { messagingType: 'RESPONSE' })).toEqual({ messageId: undefined });
  });

  it('retries 5xx answers with backoff, then succeeds', async () => {
    const sleeps: number[] = [];
    const { fetch, requests } = scripted(
      { status: 500, body: graphError(2, undefined, { is_transient: true }) },
      { status: 503, body: 'Service Unavailable' },
      { status: 200, body: { message_id: 'm_3' } },
    );
    expect(await client(fetch, sleeps).send('P', { text: 'x' }, { messagingType: 'RESPONSE' })).toEqual({ messageId: 'm_3' });
    expect(requests).toHaveLength(3);
    expect(sleeps).toEqual([400, 800]);
    // The same body each time.
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
  });

  it('retries timeouts and failed connections, but gives up after 3 attempts', async () => {
    const { fetch, requests } = scripted(new OutboundError('timeout', `${BASE}/682498302938465/messages: timed out`));
    const error = await failureOf(client(fetch).send('P', { text: 'x' }, { messagingType: 'RESPONSE' }));
    expect(requests).toHaveLength(3);
    expect(error).toMatchObject({ kind: 'timeout', status: undefined, isRetryable: true, isOutsideWindow: false });
    expect(error.cause).toBeInstanceOf(OutboundError);

    const refused = scripted(new OutboundError('network', 'refused'), { status: 200, body: {} });
    await client(refused.fetch).send('P', { text: 'x' }, { messagingType: 'RESPONSE' });
    expect(refused.requests).toHaveLength(2);
  });

  it('does not retry what will fail again: 4xx, a blocked URL', async () => {
    const invalid = scripted({ status: 400, body: graphError(100) });
    const error = await failureOf(client(invalid.fetch).send('P', { text: 'x' }, { messagingType: 'RESPONSE' }));
    expect(invalid.requests).toHaveLength(1);
    expect(error).toMatchObject({
      status: 400,
      code: 100,
      subcode: undefined,
      fbtraceId: 'Atrace',
      isRetryable: false,
      isOutsideWindow: false,
    });

    const blocked = scripted(new OutboundError('blocked', 'only https'));
    expect(await failureOf(client(blocked.fetch).send('P', { text: 'x' }, { messagingType: 'RESPONSE' }))).toMatchObject({
      kind: 'blocked',
      isRetryable: false,
    });
    expect(blocked.requests).toHaveLength(1);
  });

  it('classifies code 10 / subcode 2018278 as outside the 24-hour window, and does not retry it', async () => {
    const { fetch, requests } = scripted({ status: 400, body: graphError(10, 2018278) });
    const error = await failureOf(client(fetch).send('P', { text: 'x' }, { messagingType: 'RESPONSE' }));
    expect(requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 400, code: 10, subcode: 2018278, isOutsideWindow: true, isRetryable: false });
    expect(error.message).toBe('Messenger /682498302938465/messages: 400 OAuthException (#10/2018278) (#10) something');
    // Code 10 alone is a permission problem, not the window.
    expect(new MessengerApiError('x', { status: 400, code: 10 }).isOutsideWindow).toBe(false);
    expect(new MessengerApiError('x', { status: 400, code: 100, subcode: 2018278 }).isOutsideWindow).toBe(false);
  });

  it('retries a 4xx Meta marks transient', async () => {
    const { fetch, requests } = scripted(
      { status: 400, body: graphError(1, undefined, { is_transient: true }) },
      { status: 200, body: {} },
    );
    await client(fetch).send('P', { text: 'x' }, { messagingType: 'RESPONSE' });
    expect(requests).toHaveLength(2);
  });

  it('never puts the page token in an error message', async () => {
    const { fetch } = scripted({ status: 400, body: graphError(190, undefined, { message: `Invalid OAuth access token ${TOKEN}` }) });
    const error = await failureOf(client(fetch).send('P', { text: 'x' }, { messagingType: 'RESPONSE' }));
    expect(error.code).toBe(190);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toContain('[redacted]');
    const plain = scripted({ status: 502, body: `<html>${TOKEN}</html>` });
    const bad = await failureOf(client(plain.fetch).send('P', { text: 'x' }, { messagingType: 'RESPONSE' }));
    expect(bad.message).toBe('Messenger /682498302938465/messages: 502');
  });

  it('sends a message tag when asked', async () => {
    const { fetch, requests } = scripted({ status: 200, body: {} });
    await client(fetch).send('P', { text: 'x' }, { messagingType: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE' });
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      recipient: { id: 'P' },
      messaging_type: 'MESSAGE_TAG',
      tag: 'ACCOUNT_UPDATE',
      message: { text: 'x' },
    });
  });
});

describe('typingOn', () => {
  it('sends the typing_on sender action, once, without retrying', async () => {
    const { fetch, requests } = scripted({ status: 500, body: graphError(2) });
    await expect(client(fetch).typingOn('PSID-1')).rejects.toBeInstanceOf(MessengerApiError);
    expect(requests).toHaveLength(1);
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ recipient: { id: 'PSID-1' }, sender_action: 'typing_on' });
  });
});

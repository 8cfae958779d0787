import http from 'node:http';
import { createInstagramClient, InstagramApiError } from '../../../../../shared/channels/instagram/instagramClient';
import { createGuardedFetch } from '../../../../../shared/http/guardedFetch';
import { closeServer, listen } from '../../../../../local/httpServer';

const TOKEN = 'IGAAB-secret-instagram-token';
const ACCOUNT = '17841405309211844';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local Graph host: answers from a script (the last answer repeated), records every request. */
let server: http.Server;
let base: string;
let received: Received[] = [];
let answers: Array<{ status: number; body: unknown }> = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = answers[Math.min(received.length - 1, answers.length - 1)] ?? { status: 200, body: {} };
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(text);
    });
  });
  base = `http://127.0.0.1:${await listen(server, 0)}`;
});
afterAll(() => closeServer(server));
beforeEach(() => {
  received = [];
  answers = [{ status: 200, body: { recipient_id: '6543210987654321', message_id: 'aWdfZAG1_m1' } }];
});

function client(sleeps: number[] = []) {
  return createInstagramClient({
    baseUrl: `${base}/v25.0/`,
    accountId: ACCOUNT,
    accessToken: TOKEN,
    fetch: createGuardedFetch({ allowHttpHosts: [base.replace('http://', '')] }),
    sleep: async (ms) => void sleeps.push(ms),
  });
}

async function failureOf(promise: Promise<unknown>): Promise<InstagramApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InstagramApiError) return error;
    throw error;
  }
  throw new Error('expected an InstagramApiError');
}

describe('send', () => {
  it('POSTs the Send API body to /{ig-id}/messages with the token as access_token', async () => {
    const result = await client().send('6543210987654321', { text: 'hello' }, { messagingType: 'RESPONSE' });
    expect(result).toEqual({ messageId: 'aWdfZAG1_m1' });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe(`/v25.0/${ACCOUNT}/messages?access_token=${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      recipient: { id: '6543210987654321' },
      messaging_type: 'RESPONSE',
      message: { text: 'hello' },
    });
  });

  it('sends templates and quick replies as rendered, and a HUMAN_AGENT tag when asked', async () => {
    const message = {
      attachment: {
        type: 'template' as const,
        payload: {
          template_type: 'generic' as const,
          elements: [{ title: 'Card', subtitle: 'sub', buttons: [{ type: 'postback' as const, title: 'Pick', payload: 'action=pick' }] }],
        },
      },
    };
    await client().send('P', message, { messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      recipient: { id: 'P' },
      messaging_type: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
      message,
    });
  });

  it('retries a 5xx with backoff, not a 4xx; the 24-hour window error is named and never retried', async () => {
    const sleeps: number[] = [];
    answers = [
      { status: 500, body: { error: { message: 'try later', code: 2, is_transient: true } } },
      { status: 200, body: { message_id: 'm2' } },
    ];
    expect(await client(sleeps).send('P', { text: 'x' }, { messagingType: 'RESPONSE' })).toEqual({ messageId: 'm2' });
    expect(received).toHaveLength(2);
    expect(sleeps).toEqual([400]);

    received = [];
    answers = [
      {
        status: 400,
        body: { error: { message: '(#10) outside of allowed window', type: 'OAuthException', code: 10, error_subcode: 2018278 } },
      },
    ];
    const error = await failureOf(client().send('P', { text: 'x' }, { messagingType: 'RESPONSE' }));
    expect(received).toHaveLength(1);
    expect(error).toMatchObject({ status: 400, code: 10, subcode: 2018278, isOutsideWindow: true, isRetryable: false });
    expect(error.message).toMatch(new RegExp(`^Instagram /${ACCOUNT}/messages: 400 OAuthException`));
  });

  it('never puts the token in an error message', async () => {
    answers = [{ status: 400, body: { error: { message: `Invalid OAuth access token ${TOKEN}`, code: 190 } } }];
    const error = await failureOf(client().send('P', { text: 'x' }, { messagingType: 'RESPONSE' }));
    expect(error.code).toBe(190);
    expect(error.message).not.toContain(TOKEN);
  });

  it('reports a refused connection as a network error after its attempts', async () => {
    const closed = createInstagramClient({
      baseUrl: 'http://127.0.0.1:9/v25.0',
      accountId: 'me',
      accessToken: TOKEN,
      fetch: createGuardedFetch({ allowHttpHosts: ['127.0.0.1:9'] }),
      maxAttempts: 2,
      sleep: async () => undefined,
    });
    const error = await failureOf(closed.send('P', { text: 'x' }, { messagingType: 'RESPONSE' }));
    expect(error).toMatchObject({ kind: 'network', isRetryable: true });
    expect(error.message).toBe('Instagram /me/messages: network');
  });
});

describe('typingOn', () => {
  it('sends the typing_on sender action', async () => {
    await client().typingOn('6543210987654321');
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ recipient: { id: '6543210987654321' }, sender_action: 'typing_on' });
  });
});

import { createLineClient, LineApiError } from '../../../../../shared/channels/line/lineClient';
import { OutboundError, type GuardedFetch, type OutboundRequest } from '../../../../../shared/http/guardedFetch';

function scripted(statuses: (number | 'network')[]) {
  const requests: OutboundRequest[] = [];
  const sleeps: number[] = [];
  const fetch: GuardedFetch = async (req) => {
    requests.push(req);
    const status = statuses[Math.min(requests.length - 1, statuses.length - 1)];
    if (status === 'network') throw new OutboundError('network', 'reset');
    return { status: status ?? 200, headers: {}, body: '{}', url: req.url, latencyMs: 1 };
  };
  const client = createLineClient({
    baseUrl: 'https://api.line.example/',
    accessToken: 'tok',
    fetch,
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { client, requests, sleeps };
}

describe('LINE push retries', () => {
  test('500 and a network error are retried (400 ms, 800 ms) with the same retry key', async () => {
    const s = scripted([500, 'network', 200]);
    await s.client.push('U1', [{ type: 'text', text: 'hi' }], 'key-1');
    expect(s.requests).toHaveLength(3);
    expect(s.requests.map((r) => r.headers?.['x-line-retry-key'])).toEqual(['key-1', 'key-1', 'key-1']);
    expect(s.sleeps).toEqual([400, 800]);
  });

  test('gives up after 3 attempts with the last error', async () => {
    const s = scripted([503]);
    await expect(s.client.push('U1', [{ type: 'text', text: 'hi' }], 'key-1')).rejects.toMatchObject({ status: 503 });
    expect(s.requests).toHaveLength(3);
  });

  test('409 (already accepted under this key) is success; a 400 is not retried', async () => {
    const accepted = scripted([500, 409]);
    await expect(accepted.client.push('U1', [{ type: 'text', text: 'hi' }], 'k')).resolves.toBeUndefined();
    const refused = scripted([400]);
    await expect(refused.client.push('U1', [{ type: 'text', text: 'hi' }], 'k')).rejects.toBeInstanceOf(LineApiError);
    expect(refused.requests).toHaveLength(1);
    expect(refused.sleeps).toEqual([]);
  });

  test('reply is never retried', async () => {
    const s = scripted([500, 200]);
    await expect(s.client.reply('token', [{ type: 'text', text: 'hi' }])).rejects.toMatchObject({ status: 500 });
    expect(s.requests).toHaveLength(1);
  });
});

describe('LINE link tokens', () => {
  function answering(status: number, body: string) {
    const requests: OutboundRequest[] = [];
    const fetch: GuardedFetch = async (req) => {
      requests.push(req);
      return { status, headers: {}, body, url: req.url, latencyMs: 1 };
    };
    return { client: createLineClient({ baseUrl: 'https://api.line.example', accessToken: 'tok', fetch }), requests };
  }

  test('POST /v2/bot/user/{userId}/linkToken without a body; the token of the answer', async () => {
    const s = answering(200, '{"linkToken":"NMZTNuVrPTqlr2IF8Bnymkb7rXfYv5EY"}');
    await expect(s.client.issueLinkToken('U1')).resolves.toBe('NMZTNuVrPTqlr2IF8Bnymkb7rXfYv5EY');
    expect(s.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: 'https://api.line.example/v2/bot/user/U1/linkToken',
        headers: { authorization: 'Bearer tok' },
      }),
    ]);
    expect(s.requests[0]?.body).toBeUndefined();
  });

  test('an error, or an answer without a plain token, is a LineApiError', async () => {
    await expect(
      answering(400, '{"message":"The user hasn\'t added the LINE Official Account as a friend."}').client.issueLinkToken('U1'),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('as a friend') });
    await expect(answering(200, '{"linkToken":"a b"}').client.issueLinkToken('U1')).rejects.toBeInstanceOf(LineApiError);
    await expect(answering(200, 'not json').client.issueLinkToken('U1')).rejects.toBeInstanceOf(LineApiError);
  });
});

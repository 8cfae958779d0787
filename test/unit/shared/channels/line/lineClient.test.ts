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
  const client = createLineClient({ baseUrl: 'https://api.line.example/', accessToken: 'tok', fetch, sleep: async (ms) => void sleeps.push(ms) });
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

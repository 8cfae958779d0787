import { DEMO_ORDERS_API_KEY, startDemoBrandApi } from '../../../local/demoBrandApi';
import type { BestSeller, DemoBrandApi } from '../../../local/demoBrandApi';

interface HttpResult {
  status: number;
  body: unknown;
}

let brand: DemoBrandApi;

beforeAll(async () => {
  brand = await startDemoBrandApi();
});
afterAll(() => brand.close());
beforeEach(() => brand.reset());

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const response = await fetch(`${brand.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const parsed: unknown = await response.json();
  return { status: response.status, body: parsed };
}

describe('GET /members/{memberId}/tickets', () => {
  it('lists only the unused tickets of M001', async () => {
    const result = await call('GET', '/members/M001/tickets');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      memberId: 'M001',
      tickets: [
        {
          id: 'T-1001',
          title: 'Taipei 101 Observatory',
          validUntil: '2026-12-31',
          imageUrl: 'https://picsum.photos/seed/t1001/600/400',
          status: 'unused',
        },
        expect.objectContaining({ id: 'T-1002', status: 'unused' }),
        expect.objectContaining({ id: 'T-1003', status: 'unused' }),
      ],
    });
  });

  it('answers an empty list for M002 and 404 for an unknown member', async () => {
    expect(await call('GET', '/members/M002/tickets')).toEqual({ status: 200, body: { memberId: 'M002', tickets: [] } });
    expect(await call('GET', '/members/M999/tickets')).toEqual({ status: 404, body: { error: 'member not found' } });
    // Inherited object keys are not members.
    expect((await call('GET', '/members/constructor/tickets')).status).toBe(404);
  });
});

describe('one-time codes: POST /otp/send and /otp/verify, the SMS stand-in', () => {
  it('texts a 6-digit code to a member, answers the same for any number, and verifies the right code once', async () => {
    expect(await call('POST', '/otp/send', { phone: '0912-345-678' })).toEqual({ status: 200, body: { sent: true, expiresInMinutes: 5 } });
    expect(await call('POST', '/otp/send', { phone: '0900000000' })).toEqual({ status: 200, body: { sent: true, expiresInMinutes: 5 } });
    // Only the member's phone gets an SMS.
    expect(brand.sms()).toEqual([
      {
        to: '0912345678',
        text: expect.stringMatching(/your verification code is \d{6}\. It expires in 5 minutes/),
        at: expect.any(String),
      },
    ]);
    const code = brand.lastCode('0912 345 678') ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect(await call('GET', '/sms?to=0912345678')).toEqual({ status: 200, body: brand.sms() });
    expect(await (await fetch(`${brand.url}/sms/code?to=0912345678`)).text()).toBe(code);
    expect((await fetch(`${brand.url}/sms/code?to=0922333444`)).status).toBe(404);
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code })).toEqual({
      status: 200,
      body: { verified: true, memberId: 'M001', name: 'Chen Mei-Ling' },
    });
    // Used up: the same code again is a wrong code.
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code })).toEqual({
      status: 422,
      body: { verified: false, error: 'wrong_code', attemptsLeft: 2 },
    });
    // A number that is no member never verifies, whatever is typed.
    expect(await call('POST', '/otp/verify', { phone: '0900000000', code: '123456' })).toMatchObject({
      status: 422,
      body: { error: 'wrong_code' },
    });
  });

  it('one live code per phone: a second send waits until it expires; an expired code is said so (410)', async () => {
    await call('POST', '/otp/send', { phone: '0922333444' });
    const code = brand.lastCode('0922333444') ?? '';
    expect(await call('POST', '/otp/send', { phone: '0922333444' })).toEqual({
      status: 409,
      body: { sent: false, error: 'code_already_sent', expiresInMinutes: 5 },
    });
    expect(brand.sms()).toHaveLength(1);
    brand.advanceClock(5 * 60_000);
    expect(await call('POST', '/otp/verify', { phone: '0922333444', code })).toEqual({
      status: 410,
      body: { verified: false, error: 'expired' },
    });
    expect((await call('POST', '/otp/send', { phone: '0922333444' })).status).toBe(200);
    expect(brand.lastCode('0922333444')).not.toBeUndefined();
    expect(await call('POST', '/otp/verify', { phone: '0922333444', code: brand.lastCode('0922333444') })).toMatchObject({
      status: 200,
      body: { memberId: 'M002' },
    });
  });

  it('3 wrong codes lock the phone for 5 minutes: the right code is refused, and so is a new one, until then', async () => {
    await call('POST', '/otp/send', { phone: '0912345678' });
    const code = brand.lastCode('0912345678') ?? '';
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code: wrong })).toMatchObject({
      status: 422,
      body: { attemptsLeft: 2 },
    });
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code: wrong })).toMatchObject({
      status: 422,
      body: { attemptsLeft: 1 },
    });
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code: wrong })).toEqual({
      status: 423,
      body: { verified: false, error: 'locked', retryAfterMinutes: 5 },
    });
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code })).toMatchObject({ status: 423, body: { error: 'locked' } });
    expect(await call('POST', '/otp/send', { phone: '0912345678' })).toMatchObject({ status: 423, body: { sent: false, error: 'locked' } });
    brand.advanceClock(4 * 60_000);
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code })).toMatchObject({ status: 423, body: { retryAfterMinutes: 1 } });
    brand.advanceClock(60_000);
    // The cool-down is over; the old code stays void.
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code })).toMatchObject({ status: 422 });
    expect((await call('POST', '/otp/send', { phone: '0912345678' })).status).toBe(200);
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code: brand.lastCode('0912345678') })).toMatchObject({
      status: 200,
      body: { memberId: 'M001' },
    });
  });

  it('a retried call (same Idempotency-Key) gets the first answer: one SMS, one attempt counted', async () => {
    const key = { 'idempotency-key': 'job-1#send_code' };
    expect((await call('POST', '/otp/send', { phone: '0912345678' }, key)).status).toBe(200);
    expect((await call('POST', '/otp/send', { phone: '0912345678' }, key)).status).toBe(200);
    expect(brand.sms()).toHaveLength(1);
    const verifyKey = { 'idempotency-key': 'job-2#check_code' };
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code: 'nope' }, verifyKey)).toMatchObject({
      body: { attemptsLeft: 2 },
    });
    expect(await call('POST', '/otp/verify', { phone: '0912345678', code: 'nope' }, verifyKey)).toMatchObject({
      body: { attemptsLeft: 2 },
    });
  });

  it('400 for a bad body', async () => {
    expect((await call('POST', '/otp/send', { phone: 912345678 })).status).toBe(400);
    expect((await call('POST', '/otp/send', { phone: 'call me' })).status).toBe(400);
    expect((await call('POST', '/otp/verify', 'phone=0912345678')).status).toBe(400);
    expect((await call('POST', '/otp/verify', { phone: '0912345678' })).status).toBe(400);
  });
});

describe('best sellers', () => {
  const replacement: BestSeller[] = [
    {
      sku: 'NEW-1',
      name: '限定芒果乾',
      price: 199,
      imageUrl: 'https://picsum.photos/seed/new1/600/400',
      url: 'https://shop.example.com/products/NEW-1',
    },
  ];

  it('lists 3 items with an update time', async () => {
    const result = await call('GET', '/best-sellers');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      updatedAt: expect.any(String),
      items: Array.from({ length: 3 }, () => ({
        sku: expect.any(String),
        name: expect.any(String),
        price: expect.any(Number),
        imageUrl: expect.any(String),
        url: expect.any(String),
      })),
    });
  });

  it('is replaced by setBestSellers', async () => {
    brand.setBestSellers(replacement);
    expect((await call('GET', '/best-sellers')).body).toEqual({ updatedAt: expect.any(String), items: replacement });
  });

  it('is replaced by PUT /best-sellers, which validates the items', async () => {
    expect((await call('PUT', '/best-sellers', { items: replacement })).status).toBe(200);
    expect((await call('GET', '/best-sellers')).body).toEqual({ updatedAt: expect.any(String), items: replacement });
    const bad = await call('PUT', '/best-sellers', { items: [{ sku: 'X' }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: expect.any(String) });
  });

  it('is restored by reset', async () => {
    brand.setBestSellers(replacement);
    brand.reset();
    expect((await call('GET', '/best-sellers')).body).toEqual(
      expect.objectContaining({ items: expect.arrayContaining([expect.objectContaining({ sku: 'PC-001' })]) }),
    );
  });
});

describe('POST /registrations', () => {
  it('registers while seats remain', async () => {
    const result = await call('POST', '/registrations', { name: '王小明', phone: '0912345678', plan: 'basic' });
    expect(result).toEqual({ status: 200, body: { status: 'success', registrationId: expect.stringMatching(/^R-/) } });
    const second = await call('POST', '/registrations', { name: 'Lin', phone: '0922333444', plan: 'basic' });
    expect(second.body).not.toEqual(result.body);
  });

  it('answers full for vip', async () => {
    expect(await call('POST', '/registrations', { name: 'Lin', phone: '0922333444', plan: 'vip' })).toEqual({
      status: 200,
      body: { status: 'full' },
    });
  });

  it('answers 400 when a field is missing or not a string', async () => {
    const missing = await call('POST', '/registrations', { name: 'Lin', phone: '0922333444' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: expect.stringContaining('plan') });
    expect((await call('POST', '/registrations', { name: 'Lin', phone: 922333444, plan: 'basic' })).status).toBe(400);
    expect((await call('POST', '/registrations', 'not json')).status).toBe(400);
  });

  it('answers a retried request with the same Idempotency-Key with the first answer', async () => {
    const body = { name: 'Lin', phone: '0922333444', plan: 'basic' };
    const first = await call('POST', '/registrations', body, { 'Idempotency-Key': 'k-1' });
    const retry = await call('POST', '/registrations', body, { 'Idempotency-Key': 'k-1' });
    const other = await call('POST', '/registrations', body, { 'Idempotency-Key': 'k-2' });
    expect(retry).toEqual(first);
    expect(other.body).not.toEqual(first.body);
  });
});

describe('GET /orders/{id}', () => {
  const key = { 'x-api-key': DEMO_ORDERS_API_KEY };

  it('answers a known order with its status and items, the id matched ignoring case and spaces', async () => {
    const shipped = await call('GET', '/orders/A123', undefined, key);
    expect(shipped.status).toBe(200);
    expect(shipped.body).toEqual({
      id: 'A123',
      status: 'shipped',
      items: [
        { name: '土鳳梨酥禮盒 (12入)', qty: 2, price: 450, imageUrl: 'https://picsum.photos/seed/pc001/600/400' },
        { name: '阿里山高山烏龍茶 150g', qty: 1, price: 680, imageUrl: 'https://picsum.photos/seed/tea201/600/400' },
      ],
    });
    expect(await call('GET', '/orders/%20a123%20', undefined, key)).toEqual(shipped);
    expect(await call('GET', '/orders/b456', undefined, key)).toMatchObject({
      status: 200,
      body: { id: 'B456', status: 'processing', items: [expect.objectContaining({ qty: 3 })] },
    });
  });

  it('answers 404 for an unknown order', async () => {
    expect(await call('GET', '/orders/Z999', undefined, key)).toEqual({ status: 404, body: { error: 'no such order' } });
    expect(await call('GET', '/orders/constructor', undefined, key)).toEqual({ status: 404, body: { error: 'no such order' } });
  });

  it('answers 401 without the key or with another one, even for an unknown order', async () => {
    expect(await call('GET', '/orders/A123')).toEqual({ status: 401, body: { error: 'missing or wrong x-api-key' } });
    expect((await call('GET', '/orders/A123', undefined, { 'x-api-key': 'guess' })).status).toBe(401);
    expect((await call('GET', '/orders/Z999')).status).toBe(401);
  });

  it('takes the key from the ordersApiKey option', async () => {
    const other = await startDemoBrandApi({ ordersApiKey: 'another-key' });
    try {
      const get = async (apiKey: string) => (await fetch(`${other.url}/orders/A123`, { headers: { 'x-api-key': apiKey } })).status;
      expect([await get('another-key'), await get(DEMO_ORDERS_API_KEY)]).toEqual([200, 401]);
    } finally {
      await other.close();
    }
  });
});

describe('other routes', () => {
  it('queues notifications with 202', async () => {
    expect(await call('POST', '/notify', { to: 'ops@example.com', subject: 'New registration' })).toEqual({
      status: 202,
      body: { queued: true },
    });
  });

  it('answers /health and 404 for unknown routes', async () => {
    expect((await call('GET', '/health')).status).toBe(200);
    expect((await call('GET', '/nope')).status).toBe(404);
    expect((await call('DELETE', '/best-sellers')).status).toBe(404);
  });
});

describe('recording', () => {
  it('records every request with method, path, headers and body', async () => {
    await call('GET', '/members/M001/tickets?lang=zh-TW', undefined, { authorization: 'Bearer brand-key' });
    await call('POST', '/registrations', { name: 'Lin', phone: '0922333444', plan: 'basic' }, { 'Idempotency-Key': 'abc-123' });
    await call('GET', '/nope');
    const requests = brand.requests();
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /members/M001/tickets?lang=zh-TW',
      'POST /registrations',
      'GET /nope',
    ]);
    expect(requests[0]?.headers['authorization']).toBe('Bearer brand-key');
    expect(requests[0]?.body).toBe('');
    expect(requests[1]?.headers['idempotency-key']).toBe('abc-123');
    expect(JSON.parse(requests[1]?.body ?? '')).toEqual({ name: 'Lin', phone: '0922333444', plan: 'basic' });
  });

  it('forgets requests on reset', async () => {
    await call('GET', '/health');
    brand.reset();
    expect(brand.requests()).toEqual([]);
  });
});

import { startDemoBrandApi, type DemoBrandApi } from '../../../local/demoBrandApi';
import { standardWebhookHeaders } from '../../../shared/http/signRequest';

const secret = `whsec_${Buffer.from('a-test-signing-secret-of-32-bytes').toString('base64')}`;

describe('the demo brand API with a signing secret refuses calls callcard did not sign', () => {
  let brand: DemoBrandApi;
  beforeAll(async () => {
    brand = await startDemoBrandApi({ signingSecret: secret });
  });
  afterAll(async () => brand.close());

  test('unsigned → 401', async () => {
    const response = await fetch(`${brand.url}/best-sellers`);
    expect(response.status).toBe(401);
  });

  test('signed with the workspace secret → answered', async () => {
    const response = await fetch(`${brand.url}/best-sellers`, { headers: standardWebhookHeaders(secret, 'job-1#card', '', new Date()) });
    expect(response.status).toBe(200);
  });

  test("the SMS stand-in (the member's phone, not an API callcard calls) needs no signature; /otp/send does", async () => {
    expect((await fetch(`${brand.url}/sms`)).status).toBe(200);
    expect((await fetch(`${brand.url}/sms/code?to=0912345678`)).status).toBe(404);
    expect((await fetch(`${brand.url}/otp/send`, { method: 'POST', body: '{"phone":"0912345678"}' })).status).toBe(401);
    expect(brand.sms()).toEqual([]);
  });

  test("the brand's own back office needs no callcard signature", async () => {
    const response = await fetch(`${brand.url}/best-sellers`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [] }),
    });
    expect(response.status).toBe(200);
  });

  test('signed over another body → 401', async () => {
    const headers = standardWebhookHeaders(secret, 'job-1#card', '{"phone":"0912345678"}', new Date());
    const response = await fetch(`${brand.url}/otp/send`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{"phone":"0922333444"}',
    });
    expect(response.status).toBe(401);
  });
});

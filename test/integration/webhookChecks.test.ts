import type { LocalStack } from '../../local/localStack';
import { signLineBody } from '../../local/lineWebhookBody';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startTestStack } from '../support/localStackHarness';

/**
 * Whether a channel's webhook passed its verification, end to end over real sockets: LINE's Verify
 * button (a signed delivery without events) and Meta's subscription check show as `verifiedAt` in the
 * admin's channel and app answers; a forged verify request or a wrong verify token shows nothing.
 */
const APP = { appId: '7001002003', secret: 'integration-app-secret', verifyToken: 'integration-app-verify' };

describe('webhook verification status', () => {
  let stack: LocalStack;
  let admin: AdminClient;

  beforeAll(async () => {
    stack = await startTestStack();
    admin = adminClient(stack, stack.demo.adminKey);
  });

  afterAll(() => stack.stop());

  type ChannelView = { kind: string; channelId: string; verifiedAt?: string };
  const channel = async (kind: string, channelId: string) => {
    const reply = await admin.call('GET', `/admin/channels/${kind}/${channelId}`);
    expect(reply.status).toBe(200);
    return reply.body as ChannelView;
  };
  const listed = async (kind: string, channelId: string) =>
    ((await admin.call('GET', '/admin/channels')).body as { channels: ChannelView[] }).channels.find(
      (c) => c.kind === kind && c.channelId === channelId,
    );

  const lineVerify = (secret: string) => {
    const body = JSON.stringify({ destination: 'Udeadbeefdeadbeefdeadbeefdeadbeef', events: [] });
    return fetch(`${stack.url}/webhooks/line/${stack.demo.lineChannelId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(body, secret) },
      body,
    });
  };
  const subscribe = (path: string, token: string) =>
    fetch(
      `${stack.url}/webhooks/messenger/${path}?${new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '424242' }).toString()}`,
    );

  test("LINE: a forged Verify leaves the channel unverified; a signed one marks it verified, in the list and the channel's own answer", async () => {
    expect((await channel('line', stack.demo.lineChannelId)).verifiedAt).toBeUndefined();
    expect((await lineVerify('forged-secret')).status).toBe(401);
    expect((await channel('line', stack.demo.lineChannelId)).verifiedAt).toBeUndefined();

    const before = Date.now();
    const response = await lineVerify(stack.demo.lineChannelSecret);
    expect(response.status).toBe(200);
    const { verifiedAt } = await channel('line', stack.demo.lineChannelId);
    expect(Date.parse(String(verifiedAt))).toBeGreaterThanOrEqual(before - 1_000);
    expect((await listed('line', stack.demo.lineChannelId))?.verifiedAt).toBe(verifiedAt);
  });

  test('Messenger: a wrong verify token leaves the page unverified; the right one marks it verified', async () => {
    expect((await subscribe(stack.demo.messengerPageId, 'guess')).status).toBe(403);
    expect((await channel('messenger', stack.demo.messengerPageId)).verifiedAt).toBeUndefined();
    const response = await subscribe(stack.demo.messengerPageId, stack.demo.messengerVerifyToken);
    expect([response.status, await response.text()]).toEqual([200, '424242']);
    expect((await channel('messenger', stack.demo.messengerPageId)).verifiedAt).toEqual(expect.any(String));
  });

  test("a Meta app: its handshake marks the app verified, and the pages under it (the app's URL serves them)", async () => {
    expect(
      (await admin.call('PUT', `/admin/messenger-apps/${APP.appId}`, { secret: APP.secret, verifyToken: APP.verifyToken })).body,
    ).toMatchObject({ created: true });
    expect(
      (await admin.call('PUT', '/admin/channels/messenger/7001002004', { appId: APP.appId, accessToken: 'page-under-app-token' })).body,
    ).toMatchObject({ created: true });
    expect((await subscribe(`apps/${APP.appId}`, 'guess')).status).toBe(403);
    expect(((await admin.call('GET', `/admin/messenger-apps/${APP.appId}`)).body as { verifiedAt?: string }).verifiedAt).toBeUndefined();
    expect((await channel('messenger', '7001002004')).verifiedAt).toBeUndefined();

    expect((await subscribe(`apps/${APP.appId}`, APP.verifyToken)).status).toBe(200);
    const app = (await admin.call('GET', `/admin/messenger-apps/${APP.appId}`)).body as { verifiedAt?: string };
    expect(app.verifiedAt).toEqual(expect.any(String));
    const apps = (await admin.call('GET', '/admin/messenger-apps')).body as { apps: Array<{ appId: string; verifiedAt?: string }> };
    expect(apps.apps.find((a) => a.appId === APP.appId)?.verifiedAt).toBe(app.verifiedAt);
    expect((await channel('messenger', '7001002004')).verifiedAt).toBe(app.verifiedAt);
  });
});

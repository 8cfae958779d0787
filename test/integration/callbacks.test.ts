import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { flowSchema } from '../../shared/flow/schema';
import { SIGNING_SECRET_NAME, standardWebhookHeaders } from '../../shared/http/signRequest';
import { sendLine, startFakeBrand, startTestStack, transcript, waitForLineCalls, type FakeBrand } from '../support/localStackHarness';

/**
 * Issue 20 end to end on the local stack: a card whose brand answers 202 and calls back later. The
 * customer gets the follow-up once the signed callback comes; a forged, reused or late callback is
 * refused and changes nothing; no callback takes the failure path with `callback_timeout` after the
 * card's timeout.
 */
const secret = `whsec_${Buffer.from('the lab workspace signing key 32').toString('base64')}`;

describe('waiting for the brand (callbacks), on the local stack', () => {
  let stack: LocalStack;
  let brand: FakeBrand;
  /** Callback URLs the brand was given, in order. */
  const given: string[] = [];

  beforeAll(async () => {
    brand = await startFakeBrand((req, res) => {
      const url = req.headers['callcard-callback-url'];
      if (typeof url === 'string') given.push(url);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"queued":true}');
    });
    stack = await startTestStack({ extraAllowHttpHosts: [brand.host] });
    await stack.store.secrets.put('lab', SIGNING_SECRET_NAME, secret);
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'booking',
      triggers: [{ type: 'keyword', keywords: ['book'], start: 'booking' }],
      blocks: {
        booking: {
          type: 'callApi',
          request: { method: 'POST', url: `${brand.url}/bookings`, body: { type: 'json', value: { seat: '12A' } } },
          callback: { timeoutSeconds: 10 },
          successWhen: 'response.body.status == "confirmed"',
          saveToAttributes: { bookingId: 'response.body.bookingId' },
          onSuccess: 'booked',
          onFailure: 'failed',
        },
        booked: { type: 'message', messages: [{ type: 'text', text: 'Booked: {{ attributes.bookingId }}' }] },
        failed: { type: 'message', messages: [{ type: 'text', text: 'Not booked: {{ failure.reason }}' }] },
      },
    });
    await stack.store.flows.putVersion('lab', 'booking', 1, flow);
    await stack.store.channels.put({
      workspaceId: 'lab',
      kind: 'line',
      channelId: 'cb-line',
      secret: 'cb-line-secret',
      accessToken: 'lab-token',
      name: '',
      activeFlow: { flowId: 'booking', version: 1 },
    });
  }, 30_000);

  afterAll(async () => {
    await stack.stop();
    await brand.close();
  });

  const channel = { channelId: 'cb-line', secret: 'cb-line-secret' };
  const toCustomer = (userId: string, replyToken: string) => (c: LineCall) =>
    (c.kind === 'reply' && c.replyToken === replyToken) || (c.kind === 'push' && c.to === userId);

  /** The customer says "book"; resolves when the brand was called and the turn is done (waiting). */
  async function book(userId: string): Promise<{ url: string; replyToken: string }> {
    const before = given.length;
    const sent = await sendLine(stack, { type: 'text', text: 'book' }, { userId, ...channel });
    expect(sent.status).toBe(200);
    for (let i = 0; given.length === before; i += 1) {
      if (i > 250) throw new Error('the brand was never called');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await stack.idle();
    return { url: given[given.length - 1] ?? '', replyToken: sent.replyToken };
  }

  async function callBack(url: string, body: string, signWith = secret, at = new Date()): Promise<number> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...standardWebhookHeaders(signWith, `msg_${Math.random()}`, body, at) },
      body,
    });
    return response.status;
  }

  test('the signed callback resumes the conversation: the follow-up, by reply while the token lives; a reuse is refused and sends nothing twice', async () => {
    const { url, replyToken } = await book('U-cb-ok');
    expect(url).toMatch(new RegExp(`^${stack.url}/callbacks/lab/[A-Za-z0-9_-]{24}$`));
    // Waiting: the loading animation, nothing said.
    expect(stack.lineStandIn.calls().filter(toCustomer('U-cb-ok', replyToken))).toEqual([]);
    expect(stack.lineStandIn.calls().some((c) => c.kind === 'loading')).toBe(true);
    expect(await callBack(url, '{"status":"confirmed","bookingId":"B-17"}')).toBe(202);
    const calls = await waitForLineCalls(stack, (all) => all.some(toCustomer('U-cb-ok', replyToken)), 10_000);
    const answers = calls.filter(toCustomer('U-cb-ok', replyToken));
    expect(answers.map((c) => c.kind)).toEqual(['reply']);
    expect(transcript(answers.flatMap((c) => c.messages ?? []))).toEqual(['Booked: B-17']);
    expect(await callBack(url, '{"status":"confirmed","bookingId":"B-18"}')).toBe(409);
    await stack.idle();
    expect(stack.lineStandIn.calls().filter(toCustomer('U-cb-ok', replyToken))).toHaveLength(1);
  });

  test('a callback after the reply token is gone: the follow-up is pushed', async () => {
    const { url, replyToken } = await book('U-cb-push');
    const callbackId = url.split('/').pop() ?? '';
    // As if the brand took longer than the token's minute: the waiting turn's event came 70 s ago.
    await stack.table.doc.send(
      new UpdateCommand({
        TableName: stack.table.name,
        Key: { pk: `CALLBACK#lab#${callbackId}`, sk: 'CALLBACK' },
        UpdateExpression: 'SET receivedAt = :at',
        ExpressionAttributeValues: { ':at': Date.now() - 70_000 },
      }),
    );
    expect(await callBack(url, '{"status":"confirmed","bookingId":"B-21"}')).toBe(202);
    const calls = await waitForLineCalls(stack, (all) => all.some(toCustomer('U-cb-push', replyToken)), 10_000);
    const answers = calls.filter(toCustomer('U-cb-push', replyToken));
    expect(answers.map((c) => c.kind)).toEqual(['push']);
    expect(transcript(answers.flatMap((c) => c.messages ?? []))).toEqual(['Booked: B-21']);
  });

  test('a forged callback: 401 and nothing happens; the genuine one still works after it', async () => {
    const { url, replyToken } = await book('U-cb-forged');
    const forger = `whsec_${Buffer.from('somebody else entirely, 32 bytes').toString('base64')}`;
    expect(await callBack(url, '{"status":"confirmed","bookingId":"FAKE"}', forger)).toBe(401);
    expect(await callBack(url, '{"status":"confirmed","bookingId":"OLD"}', secret, new Date(Date.now() - 10 * 60_000))).toBe(401);
    expect((await fetch(url.replace(/[^/]+$/, 'A'.repeat(24)), { method: 'POST', body: '{}' })).status).toBe(401);
    await stack.idle();
    expect(stack.lineStandIn.calls().filter(toCustomer('U-cb-forged', replyToken))).toEqual([]);
    expect(await callBack(url, '{"status":"confirmed","bookingId":"B-19"}')).toBe(202);
    const calls = await waitForLineCalls(stack, (all) => all.some(toCustomer('U-cb-forged', replyToken)), 10_000);
    expect(transcript(calls.filter(toCustomer('U-cb-forged', replyToken)).flatMap((c) => c.messages ?? []))).toEqual(['Booked: B-19']);
  });

  test('no callback: the failure path with callback_timeout after the timeout (still a reply: 10 s is within the token life); a callback after it is refused', async () => {
    const { url, replyToken } = await book('U-cb-late');
    const calls = await waitForLineCalls(stack, (all) => all.some(toCustomer('U-cb-late', replyToken)), 20_000);
    const answers = calls.filter(toCustomer('U-cb-late', replyToken));
    expect(answers.map((c) => c.kind)).toEqual(['reply']);
    expect(transcript(answers.flatMap((c) => c.messages ?? []))).toEqual(['Not booked: callback_timeout']);
    expect([409, 410]).toContain(await callBack(url, '{"status":"confirmed","bookingId":"B-20"}'));
    await stack.idle();
    expect(stack.lineStandIn.calls().filter(toCustomer('U-cb-late', replyToken))).toHaveLength(1);
  }, 30_000);
});

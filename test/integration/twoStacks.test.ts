import { startLocalStack, type LocalStack } from '../../local/localStack';
import { sendLine, sentMessages, transcript, waitForLineCalls } from '../support/localStackHarness';

/**
 * Handlers take their dependencies (createHandler(deps)) instead of reading process.env at load:
 * two stacks in one process each run their own handlers against their own services.
 */
describe('two local stacks in one process', () => {
  let a: LocalStack;
  let b: LocalStack;

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startLocalStack({ port: 0, lineApiPort: 0, brandApiPort: 0, messengerApiPort: 0, logLevel: 'SILENT' }),
      startLocalStack({
        port: 0,
        lineApiPort: 0,
        brandApiPort: 0,
        messengerApiPort: 0,
        logLevel: 'SILENT',
        aws: { model: {} },
        demo: { lineChannelSecret: 'second-stack-secret' },
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  test('each answers on its own LINE stand-in, from its own table and queue', async () => {
    const [fromA, fromB] = await Promise.all([
      sendLine(a, { type: 'text', text: 'hot' }, { userId: 'U-stack-a' }),
      sendLine(b, { type: 'text', text: 'hot' }, { userId: 'U-stack-b' }),
    ]);
    expect([fromA.status, fromB.status]).toEqual([200, 200]);
    const callsA = await waitForLineCalls(a, (calls) => sentMessages(calls, { replyToken: fromA.replyToken }).length > 0);
    const callsB = await waitForLineCalls(b, (calls) => sentMessages(calls, { replyToken: fromB.replyToken }).length > 0);
    expect(transcript(sentMessages(callsA, { replyToken: fromA.replyToken }))[0]).toBe("Today's best sellers:");
    expect(transcript(sentMessages(callsB, { replyToken: fromB.replyToken }))[0]).toBe("Today's best sellers:");
    // Nothing crossed over.
    expect(sentMessages(callsA, { replyToken: fromB.replyToken })).toEqual([]);
    expect(sentMessages(callsB, { replyToken: fromA.replyToken })).toEqual([]);
    // A's secret is not B's: each stack's webhook checks its own channel.
    expect((await sendLine(b, { type: 'text', text: 'hot' }, { userId: 'U-stack-b', secret: a.demo.lineChannelSecret })).status).toBe(401);
  });
});

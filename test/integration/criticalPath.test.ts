import type { CallRecord } from '../../local/aws/callRecorder';
import { startLocalStack, type LocalStack } from '../../local/localStack';
import { AnswerWatch, closedLoop } from '../../bench/closedLoop';
import { countRoundTrips, type Span } from '../../bench/roundTrips';

/**
 * The order of a turn's AWS calls, not its timing: on the AWS latency model (every DynamoDB call 5 ms),
 * calls issued together overlap and calls issued one after another do not, whatever the machine's
 * speed. docs/DATA-MODEL.md "Order of writes" is what this holds callcard to.
 */
describe('critical path of a LINE turn (a brand call and a carousel reply)', () => {
  let stack: LocalStack;
  const watch = new AnswerWatch();
  const awsCalls: CallRecord[] = [];
  const brand: Span[] = [];
  const loading: Span[] = [];
  const replies: Span[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      lineApiPort: 0,
      messengerApiPort: 0,
      brandApiPort: 0,
      logLevel: 'SILENT',
      aws: { model: { dynamoMs: 5, sqsSendMs: 10, pickupMs: 20 } },
      awsCalls,
      lineStandIn: {
        latencyMs: 20,
        onAnswered: (answer) => {
          watch.observe(answer);
          if (answer.call?.kind === 'loading') loading.push(answer);
          if (answer.call?.kind === 'reply' || answer.call?.kind === 'push') replies.push(answer);
        },
      },
      brandApi: { latencyMs: 30, onAnswered: (answer) => brand.push(answer) },
    });
    // Warm: the channel, the flow version and the brand connection are then what a busy webhook sees.
    await closedLoop({
      webhookUrl: `${stack.url}/webhooks/line/${stack.demo.lineChannelId}`,
      channelSecret: stack.demo.lineChannelSecret,
      watch,
      customers: 1,
      turns: 0,
      warmup: 2,
      tag: 'warm',
    });
    await stack.idle();
  });

  afterAll(async () => {
    await stack.stop();
  });

  test('webhook: at most 2 round trips before its 200; executor: 1 before the brand, none between its answer and the reply', async () => {
    const rounds = await countRoundTrips(stack, awsCalls, watch, brand, loading, replies, 'test');
    expect(rounds).toEqual({
      webhook: expect.any(Number),
      beforeBrand: 1,
      afterBrand: 0,
      callsPerTurn: { webhook: expect.any(Number), executor: expect.any(Number) },
    });
    // The executor's lease on its share (taken beside the turn's reads, given back after) costs no round trip.
    expect(rounds.callsPerTurn.executor).toBeLessThanOrEqual(8);
    expect(rounds.webhook).toBeGreaterThanOrEqual(1);
    expect(rounds.webhook).toBeLessThanOrEqual(2);
  });

  test('the loading indicator runs beside the brand call: it is not answered before the brand request arrives', () => {
    expect(loading.length).toBeGreaterThan(0);
    for (const call of loading) {
      const brandCall = brand.find((b) => b.receivedAt >= call.receivedAt - 15);
      expect(brandCall).toBeDefined();
      expect(call.answeredAt).toBeGreaterThan(brandCall?.receivedAt ?? Infinity);
    }
  });
});

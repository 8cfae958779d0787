import { INBOUND_LIMITS } from '../../../../shared/domain/ids';
import { MAX_TURN_JOB_BYTES, turnJobProblem, type TurnJob } from '../../../../shared/jobs/job';

const job = (overrides: Partial<TurnJob> = {}): TurnJob => ({
  v: 1,
  jobId: 'line:demo-line:01HMQGW40RZJPJM3RAJP7BHC2Q',
  workspaceId: 'ws',
  channel: { kind: 'line', id: 'demo-line' },
  userId: 'U3d3edab4f36c6292e6d8a8131f141b8b',
  event: { type: 'text', text: 'hello' },
  replyToken: '85cbe770fa8b4f45bbe077b1d4be4a36',
  receivedAt: 1,
  flow: { flowId: 'demo', version: 1 },
  ...overrides,
});

describe('turn jobs stay within SQS', () => {
  test('a job at every bound is far below 256 KiB, even with text that JSON escapes to 6 bytes a character', () => {
    const widest = job({
      jobId: `messenger:${'p'.repeat(INBOUND_LIMITS.id)}:${'m'.repeat(INBOUND_LIMITS.token)}`,
      channel: { kind: 'messenger', id: 'p'.repeat(INBOUND_LIMITS.id) },
      userId: 'u'.repeat(INBOUND_LIMITS.id),
      event: { type: 'text', text: '\ud800'.repeat(INBOUND_LIMITS.text) },
      replyToken: 'r'.repeat(INBOUND_LIMITS.token),
    });
    expect(turnJobProblem(widest)).toBeUndefined();
    expect(Buffer.byteLength(JSON.stringify(widest))).toBeLessThan(MAX_TURN_JOB_BYTES / 4);
  });

  test.each([
    ['text', { event: { type: 'text' as const, text: 'x'.repeat(INBOUND_LIMITS.text + 1) } }, 'event.text'],
    ['postback data', { event: { type: 'postback' as const, data: 'x'.repeat(INBOUND_LIMITS.data + 1) } }, 'event.data'],
    ['user id', { userId: 'U'.repeat(100_000) }, 'userId'],
    ['reply token', { replyToken: 'r'.repeat(5 * 1024 * 1024) }, 'replyToken'],
  ])('a job with an oversized %s is refused, naming the field', (_what, overrides, path) => {
    const problem = turnJobProblem(job(overrides));
    expect(problem).toContain(path);
    expect((problem ?? '').length).toBeLessThan(300);
  });
});

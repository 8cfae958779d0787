import { forLog, INBOUND_LIMITS, isId, isToken, MAX_TURN_JOB_BYTES, turnJobProblem, type TurnJob } from '../../../../shared/jobs/job';
import { queueTurns, type InboundTurn } from '../../../../shared/jobs/queueTurns';
import type { Channel } from '../../../../shared/channels/channel';
import type { Store } from '../../../../shared/store/store';
import { flowSchema } from '../../../../shared/flow/schema';

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

describe('ids and tokens that may become keys', () => {
  test.each(['U3d3edab4f36c6292e6d8a8131f141b8b', '1254477777772919', '01HMQGW40RZJPJM3RAJP7BHC2Q', 'U-alice', 'demo-line', 'a', 'x'.repeat(INBOUND_LIMITS.id)])('%s is an id', (id) => {
    expect(isId(id)).toBe(true);
  });

  test.each(['', 'x'.repeat(INBOUND_LIMITS.id + 1), 'x'.repeat(100_000), 'U#1', 'U 1', '-U1', 'ü', 'U1\n', 42, null, undefined])('%j is not', (id) => {
    expect(isId(id)).toBe(false);
  });

  test('tokens are printable ASCII up to their bound', () => {
    for (const token of ['m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P', 'mid.$cAAJsujCd2ORj_1qmrFdzhVa-4cvO', 'mid.1457764197618:41d102a3e1ae206a38', 'x'.repeat(INBOUND_LIMITS.token)]) {
      expect(isToken(token)).toBe(true);
    }
    for (const token of ['', 'a b', 'x'.repeat(INBOUND_LIMITS.token + 1), '中文', 7]) expect(isToken(token)).toBe(false);
  });

  test('forLog keeps short plain values and never a long or odd one', () => {
    expect(forLog('U-alice')).toBe('U-alice');
    expect(forLog('x'.repeat(100_000))).toBe('<string of 100000 characters>');
    expect(forLog('a\nb')).toBe('<string of 3 characters>');
    expect(forLog({ secret: 'x' })).toBe('<object>');
    expect(forLog([1])).toBe('<array>');
    expect(forLog(undefined)).toBe('undefined');
  });
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

describe('queueTurns: a turn whose job could not be queued is skipped, never thrown', () => {
  const channel: Channel = { workspaceId: 'ws', kind: 'line', channelId: 'demo-line', name: '', secret: 's', accessToken: 't', activeFlows: [{ flowId: 'f', version: 1 }] };
  const flow = flowSchema.parse({ schemaVersion: 1, name: 'f', triggers: [{ type: 'fallback', start: 'e' }], blocks: { e: { type: 'end' } } });

  test('the oversized turn is logged and skipped; the others of the delivery are queued', async () => {
    const sent: TurnJob[] = [];
    const claimed: string[] = [];
    const warnings: Array<[string, unknown]> = [];
    const store = {
      flows: { getVersion: async () => ({ flowId: 'f', version: 1, flow }) },
      events: { claim: async (_scope: string, eventId: string) => (claimed.push(eventId), true), release: async () => undefined },
      customers: { getSession: async () => undefined },
    } as unknown as Store;
    const queue = { send: async (j: TurnJob) => void sent.push(j) };
    const logger = { info: () => undefined, debug: () => undefined, warn: (message: string, extra: unknown) => void warnings.push([message, extra]) };
    const turns: InboundTurn[] = [
      { eventId: 'e-big', userId: 'U1', event: { type: 'text', text: 'x'.repeat(300 * 1024) } },
      { eventId: 'e-ok', userId: 'U1', event: { type: 'text', text: 'hello' } },
      { eventId: 'e-ok-2', userId: 'U2', event: { type: 'follow' } },
    ];
    const queued = await queueTurns(channel, turns, Date.now(), { store, queue, logger: logger as never });
    expect(queued).toBe(2);
    expect(sent.map((j) => j.jobId).sort()).toEqual(['line:demo-line:e-ok', 'line:demo-line:e-ok-2']);
    expect(claimed.sort()).toEqual(['e-ok', 'e-ok-2']);
    expect(warnings).toEqual([['event skipped: its turn job cannot be queued', { channelId: 'demo-line', eventId: 'e-big', problem: expect.stringContaining('event.text') }]]);
    expect(JSON.stringify(warnings).length).toBeLessThan(500);
  });
});

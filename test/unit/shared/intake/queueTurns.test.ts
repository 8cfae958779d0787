import type { Channel } from '../../../../shared/channels/channel';
import { flowSchema } from '../../../../shared/flow/schema';
import { queueTurns, type InboundTurn } from '../../../../shared/intake/queueTurns';
import type { TurnJob } from '../../../../shared/jobs/job';
import type { Store } from '../../../../shared/store/store';

describe('queueTurns: a turn whose job could not be queued is skipped, never thrown', () => {
  const channel: Channel = {
    workspaceId: 'ws',
    kind: 'line',
    channelId: 'demo-line',
    name: '',
    secret: 's',
    accessToken: 't',
    activeFlows: [{ flowId: 'f', version: 1 }],
  };
  const flow = flowSchema.parse({
    schemaVersion: 1,
    name: 'f',
    triggers: [{ type: 'fallback', start: 'e' }],
    blocks: { e: { type: 'end' } },
  });

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
    const logger = {
      info: () => undefined,
      debug: () => undefined,
      warn: (message: string, extra: unknown) => void warnings.push([message, extra]),
    };
    const turns: InboundTurn[] = [
      { eventId: 'e-big', userId: 'U1', event: { type: 'text', text: 'x'.repeat(300 * 1024) } },
      { eventId: 'e-ok', userId: 'U1', event: { type: 'text', text: 'hello' } },
      { eventId: 'e-ok-2', userId: 'U2', event: { type: 'follow' } },
    ];
    const queued = await queueTurns(channel, turns, Date.now(), { store, queue, logger: logger as never });
    expect(queued).toBe(2);
    expect(sent.map((j) => j.jobId).sort()).toEqual(['line:demo-line:e-ok', 'line:demo-line:e-ok-2']);
    expect(claimed.sort()).toEqual(['e-ok', 'e-ok-2']);
    expect(warnings).toEqual([
      [
        'event skipped: its turn job cannot be queued',
        { channelId: 'demo-line', eventId: 'e-big', problem: expect.stringContaining('event.text') },
      ],
    ]);
    expect(JSON.stringify(warnings).length).toBeLessThan(500);
  });
});

import { z } from 'zod';
import type { LocalStack } from '../../local/localStack';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startTestStack } from '../support/localStackHarness';

/**
 * Issue 24, finding 9: a flow that no longer exists is never active on a channel. Publishing needs the
 * flow to exist (read when it publishes, never from memory, and again after its write); deleting
 * refuses a flow active on a channel (409) and, once deleted, takes it off any channel a racing
 * publish put it on. Raced 100 times over the admin API.
 */
describe('publish and delete of one flow', () => {
  let stack: LocalStack;
  let admin: AdminClient;
  const channelId = 'race-line';
  const channels = [{ kind: 'line', channelId }];

  beforeAll(async () => {
    stack = await startTestStack();
    admin = adminClient(stack, stack.demo.adminKey);
    await stack.store.channels.put({
      workspaceId: 'demo',
      kind: 'line',
      channelId,
      secret: 'race-secret',
      accessToken: 'race-token',
      name: '',
    });
  });

  afterAll(() => stack.stop());

  const flowOf = (keyword: string) => ({
    schemaVersion: 1,
    name: keyword,
    triggers: [{ type: 'keyword', keywords: [keyword], start: 'hi' }],
    blocks: { hi: { type: 'message', messages: [{ type: 'text', text: keyword }] } },
  });
  const activeFlowIds = async () =>
    ((await stack.store.channels.get('line', channelId, { consistent: true }))?.activeFlows ?? []).map((f) => f.flowId);

  test('a deleted flow cannot be published, even with its version still in the admin process memory', async () => {
    expect((await admin.call('POST', '/admin/flows', { flowId: 'gone', flow: flowOf('gone') })).status).toBe(201);
    expect((await admin.call('GET', '/admin/flows/gone/versions/1')).status).toBe(200);
    expect(await admin.call('DELETE', '/admin/flows/gone')).toMatchObject({ status: 200 });
    expect(await admin.call('POST', '/admin/flows/gone/publish', { version: 1, channels })).toMatchObject({ status: 404 });
    expect(await activeFlowIds()).not.toContain('gone');
  });

  test('raced 100 times: publish and delete never leave a channel with a flow that does not exist', async () => {
    const outcomes = new Map<string, number>();
    for (let round = 0; round < 100; round += 1) {
      const flowId = `race-${round}`;
      expect((await admin.call('POST', '/admin/flows', { flowId, flow: flowOf(`k${round}`) })).status).toBe(201);
      // Both in flight at once; one of them 0 to 9 ms later, the publish or the delete, from round to round.
      const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const [published, deleted] = await Promise.all([
        later(round % 2 ? Math.floor(round / 2) % 10 : 0).then(() =>
          admin.call('POST', `/admin/flows/${flowId}/publish`, { version: 1, channels }),
        ),
        later(round % 2 ? 0 : Math.floor(round / 2) % 10).then(() => admin.call('DELETE', `/admin/flows/${flowId}`)),
      ]);
      const outcome = `publish ${published.status}, delete ${deleted.status}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      expect([200, 404]).toContain(published.status);
      expect([200, 409]).toContain(deleted.status);
      const exists = (await admin.call('GET', `/admin/flows/${flowId}`)).status === 200;
      expect(exists).toBe(deleted.status === 409);
      const active = (await activeFlowIds()).includes(flowId);
      // Never a ghost: active means it exists. Deleted means it is on no channel.
      expect({ round, outcome, active, exists }).toEqual({ round, outcome, active: exists, exists });
      if (active) {
        // It won: unpublish and delete it, as an admin would, and both work.
        expect((await admin.call('POST', `/admin/flows/${flowId}/unpublish`, { channels })).status).toBe(200);
        expect((await admin.call('DELETE', `/admin/flows/${flowId}`)).status).toBe(200);
      }
    }
    expect(await activeFlowIds()).toEqual([]);
    // What the rounds saw (a line in the test output): several interleavings, all ghost-free.
    const seen = z.map(z.string(), z.number()).parse(outcomes);
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(100);
    process.stdout.write(`publish/delete race outcomes: ${JSON.stringify(Object.fromEntries(seen))}\n`);
  }, 90_000); // 5 s alone; a loaded 2-core machine took over 30 s
});

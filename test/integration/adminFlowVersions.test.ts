import type { LocalStack } from '../../local/localStack';
import type { FlowInput } from '../../shared/flow/schema';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendLine, startTestStack, transcript, waitForLineCalls } from '../support/localStackHarness';

/**
 * Publishing through the admin API while customers are mid-conversation: a conversation finishes on
 * the version it started on; new ones start on the published version; publishing an older one rolls back.
 */

const CHANNEL = { channelId: 'pin-line', secret: 'pin-line-channel-secret-0001' };

function versionOf(label: string, question: string): FlowInput {
  return {
    schemaVersion: 1,
    name: `Pinned (${label})`,
    triggers: [{ type: 'keyword', keywords: ['ask'], start: 'q' }],
    blocks: {
      q: { type: 'question', prompt: question, input: { type: 'text' }, saveAs: 'answer', next: `${label}_next` },
      [`${label}_next`]: { type: 'message', messages: [{ type: 'text', text: `${label} next: {{ attributes.answer }}` }] },
    },
  };
}

describe('publishing while conversations run', () => {
  let stack: LocalStack;
  let admin: AdminClient;

  beforeAll(async () => {
    stack = await startTestStack();
    admin = adminClient(stack, stack.demo.adminKey);
    expect(
      (
        await admin.call('PUT', `/admin/channels/line/${CHANNEL.channelId}`, {
          secret: CHANNEL.secret,
          accessToken: 'pin-line-access-token-0001',
        })
      ).status,
    ).toBe(200);
    expect((await admin.call('POST', '/admin/flows', { flowId: 'pinned', flow: versionOf('v1', 'v1 question?') })).status).toBe(201);
    expect(
      (await admin.call('POST', '/admin/flows/pinned/publish', { version: 1, channels: [{ kind: 'line', channelId: CHANNEL.channelId }] }))
        .status,
    ).toBe(200);
  });

  afterAll(() => stack.stop());

  async function say(userId: string, text: string): Promise<string[]> {
    const sent = await sendLine(stack, { type: 'text', text }, { userId, ...CHANNEL });
    expect(sent.status).toBe(200);
    const calls = await waitForLineCalls(stack, (all) => all.some((c) => c.replyToken === sent.replyToken));
    await stack.idle();
    return transcript(calls.filter((c) => c.replyToken === sent.replyToken).flatMap((c) => c.messages ?? []));
  }

  test('a question asked on v1 is answered on v1 after v2 (which changed it) is published; new conversations get v2', async () => {
    expect(await say('U-pin-1', 'ask')).toEqual(['v1 question?']);

    const saved = await admin.call('PUT', '/admin/flows/pinned', { flow: versionOf('v2', 'v2 question?'), baseVersion: 1 });
    expect(saved).toMatchObject({ status: 200, body: { version: 2 } });
    expect(
      (await admin.call('POST', '/admin/flows/pinned/publish', { version: 2, channels: [{ kind: 'line', channelId: CHANNEL.channelId }] }))
        .status,
    ).toBe(200);

    expect(await say('U-pin-1', 'blue')).toEqual(['v1 next: blue']);
    expect(await say('U-pin-2', 'ask')).toEqual(['v2 question?']);
    expect(await say('U-pin-2', 'red')).toEqual(['v2 next: red']);
  });

  test('publishing an earlier version rolls back', async () => {
    expect(
      (await admin.call('POST', '/admin/flows/pinned/publish', { version: 1, channels: [{ kind: 'line', channelId: CHANNEL.channelId }] }))
        .status,
    ).toBe(200);
    expect(await say('U-pin-3', 'ask')).toEqual(['v1 question?']);
    expect(await say('U-pin-3', 'green')).toEqual(['v1 next: green']);
  });
});

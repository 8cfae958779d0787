import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../local/localStack';
import type { FlowInput } from '../../shared/flow/schema';
import { channelKey } from '../../shared/store/channels';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendLine, startTestStack, transcript, waitForLineCalls } from '../support/localStackHarness';

/**
 * Several flows on one LINE channel, over real HTTP on the local stack: every published flow's
 * triggers answer; a publish that would give one trigger to two flows is refused naming both;
 * unpublish takes one off; a conversation finishes on the version it started on whatever is
 * published or unpublished meanwhile.
 */

const LINE = { kind: 'line', channelId: 'demo-line' } as const;

/** A weather flow: `weather` asks for a city; the answer is told back, labelled with `label`. */
function weatherFlow(label: string): FlowInput {
  return {
    schemaVersion: 1,
    name: `Weather ${label}`,
    triggers: [{ type: 'keyword', keywords: ['weather', '天氣'], start: 'ask_city' }],
    blocks: {
      ask_city: { type: 'question', prompt: `Which city? (${label})`, input: { type: 'text' }, saveAs: 'city', next: 'forecast' },
      forecast: { type: 'message', messages: [{ type: 'text', text: `${label}: sunny in {{ attributes.city }}` }] },
    },
  };
}

function keywordFlow(name: string, keywords: string[], text: string): FlowInput {
  return {
    schemaVersion: 1,
    name,
    triggers: [{ type: 'keyword', keywords, start: 'say' }],
    blocks: { say: { type: 'message', messages: [{ type: 'text', text }] } },
  };
}

describe('several flows on one channel', () => {
  let stack: LocalStack;
  let admin: AdminClient;

  beforeAll(async () => {
    stack = await startTestStack();
    admin = adminClient(stack, stack.demo.adminKey);
    expect((await admin.call('POST', '/admin/flows', { flowId: 'weather', flow: weatherFlow('v1') })).status).toBe(201);
    expect(
      (await admin.call('POST', '/admin/flows', { flowId: 'promo', flow: keywordFlow('Promo', ['ＨＯＴ', 'promo'], 'Promo!') })).status,
    ).toBe(201);
    expect(
      (await admin.call('POST', '/admin/flows', { flowId: 'news', flow: keywordFlow('News', ['news'], 'Today: tea harvest.') })).status,
    ).toBe(201);
  });

  afterAll(() => stack.stop());

  /** What the LINE stand-in received in reply to one message. */
  async function say(userId: string, text: string): Promise<string[]> {
    const sent = await sendLine(stack, { type: 'text', text }, { userId });
    expect(sent.status).toBe(200);
    const calls = await waitForLineCalls(stack, (all) => all.some((c) => c.replyToken === sent.replyToken));
    await stack.idle();
    return transcript(calls.filter((c) => c.replyToken === sent.replyToken).flatMap((c) => c.messages ?? []));
  }

  const publish = (flowId: string, version: number, channels: unknown[] = [LINE]) =>
    admin.call('POST', `/admin/flows/${flowId}/publish`, { version, channels });
  const unpublish = (flowId: string, channels: unknown[] = [LINE]) => admin.call('POST', `/admin/flows/${flowId}/unpublish`, { channels });
  const activeFlows = async () => (await stack.store.channels.get('line', 'demo-line'))?.activeFlows;

  test('publishing a second flow keeps the first: both keywords answer; the answer says what was active before and after', async () => {
    const published = await publish('weather', 1);
    expect(published).toMatchObject({ status: 200 });
    expect(published.body).toEqual({
      flowId: 'weather',
      version: 1,
      channels: [
        {
          kind: 'line',
          channelId: 'demo-line',
          before: [{ flowId: 'demo', version: 1 }],
          after: [
            { flowId: 'demo', version: 1 },
            { flowId: 'weather', version: 1 },
          ],
        },
      ],
    });
    expect((await admin.call('GET', '/admin/channels/line/demo-line')).body).toMatchObject({
      activeFlows: [
        { flowId: 'demo', version: 1 },
        { flowId: 'weather', version: 1 },
      ],
    });

    expect((await say('U-multi-1', 'hot'))[0]).toMatch(/best sellers/i);
    expect(await say('U-multi-1', 'weather')).toEqual(['Which city? (v1)']);
    expect(await say('U-multi-1', 'Tainan')).toEqual(['v1: sunny in Tainan']);
    // The demo flow's fallback still answers what no flow has a trigger for.
    expect((await say('U-multi-1', 'what now?'))[0]).toBe('Sorry, I did not catch that. Try one of these:');
  });

  test('a publish giving a trigger to two flows is refused, naming both flows and the trigger; nothing changes', async () => {
    const refused = await publish('promo', 1);
    expect(refused).toMatchObject({ status: 409 });
    expect(refused.body).toEqual({
      error:
        'promo v1 would share triggers with flows active on the channel: keyword:hot (demo v1 on line:demo-line). Unpublish one of them there or change its triggers',
      conflicts: [
        {
          trigger: 'keyword:hot',
          flows: [
            { flowId: 'demo', version: 1 },
            { flowId: 'promo', version: 1 },
          ],
          channel: { kind: 'line', channelId: 'demo-line' },
        },
      ],
    });
    // Several channels: every channel is checked before any changes.
    expect((await publish('promo', 1, [{ kind: 'messenger', channelId: 'demo-messenger' }, LINE])).status).toBe(409);
    expect((await stack.store.channels.get('messenger', 'demo-messenger'))?.activeFlows).toEqual([{ flowId: 'demo', version: 1 }]);
    expect(await activeFlows()).toEqual([
      { flowId: 'demo', version: 1 },
      { flowId: 'weather', version: 1 },
    ]);
    expect((await say('U-multi-2', 'promo'))[0]).toBe('Sorry, I did not catch that. Try one of these:');
  });

  test('a conversation started on v1 finishes on v1 after v2 and another flow are published', async () => {
    expect(await say('U-pinned-1', 'weather')).toEqual(['Which city? (v1)']);
    expect((await admin.call('PUT', '/admin/flows/weather', { flow: weatherFlow('v2'), baseVersion: 1 })).status).toBe(200);
    const upgraded = await publish('weather', 2);
    // Another version of a flow already on the channel replaces it, in its place.
    expect(upgraded.body).toMatchObject({
      channels: [
        {
          before: [
            { flowId: 'demo', version: 1 },
            { flowId: 'weather', version: 1 },
          ],
          after: [
            { flowId: 'demo', version: 1 },
            { flowId: 'weather', version: 2 },
          ],
        },
      ],
    });
    expect((await publish('news', 1)).status).toBe(200);
    expect(await activeFlows()).toEqual([
      { flowId: 'demo', version: 1 },
      { flowId: 'weather', version: 2 },
      { flowId: 'news', version: 1 },
    ]);

    expect(await say('U-pinned-1', 'Taipei')).toEqual(['v1: sunny in Taipei']);
    expect(await say('U-pinned-2', '天氣')).toEqual(['Which city? (v2)']);
    expect(await say('U-pinned-2', 'news')).toEqual(['Today: tea harvest.']);
  });

  test('unpublish takes one flow off, answering before and after; its open conversations still finish', async () => {
    expect(await say('U-pinned-3', 'weather')).toEqual(['Which city? (v2)']);
    const removed = await unpublish('weather');
    expect(removed).toMatchObject({ status: 200 });
    expect(removed.body).toEqual({
      flowId: 'weather',
      channels: [
        {
          kind: 'line',
          channelId: 'demo-line',
          before: [
            { flowId: 'demo', version: 1 },
            { flowId: 'weather', version: 2 },
            { flowId: 'news', version: 1 },
          ],
          after: [
            { flowId: 'demo', version: 1 },
            { flowId: 'news', version: 1 },
          ],
        },
      ],
    });
    expect(await say('U-pinned-3', 'Kaohsiung')).toEqual(['v2: sunny in Kaohsiung']);
    // New conversations: weather is no longer a trigger there; the other flows still answer.
    expect((await say('U-multi-3', 'weather'))[0]).toBe('Sorry, I did not catch that. Try one of these:');
    expect(await say('U-multi-3', 'news')).toEqual(['Today: tea harvest.']);
    expect((await say('U-multi-3', 'hot'))[0]).toMatch(/best sellers/i);
  });

  test('unpublish refusals: not active there (409, nothing moves), unknown channel or flow (404)', async () => {
    const notActive = await unpublish('weather', [{ kind: 'line', channelId: 'demo-line' }]);
    expect(notActive).toMatchObject({
      status: 409,
      body: {
        error: 'flow weather is not active on line:demo-line: nothing was unpublished',
        channels: [{ kind: 'line', channelId: 'demo-line' }],
      },
    });
    // news is active on the LINE channel but not on the page: neither changes.
    expect((await unpublish('news', [LINE, { kind: 'messenger', channelId: 'demo-messenger' }])).status).toBe(409);
    expect(await activeFlows()).toEqual([
      { flowId: 'demo', version: 1 },
      { flowId: 'news', version: 1 },
    ]);
    expect((await unpublish('news', [{ kind: 'line', channelId: 'nope' }])).status).toBe(404);
    expect((await unpublish('nope', [LINE])).status).toBe(404);
    expect((await unpublish('news', [])).status).toBe(400);
  });

  test('a flow in any active set cannot be deleted; once unpublished everywhere it can', async () => {
    expect(await admin.call('DELETE', '/admin/flows/news')).toMatchObject({
      status: 409,
      body: { channels: [{ kind: 'line', channelId: 'demo-line' }] },
    });
    expect((await unpublish('news')).status).toBe(200);
    expect(await admin.call('DELETE', '/admin/flows/news')).toMatchObject({ status: 200, body: { deleted: true } });
  });

  test('publishes at once on one channel: none is lost', async () => {
    const page = [{ kind: 'messenger', channelId: 'demo-messenger' }];
    for (const id of ['alpha', 'beta', 'gamma'])
      expect((await admin.call('POST', '/admin/flows', { flowId: id, flow: keywordFlow(id, [id], id) })).status).toBe(201);
    const replies = await Promise.all([publish('alpha', 1, page), publish('beta', 1, page), publish('gamma', 1, page)]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    const active = (await stack.store.channels.get('messenger', 'demo-messenger'))?.activeFlows;
    expect(active?.map((f) => f.flowId).sort()).toEqual(['alpha', 'beta', 'demo', 'gamma']);
  });

  test('a channel item of the single-flow shape answers as before; the next publish writes the new shape', async () => {
    const { Item } = await stack.table.doc.send(new GetCommand({ TableName: stack.table.name, Key: channelKey('line', 'demo-line') }));
    const legacy: Record<string, unknown> = {
      ...Item,
      channelId: 'legacy-line',
      ...channelKey('line', 'legacy-line'),
      gsi1sk: 'line#legacy-line',
      activeFlow: { flowId: 'demo', version: 1 },
    };
    delete legacy.activeFlows;
    delete legacy.activeFlowsRevision;
    await stack.table.doc.send(new PutCommand({ TableName: stack.table.name, Item: legacy }));

    const sent = await sendLine(stack, { type: 'text', text: 'hot' }, { userId: 'U-legacy', channelId: 'legacy-line' });
    expect(sent.body).toMatchObject({ queued: 1 });
    await waitForLineCalls(stack, (calls) => calls.some((c) => c.replyToken === sent.replyToken));
    await stack.idle();

    expect((await admin.call('GET', '/admin/channels/line/legacy-line')).body).toMatchObject({
      activeFlows: [{ flowId: 'demo', version: 1 }],
    });
    expect((await publish('weather', 2, [{ kind: 'line', channelId: 'legacy-line' }])).body).toMatchObject({
      channels: [
        {
          before: [{ flowId: 'demo', version: 1 }],
          after: [
            { flowId: 'demo', version: 1 },
            { flowId: 'weather', version: 2 },
          ],
        },
      ],
    });
    const { Item: after } = await stack.table.doc.send(
      new GetCommand({ TableName: stack.table.name, Key: channelKey('line', 'legacy-line') }),
    );
    expect(after).toMatchObject({
      activeFlows: [
        { flowId: 'demo', version: 1 },
        { flowId: 'weather', version: 2 },
      ],
      activeFlowsRevision: 1,
    });
    expect(after).not.toHaveProperty('activeFlow');
  });
});

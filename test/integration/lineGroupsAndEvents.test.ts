import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LineCall } from '../../local/lineStandIn';
import { lineWebhookBody, newWebhookEventId, signLineBody } from '../../local/lineWebhookBody';
import type { LocalStack } from '../../local/localStack';
import { flowSchema } from '../../shared/flow/schema';
import {
  sendLine,
  sentMessages,
  startFakeBrand,
  startTestStack,
  transcript,
  waitForLineCalls,
  type FakeBrand,
} from '../support/localStackHarness';

/**
 * LINE as LINE really delivers it, on the local stack over real sockets: group and room chats (the
 * group is the conversation; personal triggers point to a one-to-one chat), every event kind of LINE's
 * webhook schema from the samples in test/fixtures/line (served, closing a conversation, or skipped;
 * never a 5xx), and one event delivered twice at once and then redelivered, answered once.
 */

const WS = 'ws-groups';
const CHANNEL = 'groups-line';
const SECRET = 'groups-line-secret';
const GROUP = 'Cgroup0000000000000000000000000001';
const ROOM = 'Rroom00000000000000000000000000001';

/** The flow of the test channel: personal triggers (the default) beside triggers that say they serve groups. */
function groupsFlow(brandUrl: string) {
  return flowSchema.parse({
    schemaVersion: 1,
    name: 'groups and rooms',
    triggers: [
      { type: 'postback', action: 'my_tickets', start: 'tickets' },
      { type: 'keyword', keywords: ['picks'], start: 'load_picks', chats: ['user', 'group', 'room'] },
      { type: 'keyword', keywords: ['vote'], start: 'ask_day', chats: ['group'] },
      { type: 'keyword', keywords: ['register'], start: 'ask_name' },
      { type: 'postback', action: 'book', start: 'booked' },
      { type: 'follow', start: 'welcome' },
      { type: 'fallback', start: 'huh' },
    ],
    blocks: {
      tickets: { type: 'message', messages: [{ type: 'text', text: 'Your member number is {{ attributes.memberId }}.' }] },
      load_picks: { type: 'callApi', request: { url: `${brandUrl}/picks` }, retry: false, onSuccess: 'picks', onFailure: 'no_picks' },
      picks: {
        type: 'message',
        messages: [
          { type: 'text', text: "Today's pick: {{ response.body.pick }} (asked by {{ trigger.speakerId }} in a {{ trigger.chat }} chat)" },
        ],
      },
      no_picks: { type: 'message', messages: [{ type: 'text', text: 'No picks today.' }] },
      ask_day: { type: 'question', prompt: 'Which day suits the group?', input: { type: 'text' }, saveAs: 'day', next: 'day_saved' },
      day_saved: { type: 'message', messages: [{ type: 'text', text: 'The group picked {{ attributes.day }}.' }] },
      ask_name: { type: 'question', prompt: 'What is your name?', input: { type: 'text' }, saveAs: 'name', next: 'thanks' },
      thanks: { type: 'message', messages: [{ type: 'text', text: 'Thanks, {{ attributes.name }}!' }] },
      booked: {
        type: 'message',
        messages: [{ type: 'text', text: 'Booked: {{ trigger.params.date }}{{ trigger.params.time }}{{ trigger.params.datetime }}' }],
      },
      welcome: { type: 'message', messages: [{ type: 'text', text: 'Welcome!' }] },
      huh: { type: 'message', messages: [{ type: 'text', text: 'Sorry, I did not get that.' }] },
    },
  });
}

let stack: LocalStack;
let brand: FakeBrand;

beforeAll(async () => {
  brand = await startFakeBrand((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"pick":"Oolong"}');
  });
  stack = await startTestStack({ extraAllowHttpHosts: [brand.host] });
  await stack.store.flows.putVersion(WS, 'groups', 1, groupsFlow(brand.url));
  // No settings saved: callcard's own texts come in the default language, zh-TW (the demo workspace speaks en).
  await stack.store.channels.put({
    workspaceId: WS,
    kind: 'line',
    channelId: CHANNEL,
    secret: SECRET,
    accessToken: 'groups-token',
    name: '',
    activeFlow: { flowId: 'groups', version: 1 },
  });
});

afterAll(async () => {
  await stack.stop();
  await brand.close();
});

beforeEach(async () => {
  await stack.idle();
  stack.lineStandIn.reset();
});

const onTestChannel = { channelId: CHANNEL, secret: SECRET };

/** POST a signed delivery of these events to a channel; the webhook's status and answer. */
async function deliver(events: unknown[], channel = onTestChannel): Promise<{ status: number; body: unknown }> {
  const body = JSON.stringify({ destination: 'Udeadbeefdeadbeefdeadbeefdeadbeef', events });
  const response = await fetch(`${stack.url}/webhooks/line/${channel.channelId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(body, channel.secret) },
    body,
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** The calls that answered one reply token (a reply, or the push that replaced it: to `to`). */
async function answered(replyToken: string, to?: string): Promise<LineCall[]> {
  const match = (c: LineCall) =>
    (c.kind === 'reply' && c.replyToken === replyToken) || (to !== undefined && c.kind === 'push' && c.to === to);
  await waitForLineCalls(stack, (calls) => calls.some(match));
  await stack.idle();
  return stack.lineStandIn.calls().filter(match);
}

describe('LINE group and room chats', () => {
  test('a personal trigger used in a group answers the group, in the workspace language, to ask in a one-to-one chat', async () => {
    // The demo flow's "My tickets" is personal (no chats): its workspace speaks English.
    const sent = await sendLine(stack, { type: 'postback', data: 'action=my_tickets' }, { userId: 'U-demo-member', groupId: GROUP });
    expect(sent).toMatchObject({ status: 200, body: { ok: true, queued: 1 } });
    const calls = await answered(sent.replyToken);
    expect(transcript(sentMessages(calls))).toEqual(['Please ask me in a one-to-one chat for this.']);
    // Nothing personal was fetched or shown: no brand call, no loading animation (one-on-one only).
    expect(stack.brandApi.requests().filter((r) => r.path.startsWith('/members/'))).toEqual([]);
    expect(stack.lineStandIn.calls().filter((c) => c.kind === 'loading')).toEqual([]);
  });

  test('in a room of a workspace with no language set, the notice is in Traditional Chinese', async () => {
    const sent = await sendLine(
      stack,
      { type: 'postback', data: 'action=my_tickets' },
      { userId: 'U-room-member', roomId: ROOM, ...onTestChannel },
    );
    expect(transcript(sentMessages(await answered(sent.replyToken)))).toEqual(['這項服務請在一對一聊天中使用喔。']);
  });

  test('a trigger that serves groups runs its card for the group: reply to the group, no loading animation, the speaker known', async () => {
    const requestsBefore = brand.requests.length;
    const sent = await sendLine(stack, { type: 'text', text: 'picks' }, { userId: 'U-alice', groupId: GROUP, ...onTestChannel });
    expect(sent.body).toEqual({ ok: true, queued: 1 });
    const calls = await answered(sent.replyToken);
    expect(transcript(sentMessages(calls))).toEqual(["Today's pick: Oolong (asked by U-alice in a group chat)"]);
    expect(brand.requests.length).toBe(requestsBefore + 1);
    expect(stack.lineStandIn.calls().map((c) => c.kind)).toEqual(['reply']);
  });

  test('the same trigger in a one-to-one chat shows the loading animation to the customer', async () => {
    const sent = await sendLine(stack, { type: 'text', text: 'picks' }, { userId: 'U-alice', ...onTestChannel });
    await answered(sent.replyToken);
    expect(stack.lineStandIn.calls().map((c) => [c.kind, c.to ?? c.replyToken])).toEqual([
      ['loading', 'U-alice'],
      ['reply', sent.replyToken],
    ]);
  });

  test("an answer that cannot be a reply is pushed to the group's id", async () => {
    const replyToken = 'expired-group-token';
    stack.lineStandIn.expireReplyToken(replyToken);
    await sendLine(stack, { type: 'text', text: 'picks' }, { userId: 'U-alice', groupId: GROUP, replyToken, ...onTestChannel });
    const calls = await answered(replyToken, GROUP);
    const push = calls.find((c) => c.kind === 'push');
    expect(push).toMatchObject({ kind: 'push', to: GROUP });
    expect(transcript(push?.messages ?? [])).toEqual(["Today's pick: Oolong (asked by U-alice in a group chat)"]);
  });

  test('a question asked in a group is answered by any member, and the answer is kept on the group, not on a person', async () => {
    const asked = await sendLine(stack, { type: 'text', text: 'vote' }, { userId: 'U-alice', groupId: GROUP, ...onTestChannel });
    expect(transcript(sentMessages(await answered(asked.replyToken)))).toEqual(['Which day suits the group?']);
    const answer = await sendLine(stack, { type: 'text', text: 'Friday' }, { userId: 'U-bob', groupId: GROUP, ...onTestChannel });
    expect(transcript(sentMessages(await answered(answer.replyToken)))).toEqual(['The group picked Friday.']);
    const group = await stack.store.customers.get({ channelKind: 'line', channelId: CHANNEL, userId: GROUP });
    expect(group?.attributes).toEqual({ day: 'Friday' });
    expect((await stack.store.customers.get({ channelKind: 'line', channelId: CHANNEL, userId: 'U-bob' }))?.attributes.day).toBeUndefined();
  });

  test('people talking to each other in a group are left alone: no trigger, no group fallback, nothing queued', async () => {
    const sent = await sendLine(
      stack,
      { type: 'text', text: 'good morning everyone' },
      { userId: 'U-alice', groupId: GROUP, ...onTestChannel },
    );
    expect(sent.body).toEqual({ ok: true, queued: 0 });
    // The same text one-to-one meets the fallback.
    const direct = await sendLine(stack, { type: 'text', text: 'good morning' }, { userId: 'U-alice', ...onTestChannel });
    expect(transcript(sentMessages(await answered(direct.replyToken)))).toEqual(['Sorry, I did not get that.']);
    expect(stack.lineStandIn.calls().filter((c) => c.replyToken === sent.replyToken)).toEqual([]);
  });

  test("a leave (the bot removed from the group) closes the group's open conversation", async () => {
    const asked = await sendLine(stack, { type: 'text', text: 'vote' }, { userId: 'U-alice', groupId: GROUP, ...onTestChannel });
    await answered(asked.replyToken);
    const group = { channelKind: 'line' as const, channelId: CHANNEL, userId: GROUP };
    expect(await stack.store.customers.getSession(group)).toMatchObject({ waitingOn: 'ask_day' });
    const left = await sendLine(stack, { type: 'leave' }, { userId: 'U-alice', groupId: GROUP, ...onTestChannel });
    expect(left.body).toEqual({ ok: true, queued: 1 });
    await stack.idle();
    expect(await stack.store.customers.getSession(group)).toBeUndefined();
    expect(stack.lineStandIn.calls().filter((c) => c.kind !== 'reply' || c.replyToken !== asked.replyToken)).toEqual([]);
  });
});

describe('unfollow and postback params', () => {
  test("an unfollow closes the customer's open conversation (the session is deleted), and says nothing", async () => {
    const customer = { channelKind: 'line' as const, channelId: CHANNEL, userId: 'U-leaving' };
    const asked = await sendLine(stack, { type: 'text', text: 'register' }, { userId: 'U-leaving', ...onTestChannel });
    expect(transcript(sentMessages(await answered(asked.replyToken)))).toEqual(['What is your name?']);
    expect(await stack.store.customers.getSession(customer)).toMatchObject({ waitingOn: 'ask_name' });
    const lastInboundAt = (await stack.store.customers.get(customer))?.lastInboundAt;

    const unfollow = await sendLine(stack, { type: 'unfollow' }, { userId: 'U-leaving', ...onTestChannel });
    expect(unfollow).toMatchObject({ status: 200, body: { ok: true, queued: 1 } });
    await stack.idle();
    expect(await stack.store.customers.getSession(customer)).toBeUndefined();
    // Blocking is not writing: the profile is left as it was.
    expect((await stack.store.customers.get(customer))?.lastInboundAt).toBe(lastInboundAt);
    expect(stack.lineStandIn.calls().filter((c) => c.replyToken !== asked.replyToken)).toEqual([]);

    // Followed again and writing: the conversation starts over (the fallback, not the old question).
    const back = await sendLine(stack, { type: 'text', text: 'Mei' }, { userId: 'U-leaving', ...onTestChannel });
    expect(transcript(sentMessages(await answered(back.replyToken)))).toEqual(['Sorry, I did not get that.']);
  });

  test('an unfollow with no open conversation queues nothing', async () => {
    expect((await sendLine(stack, { type: 'unfollow' }, { userId: 'U-stranger', ...onTestChannel })).body).toEqual({ ok: true, queued: 0 });
  });

  test("a datetime picker's choice reaches the flow as trigger.params (date, time or datetime)", async () => {
    const picks: Array<Record<string, string>> = [{ date: '2026-12-24' }, { time: '19:30' }, { datetime: '2026-12-24T19:30' }];
    for (const params of picks) {
      const sent = await sendLine(stack, { type: 'postback', data: 'action=book', params }, { userId: 'U-booker', ...onTestChannel });
      expect(transcript(sentMessages(await answered(sent.replyToken)))).toEqual([`Booked: ${Object.values(params).join('')}`]);
    }
  });
});

describe("every event kind of LINE's webhook schema, from the samples", () => {
  /** Every sample event of test/fixtures/line, made unique (its own event id and reply token) so none is taken for a redelivery of another. */
  function samples(): Array<{ label: string; event: Record<string, unknown>; replyToken?: string }> {
    const dir = join(__dirname, '../fixtures/line');
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((file) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { events: Array<Record<string, unknown>> }).events)
      .map((event, i) => {
        const message = event.message as { type?: string } | undefined;
        const source = event.source as { type?: string } | undefined;
        const label = `${String(event.type)}${message?.type ? `/${message.type}` : ''} (${source?.type ?? 'no source'})`;
        const replyToken = 'replyToken' in event ? `rt-sample-${i}` : undefined;
        return { label, replyToken, event: { ...event, webhookEventId: newWebhookEventId(), ...(replyToken ? { replyToken } : {}) } };
      });
  }

  test('each is answered, closes nothing open, or is skipped: always 200, and only answered ones get a reply', async () => {
    const outcomes: Record<string, number[]> = {};
    const all = samples();
    for (const sample of all) {
      const result = await deliver([sample.event]);
      expect(result.status).toBe(200);
      const queued = (result.body as { queued: number }).queued;
      outcomes[sample.label] = [...new Set([...(outcomes[sample.label] ?? []), queued])];
    }
    expect(outcomes).toEqual({
      // One-to-one text and postbacks meet the flow (its fallback here); in a group or room, text no trigger takes is left alone.
      'message/text (user)': [1],
      'message/text (group)': [0],
      'message/text (room)': [0],
      'postback (user)': [1],
      'follow (user)': [1],
      // Closes an open conversation; these customers have none.
      'unfollow (user)': [0],
      'leave (group)': [0],
      // Skipped, each with its reason (see SKIPPED_LINE_EVENTS).
      'message/image (room)': [0],
      'message/image (user)': [0],
      'message/video (user)': [0],
      'message/audio (user)': [0],
      'message/location (user)': [0],
      'message/sticker (user)': [0],
      'message/file (user)': [0],
      'messageEdited/text (user)': [0],
      'join (group)': [0],
      'memberJoined (group)': [0],
      'memberLeft (group)': [0],
      'unsend (group)': [0],
      'beacon (user)': [0],
      'accountLink (user)': [0],
      'videoPlayComplete (user)': [0],
      'things (user)': [0],
      'membership (user)': [0],
      'module (no source)': [0],
      'activated (user)': [0],
      'deactivated (user)': [0],
      'botSuspended (no source)': [0],
      'botResumed (no source)': [0],
      'delivery (no source)': [0],
      'undefined (user)': [0],
    });
    await stack.idle();
    const answeredTokens = new Set(stack.lineStandIn.calls().flatMap((c) => (c.kind === 'reply' && c.replyToken ? [c.replyToken] : [])));
    const expectedTokens = all.filter((s) => /^(message\/text|postback|follow) \(user\)$/.test(s.label)).map((s) => s.replyToken);
    expect([...answeredTokens].sort()).toEqual([...expectedTokens].sort());
    expect(stack.lineStandIn.calls().filter((c) => c.kind === 'push')).toEqual([]);
  });

  test('a whole delivery of every sample at once is one 200', async () => {
    const result = await deliver(samples().map((s) => s.event));
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ ok: true });
  });
});

describe('redelivery', () => {
  test('one event in two POSTs at the same moment, then redelivered, is answered exactly once; the other event of the second POST too', async () => {
    const webhookEventId = newWebhookEventId();
    const replyToken = 'rt-redelivered-once';
    const event = (isRedelivery: boolean) =>
      (
        JSON.parse(lineWebhookBody({ type: 'text', text: 'hot' }, { userId: 'U-twice', webhookEventId, replyToken, isRedelivery })) as {
          events: unknown[];
        }
      ).events[0];
    const other = (
      JSON.parse(lineWebhookBody({ type: 'text', text: 'hot' }, { userId: 'U-other', replyToken: 'rt-beside' })) as { events: unknown[] }
    ).events[0];
    const demo = { channelId: stack.demo.lineChannelId, secret: stack.demo.lineChannelSecret };

    const [first, second] = await Promise.all([deliver([event(false)], demo), deliver([event(false), other], demo)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const queued = (first.body as { queued: number }).queued + (second.body as { queued: number }).queued;
    // The event once, and the other event of the second POST.
    expect(queued).toBe(2);
    await waitForLineCalls(stack, (calls) => calls.filter((c) => c.kind === 'reply').length >= 2);
    await stack.idle();

    const again = await deliver([event(true)], demo);
    expect(again).toEqual({ status: 200, body: { ok: true, queued: 0 } });
    await stack.idle();
    const toTwice = stack.lineStandIn.calls().filter((c) => c.replyToken === replyToken || c.to === 'U-twice');
    expect(toTwice.filter((c) => c.kind === 'reply')).toHaveLength(1);
    expect(toTwice.filter((c) => c.kind === 'push')).toEqual([]);
    expect(transcript(sentMessages(toTwice))).toEqual(["Today's best sellers:", "[flex] Today's best sellers"]);
    expect(stack.lineStandIn.calls().filter((c) => c.kind === 'reply' && c.replyToken === 'rt-beside')).toHaveLength(1);
  });
});

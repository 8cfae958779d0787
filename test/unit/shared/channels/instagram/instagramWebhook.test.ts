import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { echoMetadata } from '../../../../../shared/channels/messenger/echoReceipt';
import { instagramWebhookSchema, toInstagramEvents } from '../../../../../shared/channels/instagram/instagramWebhook';

const FIXTURES = join(__dirname, '../../../../fixtures/instagram');
const IGSID = '6543210987654321';
const ACCOUNT = '17841405309211844';
const MID = 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1MzA5MjExODQ0OjM0MDI4MjM2Njg0MTcxMDMwMTI0';

function actionsOf(body: unknown) {
  return toInstagramEvents(instagramWebhookSchema.parse(body));
}

function fixture(name: string): { object: string; entry: Array<Record<string, unknown>> } {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** One messaging event in the Instagram envelope. */
const delivery = (event: Record<string, unknown>) => ({
  object: 'instagram',
  entry: [
    {
      id: ACCOUNT,
      time: 1569262486134,
      messaging: [{ sender: { id: IGSID }, recipient: { id: ACCOUNT }, timestamp: 1569262485349, ...event }],
    },
  ],
});

describe('toInstagramEvents on the sample files', () => {
  /** Every sample of test/fixtures/instagram (see its README): what callcard does with it. */
  const EVENT_KINDS: Record<string, { event: unknown } | { skip: string }> = {
    'comments.json': { skip: 'field comments: not a messaging event' },
    'deleted.json': { skip: 'message deleted by the customer' },
    'echo.json': { skip: 'echo' },
    'icebreaker.json': { event: { type: 'postback', data: 'action=faq&topic=hours' } },
    'image.json': { skip: 'message with image attachment, no text' },
    'postback.json': { event: { type: 'text', text: 'DEVELOPER_DEFINED_PAYLOAD' } },
    'quick-reply.json': { event: { type: 'postback', data: 'action=color&value=red' } },
    'reaction.json': { skip: 'reaction: an emoji on a message, not a trigger' },
    'read.json': { skip: 'read: a read receipt, nothing to answer' },
    'referral.json': { skip: 'referral: an ig.me link or an ad opened an existing thread, not a trigger' },
    'share.json': { skip: 'message with share attachment, no text' },
    'standby.json': { skip: 'standby: another app owns the thread (handover), never answered' },
    'story-mention.json': { skip: 'story mention, not a message to answer' },
    // A story reply is the customer writing to the account: answered as its text.
    'story-reply.json': { event: { type: 'text', text: 'Love this look!' } },
    'story-reply-no-text.json': { skip: 'story reply without text' },
    'text.json': { event: { type: 'text', text: 'hello, world!' } },
    'unsupported.json': { skip: 'unsupported message (Instagram could not deliver its content)' },
  };

  it('covers every sample file', () => {
    expect(
      readdirSync(FIXTURES)
        .filter((name) => name.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(EVENT_KINDS).sort());
  });

  it.each(Object.entries(EVENT_KINDS))('%s: answered or skipped with its reason', (name, outcome) => {
    const actions = actionsOf(fixture(name));
    expect(actions).toHaveLength(1);
    if ('event' in outcome) expect(actions[0]).toMatchObject({ kind: 'handle', event: outcome.event });
    else expect(actions[0]).toMatchObject({ kind: 'skip', reason: outcome.skip });
  });

  it('text.json: the IGSID as psid, the professional account as pageId, the mid as event id', () => {
    expect(actionsOf(fixture('text.json'))).toEqual([
      {
        kind: 'handle',
        eventId: MID,
        pageId: ACCOUNT,
        psid: IGSID,
        event: { type: 'text', text: 'hello, world!' },
        occurredAt: 1569262485349,
      },
    ]);
  });

  it('skips keep the mid, so a skipped event is still logged against its message', () => {
    for (const name of ['deleted.json', 'story-mention.json', 'unsupported.json', 'echo.json'])
      expect(actionsOf(fixture(name))[0]).toMatchObject({ eventId: MID });
  });

  it('the quick reply: the payload, not the title', () => {
    const [action] = actionsOf(fixture('quick-reply.json'));
    expect(action).toMatchObject({ kind: 'handle', event: { type: 'postback', data: 'action=color&value=red' } });
    expect(JSON.stringify(action)).not.toContain('"Red"');
  });
});

describe('echoes', () => {
  const TOKEN = 'ig-user-token';

  it("are callcard's delivery receipt when their metadata names a job of this account", () => {
    const jobId = `instagram:${ACCOUNT}:${MID}`;
    const body = delivery({ message: { mid: 'm_echo', is_echo: true, text: 'Hi', metadata: echoMetadata(jobId, 2, TOKEN) } });
    body.entry[0]!.messaging[0]!.sender = { id: ACCOUNT };
    body.entry[0]!.messaging[0]!.recipient = { id: IGSID };
    expect(actionsOf(body)).toEqual([
      {
        kind: 'echo',
        pageId: ACCOUNT,
        claim: { receipt: { jobId, index: 2 }, tag: expect.stringMatching(/^[0-9a-f]{64}$/), appId: undefined },
      },
    ]);
  });

  it("are skipped when the receipt names a Messenger job or another account's", () => {
    for (const jobId of [`messenger:${ACCOUNT}:${MID}`, `instagram:999:${MID}`]) {
      const body = delivery({ message: { mid: 'm_echo', is_echo: 'true', metadata: echoMetadata(jobId, 0, TOKEN) } });
      body.entry[0]!.messaging[0]!.sender = { id: ACCOUNT };
      expect(actionsOf(body)).toEqual([{ kind: 'skip', eventId: 'm_echo', reason: 'echo' }]);
    }
  });
});

describe('events', () => {
  it('a postback in data syntax is a postback; a reply to an earlier message with text is text', () => {
    expect(actionsOf(delivery({ postback: { mid: 'm1', title: 'Track', payload: 'action=track&id=42' } }))).toMatchObject([
      { kind: 'handle', eventId: 'm1', event: { type: 'postback', data: 'action=track&id=42' } },
    ]);
    expect(actionsOf(delivery({ message: { mid: 'm2', text: 'yes', reply_to: { mid: 'm0' } } }))).toMatchObject([
      { kind: 'handle', event: { type: 'text', text: 'yes' } },
    ]);
  });

  it('an unsent or unsupported message is skipped even when it still carries text', () => {
    expect(actionsOf(delivery({ message: { mid: 'm3', text: 'oops', is_deleted: true } }))).toMatchObject([
      { kind: 'skip', reason: 'message deleted by the customer' },
    ]);
    expect(actionsOf(delivery({ message: { mid: 'm4', text: 'gif', is_unsupported: 'true' } }))).toMatchObject([
      { kind: 'skip', reason: 'unsupported message (Instagram could not deliver its content)' },
    ]);
  });

  it('names at most three attachment types, bounded for logs', () => {
    const attachments = ['image', 'video', 'audio', 'file'].map((type) => ({ type, payload: { url: 'https://x' } }));
    expect(actionsOf(delivery({ message: { mid: 'm5', attachments: [...attachments, { type: 'x'.repeat(100) }] } }))).toMatchObject([
      { kind: 'skip', reason: 'message with image, video, audio attachment, no text' },
    ]);
    expect(actionsOf(delivery({ message: { mid: 'm6' } }))).toMatchObject([{ kind: 'skip', reason: 'message without text or attachment' }]);
  });

  it('an unknown event kind is skipped by its key, and a postback without payload says so', () => {
    expect(actionsOf(delivery({ 'new-thing': {} }))).toMatchObject([{ kind: 'skip', reason: 'unsupported event new-thing' }]);
    expect(actionsOf(delivery({ postback: { mid: 'm7', title: 'x' } }))).toMatchObject([
      { kind: 'skip', reason: 'postback without payload' },
    ]);
  });

  it('uses <igsid>@<timestamp> as event id when Meta sent no mid, and skips what has neither', () => {
    expect(actionsOf(delivery({ postback: { payload: 'action=a' } }))).toMatchObject([
      { kind: 'handle', eventId: `${IGSID}@1569262485349` },
    ]);
    const body = delivery({ postback: { payload: 'action=a' } });
    delete (body.entry[0]!.messaging[0] as Record<string, unknown>).timestamp;
    expect(actionsOf(body)).toMatchObject([{ kind: 'skip', reason: 'no mid and no timestamp to deduplicate on' }]);
  });
});

describe('bounds and shapes', () => {
  it('answers a customer text of 1,001 characters (the 1,000 limit is on sending), skips one over 5,000 or an id that is not plain as malformed', () => {
    expect(actionsOf(delivery({ message: { mid: 'm12', text: 'x'.repeat(1001) } }))).toMatchObject([{ kind: 'handle' }]);
    expect(actionsOf(delivery({ message: { mid: 'm8', text: 'x'.repeat(5001) } }))).toMatchObject([
      { kind: 'skip', eventId: 'm8', malformed: true, reason: expect.stringContaining('longer than 5000 characters') },
    ]);
    const body = delivery({ message: { mid: 'm9', text: 'hi' } });
    body.entry[0]!.messaging[0]!.sender = { id: 'a b' };
    expect(actionsOf(body)).toMatchObject([{ kind: 'skip', malformed: true }]);
    const badEntry = delivery({ message: { mid: 'm10', text: 'hi' } });
    badEntry.entry[0]!.id = 'not plain!';
    expect(actionsOf(badEntry)).toMatchObject([{ kind: 'skip', malformed: true, reason: 'malformed entry: id is not a plain id' }]);
  });

  it("skips a delivery that is not Instagram's, and an event without a sender", () => {
    expect(actionsOf({ object: 'page', entry: [] })).toEqual([{ kind: 'skip', eventId: undefined, reason: 'unsupported object page' }]);
    const body = delivery({ message: { mid: 'm11', text: 'hi' } });
    delete (body.entry[0]!.messaging[0] as Record<string, unknown>).sender;
    expect(actionsOf(body)).toMatchObject([{ kind: 'skip', reason: 'no sender id' }]);
  });

  it('answers every event of a delivery in order, across entries', () => {
    const body = delivery({ message: { mid: 'a', text: 'one' } });
    body.entry.push({ ...delivery({ message: { mid: 'b', text: 'two' } }).entry[0]! });
    expect(actionsOf(body).map((a) => (a.kind === 'handle' ? a.eventId : a.kind))).toEqual(['a', 'b']);
  });

  it('never quotes a value from the event in a reason', () => {
    const reasons = actionsOf(delivery({ ['k'.repeat(80)]: { x: 1 } })).map((a) => (a.kind === 'skip' ? a.reason : ''));
    expect(reasons).toEqual(['unsupported event <string of 80 characters>']);
  });
});

import type { LocalStack } from '../../local/localStack';
import type { ChannelKind } from '../../shared/domain/channelKinds';
import { sendLine, sendMessenger, startTestStack, waitForLineCalls, waitForMessengerCalls } from '../support/localStackHarness';

/**
 * The product's three scenarios, end to end on the local stack, on LINE and on Messenger from the one
 * seeded demo flow: each step asserts the messages the channel's API stand-in received, in order.
 * Scenario 1 verifies by account link on LINE and by a one-time code on Messenger, as the demo does.
 */

/** What a customer does, on either channel. */
type Act = { type: 'text'; text: string } | { type: 'postback'; data: string };

interface Channel {
  kind: ChannelKind;
  channelId(stack: LocalStack): string;
  /** Act as `user`; resolves with the bodies of the channel API calls that answered, in order. */
  say(stack: LocalStack, user: string, act: Act): Promise<unknown[]>;
  /** One readable line per message: texts as they are, carousels as `[carousel] title | title`. */
  transcript(messages: unknown[]): string[];
  /** The labels of the quick replies on a message. */
  quickReplies(message: unknown): string[];
}

const line: Channel = {
  kind: 'line',
  channelId: (stack) => stack.demo.lineChannelId,
  async say(stack, user, act) {
    const before = stack.lineStandIn.calls().length;
    const sent = await sendLine(stack, act, { userId: user });
    expect(sent.status).toBe(200);
    const answers = () =>
      stack.lineStandIn
        .calls()
        .slice(before)
        .filter((c) => (c.kind === 'reply' && c.replyToken === sent.replyToken) || (c.kind === 'push' && c.to === user));
    await waitForLineCalls(stack, () => answers().length > 0);
    await stack.idle();
    return answers().flatMap((c) => c.messages ?? []);
  },
  transcript: (messages) =>
    messages.map((m) => {
      const message = record(m);
      if (message.type === 'text') return String(message.text);
      if (message.type === 'flex' && loginUrlOf(message)) return `[sign in] ${allTexts(message.contents).join(' | ')}`;
      if (message.type === 'flex') return `[carousel] ${boldTexts(message.contents).join(' | ')}`;
      return JSON.stringify(m);
    }),
  quickReplies: (m) => list(record(record(m).quickReply).items).map((item) => String(record(record(item).action).label)),
};

/** The URI of a LINE message's button to a login page (a linkAccount block's), if it has one. */
function loginUrlOf(message: unknown): string | undefined {
  return /"uri":"([^"]+\/link\/login[^"]*)"/.exec(JSON.stringify(message))?.[1];
}

function allTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(allTexts);
  if (typeof node !== 'object' || node === null) return [];
  const o = record(node);
  return [...(o.type === 'text' && typeof o.text === 'string' ? [o.text] : []), ...Object.values(o).flatMap(allTexts)];
}

/**
 * The member's browser after tapping the sign-in button: the brand's login page, the form posted
 * (302 to LINE's account-link dialog when the password is right), the dialog opened (the stand-in
 * delivers LINE's accountLink event). Resolves with the login's status.
 */
async function signInOnLine(stack: LocalStack, loginUrl: string, memberId: string, password: string): Promise<number> {
  const linkToken = new URL(loginUrl).searchParams.get('linkToken') ?? '';
  expect((await fetch(loginUrl)).status).toBe(200);
  const posted = await fetch(new URL('/link/login', loginUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ linkToken, memberId, password }).toString(),
    redirect: 'manual',
  });
  const location = posted.headers.get('location');
  if (location) expect((await fetch(location)).status).toBe(200);
  await stack.idle();
  return posted.status;
}

const messenger: Channel = {
  kind: 'messenger',
  channelId: (stack) => stack.demo.messengerPageId,
  async say(stack, user, act) {
    const before = stack.messengerStandIn.calls().length;
    const sent = await sendMessenger(stack, act, { psid: user });
    expect(sent.status).toBe(200);
    const answers = () =>
      stack.messengerStandIn
        .calls()
        .slice(before)
        .filter((c) => c.kind === 'send' && c.to === user);
    await waitForMessengerCalls(stack, () => answers().length > 0);
    await stack.idle();
    const calls = answers();
    // Every message of a turn is its own Send API call, inside the 24-hour window.
    for (const call of calls) expect(call.messagingType).toBe('RESPONSE');
    return calls.map((c) => c.message);
  },
  transcript: (messages) =>
    messages.map((m) => {
      const message = record(m);
      if (typeof message.text === 'string') return message.text;
      const payload = record(record(message.attachment).payload);
      if (payload.template_type === 'generic')
        return `[carousel] ${list(payload.elements)
          .map((e) => String(record(e).title))
          .join(' | ')}`;
      return JSON.stringify(m);
    }),
  quickReplies: (m) => list(record(m).quick_replies).map((q) => String(record(q).title)),
};

// One local stack per test file: the handler modules read their environment once, like a Lambda cold start.
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack.stop());

describe.each([line, messenger])('the three scenarios on $kind', (channel) => {
  const say = async (user: string, act: Act) => channel.transcript(await channel.say(stack, user, act));
  const customer = (userId: string) =>
    stack.store.customers.get({ channelKind: channel.kind, channelId: channel.channelId(stack), userId });

  beforeEach(async () => {
    await stack.idle();
    stack.brandApi.reset();
  });

  describe('scenario 1: personal data, for verified members only', () => {
    const askCode = (phone: string) => `If ${phone} is a member number, we just texted it a 6-digit code. Please type the code here.`;
    // On LINE the demo verifies by account link; on Messenger by a one-time code (the same flow: its link_account block links on LINE only).
    const onLine = channel.kind === 'line' ? test : test.skip;
    const onMessenger = channel.kind === 'messenger' ? test : test.skip;
    const tickets = '[carousel] Taipei 101 Observatory | National Palace Museum | Jiufen Tea House Afternoon Set';
    /** Tap "My tickets", then sign in at the brand with the button's link: what LINE received after the link. */
    const link = async (user: string, memberId: string, password: string) => {
      const offered = await channel.say(stack, user, { type: 'postback', data: 'action=my_tickets' });
      expect(channel.transcript(offered)).toEqual([
        '[sign in] To show your tickets, please sign in with your membership first: this links it to your LINE account.',
      ]);
      const before = stack.lineStandIn.calls().length;
      const status = await signInOnLine(stack, loginUrlOf(offered[0]) ?? '', memberId, password);
      return {
        status,
        after: channel.transcript(
          stack.lineStandIn
            .calls()
            .slice(before)
            .flatMap((c) => (c.kind === 'reply' || (c.kind === 'push' && c.to === user) ? (c.messages ?? []) : [])),
        ),
      };
    };

    onLine('a customer links their membership (account link) and sees their unused tickets; the next tap at once', async () => {
      const user = 'line-s1-new';
      expect(await link(user, 'M001', 'oolong')).toEqual({
        status: 302,
        after: ['Thank you, Chen Mei-Ling: you are verified as member M001.', tickets],
      });
      expect((await customer(user))?.binding).toMatchObject({ memberId: 'M001', method: 'lineAccountLink' });
      expect(await say(user, { type: 'postback', data: 'action=my_tickets' })).toEqual([tickets]);
      expect(stack.brandApi.requests().filter((r) => r.path === '/members/M001/tickets')).toHaveLength(2);
    });

    onLine('a member with no unused tickets gets the empty branch', async () => {
      expect(await link('line-s1-empty', 'M002', 'pineapple')).toEqual({
        status: 302,
        after: ['Thank you, Wang Chih-Ming: you are verified as member M002.', 'You have no unused tickets right now.'],
      });
    });

    onLine('a wrong password links nobody', async () => {
      expect(await link('line-s1-stranger', 'M001', '123456')).toEqual({ status: 401, after: [] });
      expect((await customer('line-s1-stranger'))?.binding).toBeUndefined();
    });

    onMessenger(
      'a customer verifies with the code the brand texts to the member phone, and sees their unused tickets; the next tap at once',
      async () => {
        const user = `${channel.kind}-s1-new`;
        expect(await say(user, { type: 'postback', data: 'action=my_tickets' })).toEqual([
          'To show your tickets, please verify your membership first. What is your member phone number? We will text you a code.',
        ]);
        expect(await say(user, { type: 'text', text: 'my phone?' })).toEqual([
          'That does not look like a phone number (e.g. 0912345678). To show your tickets, please verify your membership first. What is your member phone number? We will text you a code.',
        ]);
        expect(await say(user, { type: 'text', text: '0912-345-678' })).toEqual([askCode('0912345678')]);
        const code = stack.brandApi.lastCode('0912345678') ?? '';
        expect(await say(user, { type: 'text', text: code })).toEqual([
          'Thank you, Chen Mei-Ling: you are verified as member M001.',
          tickets,
        ]);
        const profile = await customer(user);
        expect(profile?.binding).toMatchObject({ memberId: 'M001', method: 'oneTimeCode' });
        // The query result itself is not stored, and the member id is no plain attribute.
        expect(JSON.stringify(profile?.attributes)).not.toMatch(/Taipei 101|M001/);

        const again = await channel.say(stack, user, { type: 'postback', data: 'action=my_tickets' });
        expect(channel.transcript(again)).toEqual([tickets]);
        if (channel.kind === 'messenger') {
          // The exact Send API message: a generic template, one element per unused ticket.
          expect(again[0]).toEqual({
            attachment: {
              type: 'template',
              payload: {
                template_type: 'generic',
                elements: [
                  ticketElement('T-1001', 'Taipei 101 Observatory', '2026-12-31'),
                  ticketElement('T-1002', 'National Palace Museum', '2026-10-31'),
                  ticketElement('T-1003', 'Jiufen Tea House Afternoon Set', '2027-03-31'),
                ],
              },
            },
            // The delivery receipt Meta returns in its echo (shared/channels/messenger/echoReceipt.ts).
            metadata: expect.stringMatching(/^callcard:2:0:[0-9a-f]{64}:messenger:demo-messenger:/),
          });
        }
        expect(
          stack.brandApi
            .requests()
            .filter((r) => r.path === '/otp/send' || r.path === '/otp/verify')
            .map((r) => r.path),
        ).toEqual(['/otp/send', '/otp/verify']);
        expect(stack.brandApi.requests().filter((r) => r.path === '/members/M001/tickets')).toHaveLength(2);
      },
    );

    onMessenger('a member with no unused tickets gets the empty branch', async () => {
      const user = `${channel.kind}-s1-empty`;
      await say(user, { type: 'postback', data: 'action=my_tickets' });
      await say(user, { type: 'text', text: '0922333444' });
      expect(await say(user, { type: 'text', text: stack.brandApi.lastCode('0922333444') ?? '' })).toEqual([
        'Thank you, Wang Chih-Ming: you are verified as member M002.',
        'You have no unused tickets right now.',
      ]);
    });

    onMessenger('a phone number the brand does not know gets no code, so no code it can type verifies', async () => {
      const user = `${channel.kind}-s1-stranger`;
      await say(user, { type: 'postback', data: 'action=my_tickets' });
      // The brand answers as for a member (it never tells who is one), but texts nobody.
      expect(await say(user, { type: 'text', text: '0900000000' })).toEqual([askCode('0900000000')]);
      expect(stack.brandApi.sms()).toEqual([]);
      expect(await say(user, { type: 'text', text: '123456' })).toEqual([
        'That code is not right. 2 attempt(s) left.',
        askCode('0900000000'),
      ]);
      expect((await customer(user))?.binding).toBeUndefined();
    });
  });

  describe('scenario 2: live data, no binding', () => {
    test('best sellers come from the brand; when its list changes, the next answer changes with no flow edit', async () => {
      const user = `${channel.kind}-s2`;
      expect(await say(user, { type: 'text', text: '熱銷' })).toEqual([
        "Today's best sellers:",
        '[carousel] 土鳳梨酥禮盒 (12入) | 阿里山高山烏龍茶 150g | 黑糖珍珠奶茶 DIY 組',
      ]);
      stack.brandApi.setBestSellers([
        {
          sku: 'NEW-1',
          name: 'Winter Oolong Gift Box',
          price: 1280,
          imageUrl: 'https://example.com/oolong.jpg',
          url: 'https://example.com/p/NEW-1',
        },
      ]);
      const second = await channel.say(stack, user, { type: 'text', text: 'ＨＯＴ' });
      expect(channel.transcript(second)).toEqual(["Today's best sellers:", '[carousel] Winter Oolong Gift Box']);
      expect(JSON.stringify(second)).toContain('NT$ 1280');
    });
  });

  describe('scenario 3: registration sends what the customer typed', () => {
    test('three questions, a re-ask, the answers POSTed to the brand; "full", then "success" and a confirmation email', async () => {
      const user = `${channel.kind}-s3`;
      expect(await say(user, { type: 'text', text: 'register' })).toEqual(['Tea workshop registration (1/3): what is your name?']);
      expect(await say(user, { type: 'text', text: 'Lin Mei-Hua' })).toEqual(['(2/3) Your mobile number?']);
      expect(await say(user, { type: 'text', text: '12' })).toEqual(['Please enter a valid mobile number, like 0912345678.']);
      const plan = await channel.say(stack, user, { type: 'text', text: '0912345678' });
      expect(channel.transcript(plan)).toEqual(['(3/3) Which session would you like?']);
      expect(channel.quickReplies(plan[0])).toEqual(['Standard', 'VIP']);
      expect(await say(user, { type: 'text', text: 'VIP' })).toEqual([
        'Sorry, the vip session is full. Type "register" to choose another.',
      ]);
      const registrations = stack.brandApi.requests().filter((r) => r.path === '/registrations');
      expect(registrations.map((r) => JSON.parse(r.body))).toEqual([{ name: 'Lin Mei-Hua', phone: '0912345678', plan: 'vip' }]);

      await say(user, { type: 'text', text: '報名' });
      await say(user, { type: 'text', text: 'Lin Mei-Hua' });
      await say(user, { type: 'text', text: '0912345678' });
      expect(await say(user, { type: 'text', text: 'standard' })).toEqual([
        'You are registered, Lin Mei-Hua! A confirmation email is on its way.',
      ]);
      const notify = stack.brandApi.requests().filter((r) => r.path === '/notify');
      expect(notify.map((r) => JSON.parse(r.body))).toEqual([
        { channel: 'email', template: 'registration_confirmed', name: 'Lin Mei-Hua', phone: '0912345678' },
      ]);
      expect((await customer(user))?.attributes).toMatchObject({
        name: 'Lin Mei-Hua',
        phone: '0912345678',
        plan: 'standard',
        registrationStatus: 'success',
      });
    });

    test('a trigger keyword while a question waits restarts cleanly', async () => {
      const user = `${channel.kind}-s3-restart`;
      await say(user, { type: 'text', text: 'register' });
      expect(await say(user, { type: 'text', text: 'hot' })).toEqual([
        "Today's best sellers:",
        '[carousel] 土鳳梨酥禮盒 (12入) | 阿里山高山烏龍茶 150g | 黑糖珍珠奶茶 DIY 組',
      ]);
      // The question no longer waits: free text goes to the fallback.
      expect(await say(user, { type: 'text', text: 'Lin' })).toEqual(['Sorry, I did not catch that. Try one of these:']);
    });
  });
});

function ticketElement(id: string, title: string, validUntil: string) {
  const seed = id.toLowerCase().replace('-', '');
  return {
    title,
    subtitle: `Valid until ${validUntil}`,
    image_url: `https://picsum.photos/seed/${seed}/600/400`,
    buttons: [{ type: 'postback', title: 'Use this ticket', payload: `action=use_ticket&id=${id}` }],
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** LINE flex: the bold texts of each bubble are the card titles. */
function boldTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(boldTexts);
  const o = record(node);
  const own = o.weight === 'bold' && typeof o.text === 'string' ? [o.text] : [];
  return [...own, ...Object.values(o).flatMap(boldTexts)];
}

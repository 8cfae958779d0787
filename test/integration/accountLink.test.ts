import type { LocalStack } from '../../local/localStack';
import type { CustomerRef } from '../../shared/store/customers';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendLine, sendMessenger, startTestStack, waitForLineCalls, waitForMessengerCalls } from '../support/localStackHarness';

/**
 * Account linking end to end on the local stack, over real sockets (issue 19, slice B): the demo
 * flow's "My tickets" on LINE links the account. The executor issues a LINE link token, the button
 * opens the demo brand's login page, a right password sends the browser to LINE's account-link
 * dialog (the stand-in), which delivers the signed `accountLink` event; the brand resolves the nonce
 * and the customer is bound (lineAccountLink). Failed links (expired, reused, another LINE user, a
 * token LINE never issued, a wrong password) bind nobody. On Messenger, a flow's Log In button, the
 * brand's redirect with an authorization code, Meta's `messaging_account_linking` (linked, then
 * unlinked: the binding goes, and the personal card is refused).
 */

const TICKETS = '[flex] Taipei 101 Observatory | National Palace Museum | Jiufen Tea House Afternoon Set';
const LINK_TEXT = 'To show your tickets, please sign in with your membership first: this links it to your LINE account.';
const LINK_FAILED = 'Your membership could not be linked. Tap "My tickets" to try again.';
const MY_TICKETS = { type: 'postback', data: 'action=my_tickets' } as const;

let stack: LocalStack;
let admin: AdminClient;
beforeAll(async () => {
  stack = await startTestStack();
  admin = adminClient(stack, stack.demo.adminKey);
});
afterAll(async () => stack.stop());
beforeEach(async () => {
  await stack.idle();
  stack.brandApi.reset();
});

/** What the LINE stand-in sent `user` since `before` (replies to `replyToken`, pushes to the user), one line per message. */
function lineAnswers(user: string, before: number, replyToken?: string): string[] {
  return stack.lineStandIn
    .calls()
    .slice(before)
    .filter(
      (c) => (c.kind === 'reply' && (replyToken === undefined || c.replyToken === replyToken)) || (c.kind === 'push' && c.to === user),
    )
    .flatMap((c) => c.messages ?? [])
    .map(lineText);
}

/** A customer taps "My tickets" on LINE: what the bot answered. */
async function tap(user: string): Promise<{ lines: string[]; loginUrl: string | undefined }> {
  const before = stack.lineStandIn.calls().length;
  const sent = await sendLine(stack, MY_TICKETS, { userId: user });
  expect(sent.status).toBe(200);
  await waitForLineCalls(stack, () => lineAnswers(user, before, sent.replyToken).length > 0);
  await stack.idle();
  const messages = stack.lineStandIn
    .calls()
    .slice(before)
    .flatMap((c) => c.messages ?? []);
  return { lines: lineAnswers(user, before, sent.replyToken), loginUrl: uris(messages)[0] };
}

function lineText(message: unknown): string {
  const m = message as { type?: string; text?: string; contents?: unknown };
  if (m.type === 'text') return String(m.text);
  if (m.type === 'flex') {
    const buttons = uris(m).length ? ` [button ${labels(m).join(', ')}]` : '';
    return `[flex] ${texts(m.contents, (o) => o.weight === 'bold' || buttons !== '').join(' | ')}${buttons}`;
  }
  return JSON.stringify(message);
}
function walk(node: unknown, visit: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (typeof node === 'object' && node !== null) {
    visit(node as Record<string, unknown>);
    Object.values(node).forEach((n) => walk(n, visit));
  }
}
function texts(node: unknown, keep: (o: Record<string, unknown>) => boolean): string[] {
  const found: string[] = [];
  walk(node, (o) => {
    if (o.type === 'text' && typeof o.text === 'string' && keep(o)) found.push(o.text);
  });
  return found;
}
function uris(node: unknown): string[] {
  const found: string[] = [];
  walk(node, (o) => {
    if (o.type === 'uri' && typeof o.uri === 'string') found.push(o.uri);
  });
  return found;
}
function labels(node: unknown): string[] {
  const found: string[] = [];
  walk(node, (o) => {
    if (o.type === 'uri' && typeof o.label === 'string') found.push(o.label);
  });
  return found;
}

/** The member's browser: the login page, the form posted, the redirect to the chat's dialog (not followed). */
async function signIn(
  loginUrl: string,
  memberId: string,
  password: string,
): Promise<{ page: string; status: number; location: string | null }> {
  const page = await fetch(loginUrl);
  const html = await page.text();
  expect(page.status).toBe(200);
  const hidden = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1] ?? '', decodeHtml(m[2] ?? '')]),
  );
  const posted = await fetch(new URL('/link/login', loginUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...hidden, memberId, password }).toString(),
    redirect: 'manual',
  });
  return { page: await posted.text(), status: posted.status, location: posted.headers.get('location') };
}
const decodeHtml = (value: string) => value.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));

/** The browser opens LINE's account-link dialog (the stand-in), which answers once the event is delivered. */
async function openDialog(url: string, cookie?: string): Promise<{ status: number; page: string }> {
  const response = await fetch(url, cookie ? { headers: { cookie } } : {});
  const page = await response.text();
  await stack.idle();
  return { status: response.status, page };
}

const lineRef = (userId: string): CustomerRef => ({ channelKind: 'line', channelId: stack.demo.lineChannelId, userId });
const bindingOf = async (ref: CustomerRef) => (await stack.store.customers.get(ref))?.binding;
const brandCalls = (path: RegExp) => stack.brandApi.requests().filter((r) => path.test(r.path));

describe('LINE account link, end to end', () => {
  test('token issued, login page, right password, redirect to LINE, accountLink ok, nonce resolved, bound (lineAccountLink); the personal card then answers', async () => {
    const user = 'U-link-ok';
    const started = Date.now();
    const { lines, loginUrl } = await tap(user);
    // The link token was issued for this user, and rides on the button to the brand's login page.
    const issued = stack.lineStandIn.calls().filter((c) => c.kind === 'linkToken' && c.to === user);
    expect(issued).toHaveLength(1);
    expect(lines).toEqual([`[flex] ${LINK_TEXT} [button Sign in]`]);
    expect(loginUrl).toMatch(new RegExp(`^${stack.brandApi.url}/link/login\\?linkToken=[A-Za-z0-9]{32}$`));
    expect(brandCalls(/^\/members\//)).toEqual([]);

    const login = await signIn(loginUrl ?? '', 'M001', 'oolong');
    expect(login.status).toBe(302);
    const dialog = new URL(login.location ?? '');
    expect(`${dialog.origin}${dialog.pathname}`).toBe(`${stack.lineStandIn.url}/dialog/bot/accountLink`);
    expect(dialog.searchParams.get('linkToken')).toBe(new URL(loginUrl ?? '').searchParams.get('linkToken'));
    const nonce = dialog.searchParams.get('nonce') ?? '';
    expect(nonce.length).toBeGreaterThanOrEqual(16);

    const before = stack.lineStandIn.calls().length;
    const opened = await openDialog(dialog.toString());
    expect(opened).toMatchObject({ status: 200, page: expect.stringContaining('Account linked') });
    // The accountLink event carried a reply token: the answer is a reply, in flow order.
    const reply = stack.lineStandIn
      .calls()
      .slice(before)
      .filter((c) => c.kind === 'reply');
    expect(reply).toHaveLength(1);
    expect((reply[0]?.messages ?? []).map(lineText)).toEqual(['Thank you, Chen Mei-Ling: you are verified as member M001.', TICKETS]);
    // The brand resolved the nonce once, asked by callcard (signed), and was then asked for the member's tickets.
    const resolves = brandCalls(/^\/link\/resolve$/);
    expect(resolves.map((r) => JSON.parse(r.body))).toEqual([{ nonce }]);
    expect(resolves[0]?.headers['webhook-signature']).toMatch(/^v1,/);
    expect(brandCalls(/^\/members\//).map((r) => r.path)).toEqual(['/members/M001/tickets']);

    const binding = await bindingOf(lineRef(user));
    expect(binding).toEqual({
      memberId: 'M001',
      attributes: { name: 'Chen Mei-Ling' },
      method: 'lineAccountLink',
      verifiedAt: expect.any(String),
    });
    expect(Date.parse(binding?.verifiedAt ?? '')).toBeGreaterThanOrEqual(started - 1000);
    expect((await admin.call('GET', `/admin/contacts/line/${stack.demo.lineChannelId}/${user}`)).body).toMatchObject({
      binding: { method: 'lineAccountLink', lapsed: false },
    });
    expect((await tap(user)).lines).toEqual([TICKETS]);
    expect(stack.lineStandIn.calls().filter((c) => c.kind === 'linkToken' && c.to === user)).toHaveLength(1);
  });

  test('the same link opened again (a reused token): accountLink failed, explained by a push; nobody else is bound by it', async () => {
    const user = 'U-link-reuse';
    const { loginUrl } = await tap(user);
    const login = await signIn(loginUrl ?? '', 'M002', 'pineapple');
    await openDialog(login.location ?? '');
    expect(await bindingOf(lineRef(user))).toMatchObject({ memberId: 'M002', method: 'lineAccountLink' });
    const before = stack.lineStandIn.calls().length;
    const again = await openDialog(login.location ?? '');
    expect(again).toMatchObject({ status: 200, page: expect.stringContaining('Account not linked') });
    // LINE sends a failed link without a reply token: the answer is pushed.
    expect(
      stack.lineStandIn
        .calls()
        .slice(before)
        .map((c) => `${c.kind}:${(c.messages ?? []).map(lineText).join()}`),
    ).toEqual([`push:${LINK_FAILED}`]);
    expect(brandCalls(/^\/link\/resolve$/)).toHaveLength(1);
  });

  test('an expired link token (10 minutes), another LINE user opening the link, a token LINE never issued: no binding', async () => {
    const user = 'U-link-late';
    const { loginUrl } = await tap(user);
    const login = await signIn(loginUrl ?? '', 'M001', 'oolong');
    stack.lineStandIn.advanceClock(10 * 60_000 + 1000);
    const before = stack.lineStandIn.calls().length;
    expect(await openDialog(login.location ?? '')).toMatchObject({ page: expect.stringContaining('Account not linked') });
    expect(lineAnswers(user, before)).toEqual([LINK_FAILED]);
    expect(await bindingOf(lineRef(user))).toBeUndefined();

    // The victim's link, opened in the attacker's LINE: LINE says failed (the link token is the victim's).
    const victim = 'U-link-victim';
    const { loginUrl: victimUrl } = await tap(victim);
    const victimLogin = await signIn(victimUrl ?? '', 'M001', 'oolong');
    expect(await openDialog(victimLogin.location ?? '', 'line_user=U-attacker')).toMatchObject({
      page: expect.stringContaining('Account not linked'),
    });
    expect(await bindingOf(lineRef(victim))).toBeUndefined();
    expect(await bindingOf(lineRef('U-attacker'))).toBeUndefined();

    const forged = new URL(victimLogin.location ?? '');
    forged.searchParams.set('linkToken', 'NMZTNuVrPTqlr2IF8Bnymkb7rXfYv5EY');
    const calls = stack.lineStandIn.calls().length;
    expect(await openDialog(forged.toString())).toMatchObject({ status: 400, page: expect.stringContaining('Invalid link token') });
    expect(stack.lineStandIn.calls()).toHaveLength(calls);
    expect(brandCalls(/^\/link\/resolve$/)).toEqual([]);
  });

  test('a wrong password: the login page again with the error, no redirect, nothing delivered', async () => {
    const user = 'U-link-wrong';
    const { loginUrl } = await tap(user);
    const wrong = await signIn(loginUrl ?? '', 'M001', 'pineapple');
    expect(wrong).toMatchObject({ status: 401, location: null, page: expect.stringContaining('Wrong member number or password.') });
    expect(wrong.page).toContain(`value="${new URL(loginUrl ?? '').searchParams.get('linkToken')}"`);
    await stack.idle();
    expect(await bindingOf(lineRef(user))).toBeUndefined();
    // Still waiting on the link: anything else said brings the button again, with a new token.
    const before = stack.lineStandIn.calls().length;
    const sent = await sendLine(stack, { type: 'text', text: 'hello?' }, { userId: user });
    await waitForLineCalls(stack, () => lineAnswers(user, before, sent.replyToken).length > 0);
    expect(lineAnswers(user, before, sent.replyToken)).toEqual([`[flex] ${LINK_TEXT} [button Sign in]`]);
    expect(stack.lineStandIn.calls().filter((c) => c.kind === 'linkToken' && c.to === user)).toHaveLength(2);
  });
});

describe('Messenger account linking', () => {
  const psid = 'PSID-link';
  const ref: CustomerRef = { channelKind: 'messenger', channelId: 'demo-messenger', userId: psid };

  /** The person writes on Messenger: what the page sent (texts, and a Log In button as `[login <url>]`). */
  async function write(text: string): Promise<string[]> {
    const before = stack.messengerStandIn.calls().length;
    const sent = await sendMessenger(stack, { type: 'text', text }, { psid });
    expect(sent.status).toBe(200);
    const answers = () =>
      stack.messengerStandIn
        .calls()
        .slice(before)
        .filter((c) => c.kind === 'send' && c.to === psid);
    await waitForMessengerCalls(stack, () => answers().length > 0);
    await stack.idle();
    return answers().map((c) => messengerText(c.message));
  }

  beforeAll(async () => {
    const url = stack.brandApi.url;
    const flow = {
      schemaVersion: 1,
      name: 'points',
      triggers: [
        { type: 'keyword', keywords: ['link me'], start: 'link' },
        { type: 'keyword', keywords: ['points'], start: 'points' },
      ],
      verify: 'link',
      blocks: {
        link: { type: 'linkAccount', loginUrl: `${url}/link/login`, text: 'Log in to link your membership.', onLinked: 'resolve' },
        resolve: {
          type: 'callApi',
          request: { method: 'POST', url: `${url}/link/resolve`, body: { type: 'json', value: { nonce: '{{ link.nonce }}' } } },
          bind: { memberId: 'response.body.memberId', attributes: { name: 'response.body.name' } },
          onSuccess: 'linked',
        },
        linked: { type: 'message', messages: [{ type: 'text', text: 'Linked: {{ binding.attributes.name }} ({{ binding.method }}).' }] },
        points: { type: 'callApi', personal: true, request: { url: `${url}/members/{{ binding.memberId }}/tickets` }, onSuccess: 'count' },
        count: {
          type: 'message',
          messages: [{ type: 'text', text: '{{ response.body.tickets.size }} tickets for {{ binding.memberId }}' }],
        },
      },
    };
    expect((await admin.call('POST', '/admin/flows', { flowId: 'points-link', flow })).status).toBe(201);
    expect(
      (
        await admin.call('POST', '/admin/flows/points-link/publish', {
          version: 1,
          channels: [{ kind: 'messenger', channelId: stack.demo.messengerPageId }],
        })
      ).status,
    ).toBe(200);
  });

  test('Log In button, login with the account-linking token, redirect with an authorization code, linked: bound (messengerAccountLink); unlinked: the binding goes and the personal card is refused', async () => {
    const [button] = await write('link me');
    expect(button).toMatch(/^\[template\] Log in to link your membership\. \[login http:\/\/127\.0\.0\.1:\d+\/link\/login\]$/);
    const loginUrl = /\[login (\S+)\]/.exec(button ?? '')?.[1] ?? '';
    // The Messenger app opens the button's URL with its token and where to send the person back.
    const opened = new URL(stack.messengerStandIn.openAccountLinking(stack.demo.messengerPageId, psid, loginUrl));
    expect(opened.searchParams.get('redirect_uri')).toMatch(
      new RegExp(`^${stack.messengerStandIn.url}/messenger_platform/account_linking/\\?account_linking_token=`),
    );

    const login = await signIn(opened.toString(), 'M002', 'pineapple');
    expect(login.status).toBe(302);
    const back = new URL(login.location ?? '');
    expect(back.searchParams.get('authorization_code')).toMatch(/^[\w-]{16,}$/);
    const before = stack.messengerStandIn.calls().length;
    const done = await fetch(back);
    expect(await done.text()).toContain('Account linked');
    await stack.idle();
    expect(
      stack.messengerStandIn
        .calls()
        .slice(before)
        .filter((c) => c.kind === 'send')
        .map((c) => messengerText(c.message)),
    ).toEqual(['Linked: Wang Chih-Ming (messengerAccountLink).']);
    expect(await bindingOf(ref)).toEqual({
      memberId: 'M002',
      attributes: { name: 'Wang Chih-Ming' },
      method: 'messengerAccountLink',
      verifiedAt: expect.any(String),
    });
    expect(await write('points')).toEqual(['0 tickets for M002']);

    // The person unlinks in Messenger: Meta's unlinked event removes the binding, silently.
    const calls = stack.messengerStandIn.calls().length;
    await stack.messengerStandIn.unlink(stack.demo.messengerPageId, psid);
    await stack.idle();
    expect(await bindingOf(ref)).toBeUndefined();
    expect(
      stack.messengerStandIn
        .calls()
        .slice(calls)
        .filter((c) => c.kind === 'send'),
    ).toEqual([]);
    const tickets = brandCalls(/^\/members\//).length;
    expect(await write('points')).toEqual([`[template] Log in to link your membership. [login ${loginUrl}]`]);
    expect(brandCalls(/^\/members\//)).toHaveLength(tickets);
  });

  test('a redirect without an authorization code (the brand refused) links nobody; the redirect cannot go elsewhere', async () => {
    const [button] = await write('link me');
    const loginUrl = /\[login (\S+)\]/.exec(button ?? '')?.[1] ?? '';
    const opened = new URL(stack.messengerStandIn.openAccountLinking(stack.demo.messengerPageId, psid, loginUrl));
    const redirect = opened.searchParams.get('redirect_uri') ?? '';
    expect(await (await fetch(redirect)).text()).toContain('Linking failed');
    await stack.idle();
    expect(await bindingOf(ref)).toBeUndefined();
    // The brand sends a sign-in back only to Messenger's redirect, never to any URL it is given.
    opened.searchParams.set('redirect_uri', 'https://attacker.example/collect?');
    expect((await signIn(opened.toString(), 'M002', 'pineapple')).status).toBe(400);
  });
});

function messengerText(message: unknown): string {
  const m = message as {
    text?: string;
    attachment?: { payload?: { template_type?: string; text?: string; buttons?: Array<{ type?: string; url?: string }> } };
  };
  if (m.text !== undefined) return m.text;
  const payload = m.attachment?.payload;
  const login = payload?.buttons?.find((b) => b.type === 'account_link');
  return `[template] ${payload?.text ?? ''}${login ? ` [login ${login.url}]` : ''}`;
}

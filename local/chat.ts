import { randomBytes } from 'node:crypto';
import { adapterFor } from '../shared/channels/registry';
import { isChannelKind, type ChannelKind } from '../shared/domain/channelKindList';
import { lineWebhookBody, signLineBody, type CustomerAction } from './lineWebhookBody';
import { messengerWebhookBody, signMessengerBody, type MessengerAction } from './messengerWebhookBody';

/**
 * Chat with the running local stack as a customer: signs a webhook like LINE or Meta would, sends it,
 * and prints what the bot answered (watched on the channel stand-in as it lands).
 *
 *   npm run line -- text hot
 *   npm run line -- postback action=my_tickets --user U-demo-member
 *   npm run messenger -- text 熱銷 --user PSID-guest
 *   (add --json for the exact payloads the channel API received)
 *
 * It runs under `node --require tsx/cjs` (package.json), not the tsx CLI: one process instead of
 * two, so it answers in about a second rather than two.
 */

const USAGE = `usage: npm run line -- text <words> | postback <data> | follow  [options]
       npm run messenger -- text <words> | postback <data>  [options]

Acts as a customer of the local stack (npm start): signs a webhook the way LINE or Meta would,
sends it, and prints what the bot answered through the channel stand-in.

options:
  --user ID        the customer (default U-demo-member on LINE, PSID-demo-member on Messenger)
  --channel ID     the LINE channel or Messenger page (default demo-line, demo-messenger)
  --secret S       the channel secret or app secret to sign with (default the demo's)
  --wait SECONDS   how long to wait for an answer (default 10)
  --json           print the exact payloads the channel API received

environment:
  CALLCARD_API_URL  the stack's API (default http://127.0.0.1:$PORT)
  PORT              the port npm start runs on (default 3000); used when CALLCARD_API_URL is not set
  DEMO_LINE_CHANNEL_SECRET, DEMO_MESSENGER_APP_SECRET   the demo secrets, if npm start was given others

exit status: 0 when the bot answered; 1 when the webhook was refused (not 2xx), no answer came in
time, or the stack could not be reached; 2 on a usage error.`;

/** After the first answer, how long to wait for the executor to finish the turn (more messages). */
const FINISH_WAIT_MS = 5_000;
/** How long each look for new calls is held while the turn finishes. */
const STREAM_MS = 100;
/** Flags that take a value, and the one that does not. */
const VALUE_FLAGS = new Set(['user', 'channel', 'secret', 'wait']);

type Channel = ChannelKind;

interface Chat {
  channel: Channel;
  kind: 'text' | 'postback' | 'follow';
  value: string;
  flags: Map<string, string>;
}

/** A failure with what to tell the user, and the exit status. */
class ChatError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The command line, or a usage error. */
function parseArgs(argv: string[]): Chat {
  const [channel, kind, ...rest] = argv;
  const flags = new Map<string, string>();
  const words: string[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    const word = rest[i] ?? '';
    if (word === '--json' || word === '--help' || word === '-h') flags.set(word.replace(/^-+/, ''), '');
    else if (word.startsWith('--')) {
      const name = word.slice(2);
      if (!VALUE_FLAGS.has(name)) throw new ChatError(`unknown option ${word}\n\n${USAGE}`, 2);
      const value = rest[i + 1];
      if (value === undefined) throw new ChatError(`${word} needs a value\n\n${USAGE}`, 2);
      flags.set(name, value);
      i += 1;
    } else words.push(word);
  }
  const value = words.join(' ');
  if (flags.has('help') || flags.has('h') || kind === '--help' || kind === '-h') throw new ChatError(USAGE, 0);
  if (!isChannelKind(channel) || (kind !== 'text' && kind !== 'postback' && kind !== 'follow') || (kind !== 'follow' && !value)) {
    throw new ChatError(USAGE, 2);
  }
  if (kind === 'follow' && !adapterFor(channel).features.follow)
    throw new ChatError(`${adapterFor(channel).label} has no follow event: use postback with your Get Started payload`, 2);
  const wait = flags.get('wait');
  if (wait !== undefined && !(Number(wait) > 0)) throw new ChatError(`--wait takes a number of seconds, like 30\n\n${USAGE}`, 2);
  return { channel, kind, value, flags };
}

/** The stack's API: CALLCARD_API_URL, or the port `npm start` was given. */
function apiUrl(env: NodeJS.ProcessEnv): string {
  return (env.CALLCARD_API_URL ?? `http://127.0.0.1:${env.PORT ?? 3000}`).replace(/\/+$/, '');
}

interface SignedWebhook {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Whether a call the stand-in recorded answers this customer (this reply token, or to this user). */
  isOurs: (call: Record<string, unknown>) => boolean;
}

/** The webhook LINE or Meta would send for this customer action, signed with the channel's secret. */
function signedWebhook(api: string, chat: Chat, env: NodeJS.ProcessEnv): SignedWebhook {
  const { flags } = chat;
  if (chat.channel === 'line') {
    const action: CustomerAction =
      chat.kind === 'text'
        ? { type: 'text', text: chat.value }
        : chat.kind === 'postback'
          ? { type: 'postback', data: chat.value }
          : { type: 'follow' };
    const userId = flags.get('user') ?? 'U-demo-member';
    const replyToken = randomBytes(16).toString('hex');
    const body = lineWebhookBody(action, { userId, replyToken });
    return {
      url: `${api}/webhooks/line/${encodeURIComponent(flags.get('channel') ?? 'demo-line')}`,
      body,
      headers: { 'x-line-signature': signLineBody(body, flags.get('secret') ?? env.DEMO_LINE_CHANNEL_SECRET ?? 'demo-line-secret') },
      isOurs: (call) => call.replyToken === replyToken || call.to === userId,
    };
  }
  const action: MessengerAction = chat.kind === 'text' ? { type: 'text', text: chat.value } : { type: 'postback', data: chat.value };
  const psid = flags.get('user') ?? 'PSID-demo-member';
  const pageId = flags.get('channel') ?? 'demo-messenger';
  const body = messengerWebhookBody(action, { psid, pageId });
  return {
    url: `${api}/webhooks/messenger/${encodeURIComponent(pageId)}`,
    body,
    headers: {
      'x-hub-signature-256': signMessengerBody(body, flags.get('secret') ?? env.DEMO_MESSENGER_APP_SECRET ?? 'demo-messenger-secret'),
    },
    isOurs: (call) => call.to === psid,
  };
}

/** A request to the stack; a refused or failed connection becomes the hint to start it. */
async function reach(api: string, url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const code =
      cause && 'code' in cause ? String(cause.code) : (cause?.message ?? (error instanceof Error ? error.message : String(error)));
    throw new ChatError(`cannot reach callcard at ${api} (${code}): is the stack running? (npm start)`, 1);
  }
}

interface Watched {
  calls: Array<Record<string, unknown>>;
  next: number;
}

/** New calls of the channel stand-in after `after` (from now when absent), held up to `waitMs` until one lands. */
async function watch(api: string, channel: Channel, after: number | undefined, waitMs: number): Promise<Watched> {
  const query = new URLSearchParams({ waitMs: String(Math.max(0, Math.round(waitMs))) });
  if (after !== undefined) query.set('after', String(after));
  const response = await reach(api, `${api}/_emulator/${channel}/watch?${query.toString()}`);
  if (!response.ok)
    throw new ChatError(
      `${api} is not the local stack of this checkout (GET /_emulator/${channel}/watch → ${response.status}): restart npm start`,
      1,
    );
  const json = (await response.json()) as Partial<Watched>;
  return {
    calls: Array.isArray(json.calls) ? json.calls.map(asRecord) : [],
    next: typeof json.next === 'number' ? json.next : (after ?? 0),
  };
}

/** Resolves when the stack's executor has nothing left to do (true), or after `waitMs` (false). */
async function untilIdle(api: string, waitMs: number): Promise<boolean> {
  const response = await reach(api, `${api}/_emulator/idle?waitMs=${Math.round(waitMs)}`);
  return response.ok && ((await response.json()) as { idle?: unknown }).idle === true;
}

/** Calls that answer a customer (not a loading or typing indicator). */
function isAnswer(call: Record<string, unknown>): boolean {
  return call.kind === 'reply' || call.kind === 'push' || call.kind === 'send';
}

/**
 * Send the webhook and print the bot's answer as it lands: every call to this customer until the
 * first answer, then the rest of the turn until the executor is idle. Returns the exit status.
 */
async function converse(chat: Chat, env: NodeJS.ProcessEnv): Promise<number> {
  const api = apiUrl(env);
  const webhook = signedWebhook(api, chat, env);
  const json = chat.flags.has('json');
  const waitMs = Number(chat.flags.get('wait') ?? 10) * 1000;
  // Where the stand-in's record stands before the webhook: everything after it is this turn's.
  let { next } = await watch(api, chat.channel, undefined, 0);

  const started = Date.now();
  const response = await reach(api, webhook.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...webhook.headers },
    body: webhook.body,
  });
  console.log(`webhook → ${response.status} ${await response.text()} (${Date.now() - started} ms)`);
  if (!response.ok) {
    console.error(`the webhook was refused (${response.status}): nothing was queued`);
    return 1;
  }

  /** Print this customer's calls after `next`, waiting up to `ms` for one; whether one was an answer. */
  const printNew = async (ms: number): Promise<boolean> => {
    const seen = await watch(api, chat.channel, next, ms);
    next = seen.next;
    const ours = seen.calls.filter(webhook.isOurs);
    for (const call of ours) printCall(call, started, json);
    return ours.some(isAnswer);
  };

  // Until the first answer (a loading or typing indicator may come first)...
  const deadline = started + waitMs;
  let answered = false;
  while (!answered && Date.now() < deadline) answered = await printNew(deadline - Date.now());
  if (!answered) {
    console.error(
      `no answer within ${waitMs / 1000} s (the flow may not answer this, or a card is still retrying: --wait 40 waits longer)`,
    );
    return 1;
  }
  // ...then the rest of the turn (more pushes or sends) as it lands, until the executor is done.
  let finished = false;
  const finishing = untilIdle(api, FINISH_WAIT_MS).finally(() => {
    finished = true;
  });
  finishing.catch(() => undefined); // awaited below
  while (!finished) await printNew(STREAM_MS);
  await finishing;
  await printNew(0);
  return 0;
}

async function main(): Promise<void> {
  try {
    process.exitCode = await converse(parseArgs(process.argv.slice(2)), process.env);
  } catch (error) {
    if (!(error instanceof ChatError)) throw error;
    (error.status === 0 ? console.log : console.error)(error.message);
    process.exitCode = error.status;
  }
}

/** One call as the customer would see it: kind, recipient, time since the webhook, and each message in a line. */
function printCall(record: Record<string, unknown>, started: number, json: boolean): void {
  const at = typeof record.at === 'string' ? `+${Date.parse(record.at) - started} ms` : '';
  const { kind, at: _at, ...rest } = record;
  if (json) {
    console.log(`${String(kind)} ${at}\n${JSON.stringify(rest, null, 2)}`);
    return;
  }
  const to = typeof rest.to === 'string' ? ` to ${rest.to}` : '';
  const messages = Array.isArray(rest.messages) ? rest.messages : rest.message !== undefined ? [rest.message] : [];
  console.log(`${String(kind)}${to} (${at})`);
  for (const message of messages) console.log(`  ${summarize(message)}`);
}

/** One line per message: its text, or a carousel's card titles, and its quick replies. */
function summarize(message: unknown): string {
  const m = asRecord(message);
  const parts: string[] = [];
  if (typeof m.text === 'string') parts.push(m.text);
  if (typeof m.altText === 'string') parts.push(`[${String(m.type)}: ${m.altText}]`);
  // LINE flex: bold texts are card titles. Messenger: template elements' titles.
  const titles: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    const o = asRecord(node);
    if (o.weight === 'bold' && typeof o.text === 'string') titles.push(o.text);
    if (Array.isArray(o.elements))
      for (const e of o.elements) if (typeof asRecord(e).title === 'string') titles.push(String(asRecord(e).title));
    for (const [k, v] of Object.entries(o)) if (k !== 'quickReply' && k !== 'quick_replies') walk(v);
  };
  walk(m.contents ?? m.attachment);
  if (m.attachment !== undefined && !parts.length) parts.push('[template]');
  if (titles.length) parts.push(`cards: ${titles.join(' | ')}`);
  // A sign-in button (a linkAccount block's): where it opens, to follow by hand (LINE's carries the link token).
  const signIn: string[] = [];
  const findSignIn = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(findSignIn);
    const o = asRecord(node);
    if (o.type === 'uri' && typeof o.uri === 'string' && o.uri.includes('linkToken='))
      signIn.push(`sign-in button "${String(o.label)}" → ${o.uri}`);
    if (o.type === 'account_link' && typeof o.url === 'string') signIn.push(`Log In button → ${o.url}`);
    for (const v of Object.values(o)) findSignIn(v);
  };
  findSignIn(m.contents ?? m.attachment);
  parts.push(...signIn);
  const lineQuick = asRecord(m.quickReply).items;
  const quick = Array.isArray(lineQuick)
    ? lineQuick.map((item) => asRecord(asRecord(item).action).label)
    : Array.isArray(m.quick_replies)
      ? m.quick_replies.map((q) => asRecord(q).title)
      : [];
  if (quick.length) parts.push(`quick replies: ${quick.map(String).join(' / ')}`);
  return parts.join(' ');
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

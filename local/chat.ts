import { lineWebhookBody, signLineBody, type CustomerAction } from './lineWebhookBody';
import { messengerWebhookBody, signMessengerBody, type MessengerAction } from './messengerWebhookBody';

/**
 * Chat with the running local stack as a customer: signs a webhook like LINE or Meta would, sends it,
 * and prints what the bot answered (read from the channel stand-in).
 *
 *   npm run line -- text hot
 *   npm run line -- postback action=my_tickets --user U-demo-member
 *   npm run messenger -- text 熱銷 --user PSID-guest
 *   (add --json for the exact payloads the channel API received)
 */
async function main(): Promise<void> {
  const [channel, kind, ...rest] = process.argv.slice(2);
  const flags = new Map<string, string>();
  const words: string[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    const word = rest[i] ?? '';
    if (word === '--json') flags.set('json', '');
    else if (word.startsWith('--')) {
      flags.set(word.slice(2), rest[i + 1] ?? '');
      i += 1;
    } else words.push(word);
  }
  const value = words.join(' ');
  if ((channel !== 'line' && channel !== 'messenger') || !['text', 'postback', 'follow'].includes(kind ?? '') || (kind !== 'follow' && !value)) {
    console.error('usage: npm run line|messenger -- text <words> | postback <data> | follow  [--user ID] [--channel ID] [--secret S]');
    process.exit(2);
  }
  const api = process.env.CALLCARD_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const before = await recorded(api, channel);

  let url: string;
  let body: string;
  let headers: Record<string, string>;
  if (channel === 'line') {
    const action: CustomerAction = kind === 'text' ? { type: 'text', text: value } : kind === 'postback' ? { type: 'postback', data: value } : { type: 'follow' };
    const channelId = flags.get('channel') ?? 'demo-line';
    body = lineWebhookBody(action, { userId: flags.get('user') ?? 'U-demo-member' });
    headers = { 'x-line-signature': signLineBody(body, flags.get('secret') ?? process.env.DEMO_LINE_CHANNEL_SECRET ?? 'demo-line-secret') };
    url = `${api}/webhooks/line/${channelId}`;
  } else {
    if (kind === 'follow') throw new Error('Messenger has no follow event: use postback with your Get Started payload');
    const action: MessengerAction = kind === 'text' ? { type: 'text', text: value } : { type: 'postback', data: value };
    const pageId = flags.get('channel') ?? 'demo-messenger';
    body = messengerWebhookBody(action, { psid: flags.get('user') ?? 'PSID-demo-member', pageId });
    headers = { 'x-hub-signature-256': signMessengerBody(body, flags.get('secret') ?? process.env.DEMO_MESSENGER_APP_SECRET ?? 'demo-messenger-secret') };
    url = `${api}/webhooks/messenger/${pageId}`;
  }
  const started = Date.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  console.log(`webhook → ${response.status} ${await response.text()} (${Date.now() - started} ms)`);

  // Answers arrive asynchronously (SQS → executor): watch the stand-in until it has been quiet a moment.
  let seen = before;
  let quietSince = Date.now();
  while (Date.now() - quietSince < 700 && Date.now() - started < 15_000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const calls = await recorded(api, channel);
    for (const call of calls.slice(seen.length)) printCall(call, started, flags.has('json'));
    if (calls.length !== seen.length) quietSince = Date.now();
    seen = calls;
  }
}

async function recorded(api: string, channel: string): Promise<unknown[]> {
  const response = await fetch(`${api}/_emulator/${channel}/messages`);
  const json: unknown = await response.json();
  return Array.isArray(json) ? json : [];
}

function printCall(call: unknown, started: number, json: boolean): void {
  if (typeof call !== 'object' || call === null) return;
  const record: Record<string, unknown> = { ...call };
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
    if (Array.isArray(o.elements)) for (const e of o.elements) if (typeof asRecord(e).title === 'string') titles.push(String(asRecord(e).title));
    for (const [k, v] of Object.entries(o)) if (k !== 'quickReply' && k !== 'quick_replies') walk(v);
  };
  walk(m.contents ?? m.attachment);
  if (m.attachment !== undefined && !parts.length) parts.push('[template]');
  if (titles.length) parts.push(`cards: ${titles.join(' | ')}`);
  const lineQuick = asRecord(m.quickReply).items;
  const quick = Array.isArray(lineQuick) ? lineQuick.map((item) => asRecord(asRecord(item).action).label) : Array.isArray(m.quick_replies) ? m.quick_replies.map((q) => asRecord(q).title) : [];
  if (quick.length) parts.push(`quick replies: ${quick.map(String).join(' / ')}`);
  return parts.join(' ');
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LineCall } from '../../local/lineStandIn';
import { lineWebhookBody, signLineBody, type CustomerAction } from '../../local/lineWebhookBody';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/localStack';
import type { MessengerCall } from '../../local/messengerStandIn';
import { messengerWebhookBody, newMessengerMid, signMessengerBody, type MessengerAction } from '../../local/messengerWebhookBody';

export { type CustomerAction };

/** Start the local stack on free ports, quietly. */
export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ port: 0, lineApiPort: 0, brandApiPort: 0, logLevel: 'SILENT', visibilityTimeoutSeconds: 2, ...options });
}

export interface SendOptions {
  userId: string;
  /** Send from this LINE group (`userId` speaks in it). */
  groupId?: string;
  /** Send from this LINE multi-person chat (`userId` speaks in it). */
  roomId?: string;
  channelId?: string;
  secret?: string;
  webhookEventId?: string;
  replyToken?: string;
  isRedelivery?: boolean;
}

/** A customer acting on LINE: a signed webhook to the local API, over a real socket. */
export async function sendLine(
  stack: LocalStack,
  action: CustomerAction,
  options: SendOptions,
): Promise<{ status: number; body: unknown; replyToken: string }> {
  const replyToken = options.replyToken ?? `rt-${Math.random().toString(36).slice(2)}`;
  const { userId, groupId, roomId, webhookEventId, isRedelivery } = options;
  const body = lineWebhookBody(action, {
    userId,
    replyToken,
    ...(groupId ? { groupId } : {}),
    ...(roomId ? { roomId } : {}),
    ...(webhookEventId ? { webhookEventId } : {}),
    ...(isRedelivery ? { isRedelivery } : {}),
  });
  const response = await fetch(`${stack.url}/webhooks/line/${options.channelId ?? stack.demo.lineChannelId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(body, options.secret ?? stack.demo.lineChannelSecret) },
    body,
  });
  return { status: response.status, body: await response.json(), replyToken };
}

/** Wait until the LINE stand-in recorded what `done` wants, or fail with what it did record. */
export async function waitForLineCalls(stack: LocalStack, done: (calls: LineCall[]) => boolean, timeoutMs = 5_000): Promise<LineCall[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const calls = stack.lineStandIn.calls();
    if (done(calls)) return calls;
    if (Date.now() > deadline) throw new Error(`timed out waiting for LINE calls; got ${JSON.stringify(calls, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Messages the customer saw (replies and pushes, in order), loading animations left out. */
export function sentMessages(calls: LineCall[], userOrToken?: { to?: string; replyToken?: string }): unknown[] {
  return calls
    .filter((c) => c.kind !== 'loading')
    .filter(
      (c) =>
        !userOrToken ||
        (userOrToken.replyToken !== undefined && c.replyToken === userOrToken.replyToken) ||
        (userOrToken.to !== undefined && c.to === userOrToken.to),
    )
    .flatMap((c) => c.messages ?? []);
}

/** The text of each text message, and for flex messages their altText: a readable transcript. */
export function transcript(messages: unknown[]): string[] {
  return messages.map((m) => {
    if (typeof m !== 'object' || m === null) return String(m);
    if ('text' in m && typeof m.text === 'string') return m.text;
    if ('altText' in m && typeof m.altText === 'string') return `[${'type' in m ? String(m.type) : '?'}] ${m.altText}`;
    return JSON.stringify(m);
  });
}

export interface FakeBrand {
  url: string;
  host: string;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

/** A brand whose answer the test switches: 200, 503, or 200 after a second (past a 300 ms card timeout). */
export interface ModalBrand extends FakeBrand {
  mode: 'ok' | 'fail' | 'slow';
}

/** A {@link ModalBrand} (card health tests: successes, 5xx answers and timeouts on demand), answering `{"status": <status>}`. */
export async function startModalBrand(): Promise<ModalBrand> {
  const state: Pick<ModalBrand, 'mode'> = { mode: 'ok' };
  const brand = await startFakeBrand((_req, res) => {
    const send = (status: number) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status }));
    };
    if (state.mode === 'slow') setTimeout(() => send(200), 1_000);
    else send(state.mode === 'ok' ? 200 : 503);
  });
  return Object.defineProperty(brand, 'mode', {
    get: () => state.mode,
    set: (mode: ModalBrand['mode']) => void (state.mode = mode),
    enumerable: true,
  }) as ModalBrand;
}

/** A brand server whose behaviour a test scripts (failures, slowness, odd bodies). */
export async function startFakeBrand(
  handle: (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void,
): Promise<FakeBrand> {
  const requests: FakeBrand['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? (address satisfies AddressInfo).port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { type MessengerAction };

export interface MessengerSendOptions {
  psid: string;
  /** The page (webhook URL and event recipient); the demo page by default. */
  pageId?: string;
  /** The app secret to sign with; the demo page's by default. */
  secret?: string;
  mid?: string;
}

/** A person acting on Messenger: a webhook signed with `X-Hub-Signature-256`, to the local API over a real socket. */
export async function sendMessenger(
  stack: LocalStack,
  action: MessengerAction,
  options: MessengerSendOptions,
): Promise<{ status: number; body: unknown; mid: string }> {
  const mid = options.mid ?? newMessengerMid();
  const pageId = options.pageId ?? stack.demo.messengerPageId;
  const body = messengerWebhookBody(action, { psid: options.psid, pageId, mid });
  const response = await fetch(`${stack.url}/webhooks/messenger/${encodeURIComponent(pageId)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': signMessengerBody(body, options.secret ?? stack.demo.messengerAppSecret),
    },
    body,
  });
  return { status: response.status, body: await response.json(), mid };
}

/** Wait until the Send API stand-in recorded what `done` wants, or fail with what it did record. */
export async function waitForMessengerCalls(
  stack: LocalStack,
  done: (calls: MessengerCall[]) => boolean,
  timeoutMs = 5_000,
): Promise<MessengerCall[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const calls = stack.messengerStandIn.calls();
    if (done(calls)) return calls;
    if (Date.now() > deadline) throw new Error(`timed out waiting for Messenger calls; got ${JSON.stringify(calls, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

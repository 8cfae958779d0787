import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LineCall } from '../local/lineStandIn';
import { lineWebhookBody, signLineBody } from '../local/lineWebhookBody';

/** One measured turn: webhook sent → its 200, and webhook sent → the answer landed at LINE. */
export interface TurnTiming {
  ackMs: number;
  landedMs: number;
}

/**
 * Watches the LINE stand-in for the answer each customer waits for: a reply (by its token) or, when
 * the token could not be used, a push to the customer. Counts which of the two it was.
 */
export class AnswerWatch {
  private readonly byToken = new Map<string, (at: number) => void>();
  private readonly tokenOfUser = new Map<string, string>();
  replies = 0;
  pushes = 0;

  /** Feed it from the LINE stand-in's `onAnswered`. */
  readonly observe = (answer: { call: LineCall | undefined; answeredAt: number }): void => {
    const call = answer.call;
    if (!call) return;
    let token: string | undefined;
    if (call.kind === 'reply') token = call.replyToken;
    else if (call.kind === 'push' && call.to !== undefined) token = this.tokenOfUser.get(call.to);
    if (token === undefined) return;
    const resolve = this.byToken.get(token);
    if (!resolve) return;
    this.byToken.delete(token);
    if (call.kind === 'reply') this.replies += 1;
    else this.pushes += 1;
    resolve(answer.answeredAt);
  };

  /** Resolves with the time (performance.now()) the answer to `replyToken` landed. */
  expect(replyToken: string, userId: string, timeoutMs = 60_000): Promise<number> {
    this.tokenOfUser.set(userId, replyToken);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.byToken.delete(replyToken);
        reject(new Error(`no answer for ${replyToken} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.byToken.set(replyToken, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  resetCounts(): void {
    this.replies = 0;
    this.pushes = 0;
  }
}

/** The bench's own client: one keep-alive agent, plain node:http (cheaper than fetch, same for both sides). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function postJson(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export interface ClosedLoopOptions {
  /** Where the LINE webhook goes (callcard's route or the baseline's). */
  webhookUrl: string;
  channelSecret: string;
  watch: AnswerWatch;
  customers: number;
  /** Measured turns per customer (after `warmup` unmeasured ones). */
  turns: number;
  warmup: number;
  /** Makes user ids and reply tokens unique across runs. */
  tag: string;
  /** What the customer types. @default 'hot' */
  text?: string;
}

/**
 * Closed-loop conversations: each customer sends the next message only once the answer to the last
 * one landed, so the load is `customers` turns in flight, as many people chatting at once.
 */
export async function closedLoop(options: ClosedLoopOptions): Promise<TurnTiming[]> {
  const timings: TurnTiming[] = [];
  const customer = async (index: number): Promise<void> => {
    const userId = `U${options.tag}x${index}`;
    for (let turn = 0; turn < options.warmup + options.turns; turn += 1) {
      const replyToken = `${options.tag}-${index}-${turn}`;
      const body = lineWebhookBody({ type: 'text', text: options.text ?? 'hot' }, { userId, replyToken });
      const landed = options.watch.expect(replyToken, userId);
      const sentAt = performance.now();
      const status = await postJson(options.webhookUrl, body, { 'x-line-signature': signLineBody(body, options.channelSecret) });
      const ackMs = performance.now() - sentAt;
      if (status !== 200) throw new Error(`webhook answered ${status}`);
      const landedAt = await landed;
      if (turn >= options.warmup) timings.push({ ackMs, landedMs: landedAt - sentAt });
    }
  };
  await Promise.all(Array.from({ length: options.customers }, (_, i) => customer(i)));
  return timings;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

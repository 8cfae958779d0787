import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { postJson } from '../bench/closedLoop';
import type { LineCall } from '../local/lineStandIn';
import { lineWebhookBody, signLineBody } from '../local/lineWebhookBody';
import type { LocalStack } from '../local/localStack';
import { closeServer, listen } from '../local/httpServer';
import { flowSchema, type Flow } from '../shared/flow/schema';
import { SOAK_BEST_SELLERS } from './faultyBrand';
import { normalizeLineMessage, type Observer } from './observe';
import { carousel, TEXT } from './plan';

/**
 * The soak's noisy-neighbour phase (issue 24, finding 4): a second workspace floods the executor with
 * slow turns (each card of its flow waits on a slow brand), while customers of the soak's workspace
 * keep tapping "hot" (the best sellers card, a brand that answers at once), one after another, until
 * the flood is answered. Their reply latency, from the webhook to LINE's reply API, is the figure the
 * fair share bounds (README, "Security"; docs/DEPLOY.md). Every turn of both is checked too: exactly
 * one answer, the one the flow gives.
 */

export interface NoisyNeighbourOptions {
  /** Customers of the noisy workspace, each sending one slow turn at once. */
  turns: number;
  /** Cards in the noisy flow, one after another. */
  cards: number;
  /** How long the slow brand takes to answer each card (ms). */
  cardMs: number;
  /** The bound on the quiet workspace's reply while the flood runs (ms): over it, the invariant fails. */
  boundMs: number;
  /** Between two of the quiet workspace's taps (ms). */
  probeGapMs: number;
}

export const DEFAULT_NOISY_NEIGHBOUR: NoisyNeighbourOptions = { turns: 110, cards: 2, cardMs: 1_500, boundMs: 2_000, probeGapMs: 300 };

export interface NoisyNeighbourResult {
  options: NoisyNeighbourOptions;
  /** Whether the executor ran with the fair share (`--no-fair-share` shows the phase without it). */
  fairShare: boolean;
  noisy: { turns: number; answered: number; lost: number; duplicated: number; wrong: number; lastAnswerMs: number };
  quiet: {
    taps: number;
    answered: number;
    lost: number;
    duplicated: number;
    wrong: number;
    latencyMs: { p50: number; p99: number; max: number };
  };
  /** The quiet workspace's replies all came within the bound. */
  boundHeld: boolean;
  failures: string[];
}

const NOISY_WORKSPACE = 'soak-noisy';
const NOISY_CHANNEL = { id: 'soak-noisy-line', secret: 'soak-noisy-secret', token: 'soak-noisy-token' };
const NOISY_DONE = 'Noisy neighbour: done';
const noisyUser = (i: number) => `noisy-${i}`;
const quietUser = (i: number) => `quiet-${i}`;

/** The noisy workspace's brand: every request answered after `cardMs`. */
export interface SlowBrand {
  url: string;
  close(): Promise<void>;
}

export async function startSlowBrand(cardMs: number): Promise<SlowBrand> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }, cardMs),
    );
  });
  const port = await listen(server, 0);
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

/** The noisy workspace's flow: "go" runs `cards` cards one after another, then says it is done. */
export function noisyFlow(brandUrl: string, cards: number): Flow {
  const blocks: Record<string, unknown> = {
    done: { type: 'message', messages: [{ type: 'text', text: NOISY_DONE }] },
    stopped: { type: 'message', messages: [{ type: 'text', text: 'Noisy neighbour: stopped ({{ failure.reason }})' }] },
  };
  for (let i = 1; i <= cards; i += 1) {
    blocks[`card${i}`] = {
      type: 'callApi',
      request: { url: `${brandUrl}/slow/${i}` },
      retry: false,
      timeoutMs: 10_000,
      onSuccess: i < cards ? `card${i + 1}` : 'done',
      onFailure: 'stopped',
    };
  }
  return flowSchema.parse({
    schemaVersion: 1,
    name: 'noisy neighbour',
    triggers: [{ type: 'keyword', keywords: ['go'], start: 'card1' }],
    blocks,
  });
}

/** The noisy workspace, its channel and flow. */
export async function setUpNoisyWorkspace(stack: LocalStack, brandUrl: string, options: NoisyNeighbourOptions): Promise<void> {
  const { store } = stack;
  await store.workspaceSettings.put(NOISY_WORKSPACE, { language: 'en' });
  await store.flows.putVersion(NOISY_WORKSPACE, 'noisy', 1, noisyFlow(brandUrl, options.cards));
  await store.channels.put({
    workspaceId: NOISY_WORKSPACE,
    kind: 'line',
    channelId: NOISY_CHANNEL.id,
    name: 'Noisy neighbour',
    secret: NOISY_CHANNEL.secret,
    accessToken: NOISY_CHANNEL.token,
    activeFlows: [{ flowId: 'noisy', version: 1 }],
  });
}

/**
 * Run the phase: the flood, and the quiet workspace's taps (on its LINE channel, which runs the soak
 * flow) until every noisy turn is answered. Every LINE call to the phase's customers is taken from the
 * observer (it is no turn of the soak's plan).
 */
export async function runNoisyNeighbour(
  stack: LocalStack,
  observer: Observer,
  quietChannel: { id: string; secret: string },
  options: NoisyNeighbourOptions & { fairShare: boolean; runTag: string; log: (line: string) => void },
): Promise<NoisyNeighbourResult> {
  const calls = new Map<string, LineCall[]>();
  const byToken = new Map<string, string>();
  observer.claimLine((call) => {
    const user = call.kind === 'reply' ? byToken.get(call.replyToken ?? '') : call.to;
    if (user === undefined || !(user.startsWith('noisy-') || user.startsWith('quiet-'))) return false;
    calls.set(user, [...(calls.get(user) ?? []), call]);
    return true;
  });
  const send = async (channel: { id: string; secret: string }, userId: string, text: string, n: number): Promise<number> => {
    const replyToken = `nn-${options.runTag}-${userId}`;
    byToken.set(replyToken, userId);
    const body = lineWebhookBody({ type: 'text', text }, { userId, replyToken, webhookEventId: `nn-${options.runTag}-${userId}-${n}` });
    return postJson(`${stack.url}/webhooks/line/${channel.id}`, body, { 'x-line-signature': signLineBody(body, channel.secret) });
  };
  const answered = (userId: string) => (calls.get(userId) ?? []).length > 0;

  // The flood: every noisy customer at once (20 webhooks in flight).
  const started = performance.now();
  const queue = Array.from({ length: options.turns }, (_, i) => i);
  let webhookFailures = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift())
        if ((await send(NOISY_CHANNEL, noisyUser(i), 'go', 0)) !== 200) webhookFailures += 1;
    }),
  );
  options.log(
    `  noisy neighbour: ${options.turns} slow turns sent (${options.cards} cards of ${options.cardMs} ms each) in ${Math.round(performance.now() - started)} ms; the quiet workspace taps "hot" until they are answered`,
  );
  const noisyDone = () => Array.from({ length: options.turns }, (_, i) => noisyUser(i)).every(answered);

  // The quiet workspace's customers, one after another, until the flood is answered.
  const latencies: number[] = [];
  let taps = 0;
  const deadline = Date.now() + 180_000;
  while (!noisyDone() && Date.now() < deadline && taps < 500) {
    const userId = quietUser(taps);
    taps += 1;
    const tapped = performance.now();
    if ((await send(quietChannel, userId, 'hot', 0)) !== 200) {
      webhookFailures += 1;
      continue;
    }
    for (let waited = 0; !answered(userId) && waited < 30_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    if (answered(userId)) latencies.push(performance.now() - tapped);
    await new Promise((resolve) => setTimeout(resolve, options.probeGapMs));
  }
  while (!noisyDone() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const lastAnswerMs = Math.round(performance.now() - started);
  // Anything late (a duplicate) has a moment to show.
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  const judge = (userId: string, valid: string[][]): 'ok' | 'lost' | 'duplicated' | 'wrong' => {
    const seen = (calls.get(userId) ?? []).flatMap((c) => (c.messages ?? []).map(normalizeLineMessage));
    if (seen.length === 0) return 'lost';
    if (valid.some((v) => v.length === seen.length && v.every((m, i) => m === seen[i]))) return 'ok';
    return valid.some((v) => seen.length > v.length && v.every((m) => seen.includes(m))) ? 'duplicated' : 'wrong';
  };
  const tally = (verdicts: string[]) => ({
    lost: verdicts.filter((v) => v === 'lost').length,
    duplicated: verdicts.filter((v) => v === 'duplicated').length,
    wrong: verdicts.filter((v) => v === 'wrong').length,
  });
  const noisyValid = [[NOISY_DONE], ['Noisy neighbour: stopped (budget)']];
  const noisy = tally(Array.from({ length: options.turns }, (_, i) => judge(noisyUser(i), noisyValid)));
  const quietValid = [[TEXT.bestSellersIntro, carousel(SOAK_BEST_SELLERS.map((item) => item.name))]];
  const quiet = tally(Array.from({ length: taps }, (_, i) => judge(quietUser(i), quietValid)));

  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0);
  const max = Math.round(sorted[sorted.length - 1] ?? 0);
  const boundHeld = latencies.length > 0 && max < options.boundMs;
  const failures: string[] = [];
  if (webhookFailures) failures.push(`noisy neighbour: ${webhookFailures} webhook(s) not answered 200`);
  if (!noisyDone()) failures.push('noisy neighbour: the flood was not answered within 3 minutes');
  for (const [who, t] of [
    ['noisy', noisy],
    ['quiet', quiet],
  ] as const) {
    if (t.lost) failures.push(`noisy neighbour: ${t.lost} ${who} turn(s) lost`);
    if (t.duplicated) failures.push(`noisy neighbour: ${t.duplicated} ${who} turn(s) duplicated`);
    if (t.wrong) failures.push(`noisy neighbour: ${t.wrong} ${who} turn(s) with a wrong answer`);
  }
  if (options.fairShare && !boundHeld)
    failures.push(`noisy neighbour: the quiet workspace waited ${max} ms for a reply, over the ${options.boundMs} ms bound`);
  return {
    options: {
      turns: options.turns,
      cards: options.cards,
      cardMs: options.cardMs,
      boundMs: options.boundMs,
      probeGapMs: options.probeGapMs,
    },
    fairShare: options.fairShare,
    noisy: {
      turns: options.turns,
      answered: Array.from({ length: options.turns }, (_, i) => noisyUser(i)).filter(answered).length,
      ...noisy,
      lastAnswerMs,
    },
    quiet: { taps, answered: latencies.length, ...quiet, latencyMs: { p50: pct(50), p99: pct(99), max } },
    boundHeld,
    failures,
  };
}

export { NOISY_WORKSPACE };

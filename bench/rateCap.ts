import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { REPLY_TOKEN_SAFE_AGE_MS } from '../shared/channels/line/lineSender';
import { closeServer, listen } from '../local/httpServer';
import { lineWebhookBody, signLineBody } from '../local/lineWebhookBody';
import { startLocalStack } from '../local/localStack';
import { flowSchema } from '../shared/flow/schema';
import { AnswerWatch, percentile, postJson } from './closedLoop';

/**
 * A burst against a brand whose connection is rate-capped (issue 20): the brand never sees more than
 * its cap in a second, no turn fails for it, and the backlog drains at the brand's pace: taps are
 * answered by reply while their token lives (50 s of LINE's 60), by push after.
 *
 * Model. A burst of λ taps a second for D seconds against a cap of c < λ: the brand answers c a second,
 * so the tap arriving at t is answered at λ·t / c (plus one turn), the last at λ·D / c. Taps answered
 * within the token's safe age: those with λ·t/c − t + turn ≤ safe, i.e. t ≤ (safe − turn)·c / (λ − c).
 * The executor is not the bottleneck while c is under its service rate (capacity.ts).
 */
export interface RateCapInput {
  burstPerSecond: number;
  burstSeconds: number;
  capPerSecond: number;
  /** One turn, brand included (s). */
  turnS: number;
}

export interface RateCapEstimate extends RateCapInput {
  taps: number;
  maxBrandRps: number;
  failedTurns: number;
  replies: number;
  pushes: number;
  lastAnswerS: number;
}

export function estimateRateCap(input: RateCapInput): RateCapEstimate {
  const { burstPerSecond: lambda, burstSeconds: d, capPerSecond: c, turnS } = input;
  const taps = Math.round(lambda * d);
  const safeS = REPLY_TOKEN_SAFE_AGE_MS / 1000;
  const served = Math.min(lambda, c);
  const lastAnswerS = (lambda * d) / served + turnS;
  const replyUntil = lambda > c ? ((safeS - turnS) * c) / (lambda - c) : Infinity;
  const replies = Math.min(taps, Math.round(lambda * Math.min(d, Math.max(0, replyUntil))));
  return { ...input, taps, maxBrandRps: served, failedTurns: 0, replies, pushes: taps - replies, lastAnswerS: round(lastAnswerS) };
}

export interface RateCapSimulation {
  settings: RateCapInput & { brandMs: number; taps: number };
  predicted: RateCapEstimate;
  measured: {
    maxBrandRps: number;
    failedTurns: number;
    replies: number;
    pushes: number;
    lastAnswerS: number;
    p50AnswerS: number;
    brandRequests: number;
  };
}

/** The burst on the local stack (AWS latency model), scaled down: a capped connection to a brand that counts its requests per second. */
export async function simulateRateCap(options: {
  burstPerSecond: number;
  burstSeconds: number;
  capPerSecond: number;
  brandMs: number;
  channelMs: number;
}): Promise<RateCapSimulation> {
  const perSecond = new Map<number, number>();
  const brand: Server = createServer((req, res) => {
    req.resume();
    const second = Math.floor(Date.now() / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"stock":3}'), options.brandMs);
  });
  const brandPort = await listen(brand, 0);
  const brandUrl = `http://127.0.0.1:${brandPort}`;
  const watch = new AnswerWatch();
  const stack = await startLocalStack({
    port: 0,
    lineApiPort: 0,
    messengerApiPort: 0,
    brandApiPort: 0,
    logLevel: 'SILENT',
    aws: { model: {} },
    lineStandIn: { latencyMs: options.channelMs, onAnswered: watch.observe },
    extraAllowHttpHosts: [`127.0.0.1:${brandPort}`],
  });
  try {
    const workspaceId = stack.demo.workspaceId;
    await stack.store.connections.put(workspaceId, 'capped', {
      baseUrl: { production: brandUrl },
      rateCap: { perSecond: options.capPerSecond },
    });
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'capped',
      triggers: [{ type: 'keyword', keywords: ['stock'], start: 'stock' }],
      blocks: {
        stock: { type: 'callApi', request: { connection: 'capped', url: '/stock' }, retry: false, onSuccess: 'said', onFailure: 'failed' },
        said: { type: 'message', messages: [{ type: 'text', text: '{{ response.body.stock }} left' }] },
        failed: { type: 'message', messages: [{ type: 'text', text: 'failed: {{ failure.reason }}' }] },
      },
    });
    const channelId = 'bench-capped';
    const secret = 'bench-capped-secret';
    await stack.store.flows.putVersion(workspaceId, 'capped', 1, flow);
    await stack.store.channels.put({
      workspaceId,
      kind: 'line',
      channelId,
      name: 'capped',
      secret,
      accessToken: 'bench-capped-token',
      activeFlows: [{ flowId: 'capped', version: 1 }],
    });
    const tap = async (i: number): Promise<number> => {
      const replyToken = `capped-${i}`;
      const userId = `Ucapped${i}`;
      const body = lineWebhookBody({ type: 'text', text: 'stock' }, { userId, replyToken });
      const landed = watch.expect(replyToken, userId, 300_000);
      const sentAt = performance.now();
      const status = await postJson(`${stack.url}/webhooks/line/${channelId}`, body, { 'x-line-signature': signLineBody(body, secret) });
      // A refused webhook is a broken run, not a figure: say so now rather than wait for an answer that cannot come.
      if (status !== 200) {
        landed.catch(() => undefined);
        throw new Error(`the webhook answered ${status} to tap ${replyToken}`);
      }
      return (await landed) - sentAt;
    };
    const taps = Math.round(options.burstPerSecond * options.burstSeconds);
    const started = performance.now();
    const answers: Array<Promise<number>> = [];
    for (let i = 0; i < taps; i += 1) {
      const wait = started + (i * 1000) / options.burstPerSecond - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      answers.push(tap(i));
    }
    const times = await Promise.all(answers);
    const lastAnswerS = (Math.max(...times.map((t, i) => t + (i * 1000) / options.burstPerSecond)) || 0) / 1000;
    // A turn that failed for the cap would answer "failed: …": count what the customers saw.
    const said = stack.lineStandIn
      .calls()
      .flatMap((call) =>
        (call.messages ?? []).map((message) =>
          typeof message === 'object' && message !== null && 'text' in message ? String(message.text) : '',
        ),
      );
    const failedTurns = said.filter((text) => text.startsWith('failed:')).length;
    const input: RateCapInput = {
      burstPerSecond: options.burstPerSecond,
      burstSeconds: options.burstSeconds,
      capPerSecond: options.capPerSecond,
      turnS: round((options.brandMs + options.channelMs) / 1000),
    };
    return {
      settings: { ...input, brandMs: options.brandMs, taps },
      predicted: estimateRateCap(input),
      measured: {
        maxBrandRps: Math.max(0, ...perSecond.values()),
        failedTurns,
        replies: watch.replies,
        pushes: watch.pushes,
        lastAnswerS: round(lastAnswerS),
        p50AnswerS: round(percentile(times, 50) / 1000),
        brandRequests: [...perSecond.values()].reduce((a, b) => a + b, 0),
      },
    };
  } finally {
    await stack.stop();
    await closeServer(brand);
  }
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

import { performance } from 'node:perf_hooks';
import { lineWebhookBody, signLineBody } from '../local/lineWebhookBody';
import { startLocalStack } from '../local/localStack';
import { resolveMessages } from '../shared/engine/resolveMessages';
import { renderLineMessages } from '../shared/channels/line/renderLineMessages';
import { demoFlow } from '../local/demoFlow';
import { flowSchema } from '../shared/flow/schema';

/**
 * `npm run bench`: speed and memory targets, measured on the local stack (real sockets, dynalite,
 * local-aws-sqs, the Lambda handler modules). Exits 1 when a target is missed. Not part of `npm test`:
 * timings belong to a benchmark, never to a unit test.
 */
const TARGETS = {
  /**
   * LINE wants its 200 within 2 s. The webhook reads DynamoDB and sends to SQS; here it shares two
   * cores with the executor, the stand-ins, dynalite and SQS at full load, and still keeps 4x margin.
   */
  webhookP99Ms: 500,
  /** Webhook → the customer's reply recorded by the LINE stand-in (brand call included). */
  turnP95Ms: 1_000,
  /** A 10-card carousel rendered from a brand response and fitted for LINE. */
  carouselRenderP99Ms: 10,
  /** Heap of the whole local system (all handlers, stand-ins, dynalite, SQS) after the run. */
  heapUsedMb: 512,
} as const;

const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function benchTurns(): Promise<{ webhook: number[]; turn: number[]; seconds: number }> {
  const stack = await startLocalStack({ port: 0, lineApiPort: 0, brandApiPort: 0, messengerApiPort: 0, logLevel: 'SILENT' });
  const webhook: number[] = [];
  const turn: number[] = [];
  const sentAt = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    while (next < WEBHOOKS) {
      const i = next++;
      const replyToken = `bench-${i}`;
      const body = lineWebhookBody({ type: 'text', text: i % 2 ? 'hot' : '熱銷' }, { userId: `U-bench-${i}`, replyToken });
      const t0 = performance.now();
      sentAt.set(replyToken, Date.now());
      const response = await fetch(`${stack.url}/webhooks/line/${stack.demo.lineChannelId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(body, stack.demo.lineChannelSecret) },
        body,
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
      webhook.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await stack.idle();
  const seconds = (performance.now() - started) / 1000;
  for (const call of stack.lineStandIn.calls()) {
    if (call.kind !== 'reply' || !call.replyToken) continue;
    const t = sentAt.get(call.replyToken);
    if (t !== undefined) turn.push(Date.parse(call.at) - t);
  }
  if (turn.length !== WEBHOOKS) throw new Error(`expected ${WEBHOOKS} replies, the LINE stand-in got ${turn.length}`);
  await stack.stop();
  return { webhook, turn, seconds };
}

async function benchCarousel(): Promise<number[]> {
  const flow = flowSchema.parse(demoFlow('https://brand.example'));
  const block = flow.blocks.show_best_sellers;
  if (block?.type !== 'message') throw new Error('demo flow changed: show_best_sellers is not a message block');
  const items = Array.from({ length: 10 }, (_, i) => ({ sku: `S${i}`, name: `Product ${i} 烏龍茶`, price: 100 + i, imageUrl: `https://example.com/${i}.jpg`, url: `https://example.com/p/${i}` }));
  const context = { response: { status: 200, headers: {}, body: { items } }, attributes: {}, customer: { id: 'U', channel: 'line', attributes: {} } };
  const times: number[] = [];
  for (let i = 0; i < 2_000; i += 1) {
    const t0 = performance.now();
    const resolved = await resolveMessages(block.messages, context);
    renderLineMessages(resolved.messages);
    times.push(performance.now() - t0);
  }
  return times;
}

async function main(): Promise<void> {
  const { webhook, turn, seconds } = await benchTurns();
  const carousel = await benchCarousel();
  global.gc?.();
  const heapUsedMb = process.memoryUsage().heapUsed / 1024 / 1024;
  const rows: Array<[string, number, number, string]> = [
    ['webhook answer p50 (ms)', percentile(webhook, 50), NaN, ''],
    ['webhook answer p99 (ms)', percentile(webhook, 99), TARGETS.webhookP99Ms, '≤'],
    ['webhook → reply p50 (ms)', percentile(turn, 50), NaN, ''],
    ['webhook → reply p95 (ms)', percentile(turn, 95), TARGETS.turnP95Ms, '≤'],
    ['turns per second', WEBHOOKS / seconds, NaN, ''],
    ['10-card carousel render p50 (ms)', percentile(carousel, 50), NaN, ''],
    ['10-card carousel render p99 (ms)', percentile(carousel, 99), TARGETS.carouselRenderP99Ms, '≤'],
    ['heap used after run (MB)', heapUsedMb, TARGETS.heapUsedMb, '≤'],
  ];
  console.log(`callcard bench: ${WEBHOOKS} signed LINE webhooks, ${CONCURRENCY} at a time, each a brand call and a carousel reply\n`);
  let missed = 0;
  for (const [name, value, target, op] of rows) {
    const ok = Number.isNaN(target) || value <= target;
    if (!ok) missed += 1;
    console.log(`${name.padEnd(36)} ${value.toFixed(1).padStart(9)}   ${Number.isNaN(target) ? '' : `target ${op} ${target}  ${ok ? 'ok' : 'MISSED'}`}`);
  }
  process.exit(missed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

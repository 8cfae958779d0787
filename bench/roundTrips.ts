import { performance } from 'node:perf_hooks';
import { sequentialRounds, type CallRecord } from '../local/aws/callRecorder';
import type { LocalStack } from '../local/localStack';
import { closedLoop, type AnswerWatch } from './closedLoop';

/** When a stand-in received a request and answered it (performance.now()). */
export interface Span {
  receivedAt: number;
  answeredAt: number;
}

/**
 * Critical-path round trips of one turn, from the AWS clients (each call tagged with the function that
 * made it) and the channel stand-in (the loading call): sequential AWS calls before the webhook's
 * 200; sequential calls (AWS or channel) of the executor before the brand request arrived; sequential
 * AWS calls after the brand answered that finished before the reply request arrived (the ones the
 * reply waited for). The largest count over a few single-customer turns; and every AWS call a turn
 * made, sequential or not (`callsPerTurn`).
 */
export async function countRoundTrips(
  stack: LocalStack,
  calls: CallRecord[],
  watch: AnswerWatch,
  brandTimes: Span[],
  loadingTimes: Span[],
  replyTimes: Span[],
  tag: string,
): Promise<{ webhook: number; beforeBrand: number; afterBrand: number; callsPerTurn: { webhook: number; executor: number } }> {
  const worst = { webhook: 0, beforeBrand: 0, afterBrand: 0 };
  /** Every AWS call of the turn, sequential or not (the event source's receive and delete aside). */
  const callsPerTurn = { webhook: 0, executor: 0 };
  // Nothing left of the runs before (their last invocations, deferred jobs): each turn is measured alone.
  await stack.idle();
  for (let turn = 0; turn < 5; turn += 1) {
    calls.length = 0;
    const started = performance.now();
    const [timing] = await closedLoop({
      webhookUrl: `${stack.url}/webhooks/line/${stack.demo.lineChannelId}`,
      channelSecret: stack.demo.lineChannelSecret,
      watch,
      customers: 1,
      turns: 1,
      warmup: 0,
      tag: `${tag}rt${turn}`,
    });
    if (!timing) continue;
    await stack.idle();
    const ackAt = started + timing.ackMs;
    const brand = brandTimes.filter((b) => b.receivedAt >= started).at(0);
    const reply = replyTimes.filter((r) => r.receivedAt >= started).at(0);
    if (!brand || !reply) continue;
    const mine = calls.filter((c) => c.startedAt >= started && c.operation !== 'ReceiveMessage' && c.operation !== 'DeleteMessageBatch');
    const webhook = mine.filter((c) => c.tag === 'line-webhook' && c.endedAt <= ackAt);
    // The executor's calls for this turn: after the webhook queued it (the last job may still be finishing).
    const queuedAt = Math.min(...webhook.filter((c) => c.operation === 'SendMessage').map((c) => c.startedAt));
    const executor = mine.filter((c) => c.tag === 'executor' && c.startedAt >= queuedAt);
    const loading = loadingTimes.filter((l) => l.receivedAt >= started).map((l) => ({ startedAt: l.receivedAt, endedAt: l.answeredAt }));
    const beforeBrand = [...executor, ...loading].filter((c) => c.startedAt < brand.receivedAt && c.endedAt <= brand.receivedAt);
    const afterBrand = executor.filter((c) => c.startedAt >= brand.answeredAt && c.endedAt <= reply.receivedAt);
    worst.webhook = Math.max(worst.webhook, sequentialRounds(webhook));
    worst.beforeBrand = Math.max(worst.beforeBrand, sequentialRounds(beforeBrand));
    worst.afterBrand = Math.max(worst.afterBrand, sequentialRounds(afterBrand));
    callsPerTurn.webhook = Math.max(callsPerTurn.webhook, mine.filter((c) => c.tag === 'line-webhook').length);
    callsPerTurn.executor = Math.max(callsPerTurn.executor, executor.length);
  }
  return { ...worst, callsPerTurn };
}

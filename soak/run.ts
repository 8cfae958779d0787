import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BRAND_FAULT_DESCRIPTIONS, BRAND_FAULT_KINDS } from './faultyBrand';
import { DEFAULT_NOISY_NEIGHBOUR } from './noisyNeighbour';
import { CHANNEL_FAULT_DESCRIPTIONS, LINE_FAULTS, MESSENGER_FAULTS } from './plan';
import { DEFAULT_SOAK_OPTIONS, runSoak, type SoakOptions, type SoakResult } from './soak';

/**
 * `npm run soak`: at least 500 conversations of the three scenarios on LINE and Messenger with faults
 * injected everywhere (brand, channel APIs, the executor process SIGKILLed mid-batch), then the
 * invariant, per customer turn: exactly one outcome seen, none lost, none duplicated, nothing stuck
 * outside the DLQ. Prints a summary, writes soak/results/latest.json, exits 1 if the invariant fails.
 *
 *   npm run soak                            500 conversations, 5 kills
 *   npm run soak -- --quick                 60 conversations, 1 kill (CI: under a minute)
 *   npm run soak -- --conversations 1000 --seed 7 --concurrency 24 --kills 8
 *   npm run soak -- --quick --no-fair-share   the noisy-neighbour phase without the fair share
 *
 * After the conversations, the noisy-neighbour phase (--quick too): another workspace floods the
 * executor with 110 slow turns while the soak's workspace keeps tapping; its reply latency must stay
 * under the bound (soak/noisyNeighbour.ts). --noisy-turns 0 leaves the phase out.
 */
const { values: flags } = parseArgs({
  options: {
    conversations: { type: 'string' },
    seed: { type: 'string', default: String(DEFAULT_SOAK_OPTIONS.seed) },
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    kills: { type: 'string' },
    'visibility-timeout': { type: 'string', default: String(DEFAULT_SOAK_OPTIONS.visibilityTimeoutSeconds) },
    /** The executor's log level (INFO shows each turn's path: "turn ran", "job retried from its outbox", "delivered"). */
    'executor-log-level': { type: 'string', default: DEFAULT_SOAK_OPTIONS.executorLogLevel },
    /** The noisy-neighbour phase's slow turns (0: no phase). */
    'noisy-turns': { type: 'string' },
    /** The executor without each workspace's share of it: the noisy-neighbour phase as it was before. */
    'no-fair-share': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(__dirname, 'results', 'latest.json') },
  },
});

const quick = flags.quick === true;
const conversations = Number(flags.conversations ?? (quick ? 60 : DEFAULT_SOAK_OPTIONS.conversations));
const kills = Number(flags.kills ?? (quick ? 1 : Math.max(3, Math.round(conversations / 100))));
const noisyTurns = Number(flags['noisy-turns'] ?? DEFAULT_NOISY_NEIGHBOUR.turns);

async function main(): Promise<void> {
  const result = await runSoak({
    ...DEFAULT_SOAK_OPTIONS,
    conversations,
    seed: Number(flags.seed),
    concurrency: Number(flags.concurrency ?? DEFAULT_SOAK_OPTIONS.concurrency),
    kills,
    visibilityTimeoutSeconds: Number(flags['visibility-timeout']),
    executorLogLevel: (flags['executor-log-level'] ?? 'WARN').toUpperCase() as SoakOptions['executorLogLevel'],
    noisyNeighbour: noisyTurns > 0 ? { ...DEFAULT_NOISY_NEIGHBOUR, turns: noisyTurns } : false,
    fairShare: flags['no-fair-share'] !== true,
    log: (line) => console.log(line),
  });
  const out = flags.out ?? path.join(__dirname, 'results', 'latest.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), quick, machine: { cores: os.cpus().length, node: process.version }, ...result }, null, 2)}\n`,
  );
  console.log(summary(result));
  console.log(`\nEvery figure, each kill, the DLQ and every turn that broke the invariant: ${path.relative(process.cwd(), out)}`);
  process.exitCode = result.invariant.holds ? 0 : 1;
}

function summary(r: SoakResult): string {
  const rows: string[] = [];
  const row = (label: string, ...cells: Array<string | number>) =>
    rows.push(`  ${label.padEnd(54)}${cells.map((c) => String(c).padStart(9)).join('')}`);
  const { faults, outcomes } = r;
  rows.push('');
  rows.push(
    `callcard soak — seed ${r.options.seed}: ${r.conversations.total} conversations (LINE ${r.conversations.line}, Messenger ${r.conversations.messenger}; ` +
      `tickets ${r.conversations.byScenario.tickets ?? 0}, best sellers ${r.conversations.byScenario.bestSellers ?? 0}, registration ${r.conversations.byScenario.register ?? 0}), ` +
      `${r.turns.sent}/${r.turns.total} turns sent, ${(r.durationMs / 1000).toFixed(1)} s`,
  );
  rows.push('');
  rows.push(`  ${'faults injected'.padEnd(54)}${'planned'.padStart(9)}${'served'.padStart(9)}`);
  for (const kind of BRAND_FAULT_KINDS) row(BRAND_FAULT_DESCRIPTIONS[kind], faults.brand.planned[kind], faults.brand.responsesServed[kind]);
  row('  of which on every attempt (the card fails)', faults.brand.plannedPersistent, '');
  for (const kind of [...LINE_FAULTS, ...MESSENGER_FAULTS])
    row(CHANNEL_FAULT_DESCRIPTIONS[kind], faults.channel.planned[kind] ?? 0, faults.channel.served[kind] ?? 0);
  row('LINE: "400 Invalid reply token" answers, all causes', '', faults.channel.invalidReplyTokenAnswers);
  row(`executor SIGKILLed mid-batch (${faults.jobsInFlightAtKills} jobs in flight)`, r.options.kills, faults.kills);
  rows.push('');
  rows.push(`  ${'outcomes, per customer turn'.padEnd(54)}${'turns'.padStart(9)}`);
  row('exactly one outcome: an answer (no card in the turn)', outcomes.okByKind.answer);
  row('exactly one outcome: the success message(s)', outcomes.okByKind.success);
  row('exactly one outcome: the failure message', outcomes.okByKind['failure-message']);
  row('  of these, not the outcome the fault plan predicted', outcomes.okNotPredicted);
  row('lost (nothing seen)', outcomes.lost);
  row('duplicated (the outcome seen more than once)', outcomes.duplicated);
  row('  of which: killed between "accepted" and "recorded"', outcomes.duplicatedInCrashWindow);
  row('none of the valid outcomes (wrong or partial)', outcomes.wrong);
  row('never sent (conversation stopped)', outcomes.notRun);
  row('jobs stuck outside the DLQ', outcomes.stuckOutsideDlq);
  row('DLQ messages', outcomes.dlq);
  rows.push('');
  const d = r.delivery;
  rows.push(
    `  answers: ${d.lineReplies} LINE replies, ${d.linePushes} LINE pushes, ${d.messengerSends} Messenger sends; ${d.redeliveredJobs} jobs redelivered; ` +
      `turn latency p50 ${d.turnLatencyMs.p50} ms, p90 ${d.turnLatencyMs.p90} ms, p99 ${d.turnLatencyMs.p99} ms, max ${d.turnLatencyMs.max} ms`,
  );
  rows.push(`  executor processes: ${r.executor.processes} (log: ${r.executor.logFile})`);
  const nn = r.noisyNeighbour;
  if (nn) {
    rows.push('');
    rows.push(
      `  noisy neighbour${nn.fairShare ? '' : ' (WITHOUT the fair share)'}: ${nn.noisy.turns} slow turns of another workspace at once (${nn.options.cards} cards of ${nn.options.cardMs} ms), answered after ${(nn.noisy.lastAnswerMs / 1000).toFixed(1)} s`,
    );
    rows.push(
      `    the quiet workspace's replies meanwhile: ${nn.quiet.answered} of ${nn.quiet.taps}, p50 ${nn.quiet.latencyMs.p50} ms, p99 ${nn.quiet.latencyMs.p99} ms, max ${nn.quiet.latencyMs.max} ms ` +
        `(bound ${nn.options.boundMs} ms: ${nn.boundHeld ? 'held' : 'EXCEEDED'})`,
    );
    rows.push(
      `    lost ${nn.noisy.lost + nn.quiet.lost}, duplicated ${nn.noisy.duplicated + nn.quiet.duplicated}, wrong ${nn.noisy.wrong + nn.quiet.wrong}`,
    );
  }
  for (const p of r.notPredicted.slice(0, 5)) {
    rows.push(
      `  not predicted (valid): conversation ${p.conversation} turn ${p.turn} (${p.channel} ${p.scenario}): predicted ${JSON.stringify(p.expected)}, seen ${JSON.stringify(p.seen.flatMap((c) => c.messages))}; faults ${JSON.stringify(p.brandFaults)}`,
    );
  }
  for (const entry of r.dlq)
    rows.push(`  DLQ: ${entry.jobId} (received ${entry.receiveCount ?? '?'} times): ${entry.turn?.explanation ?? 'no turn of this soak'}`);
  for (const p of r.problems.slice(0, 20)) {
    rows.push(
      `  ${p.verdict.toUpperCase()}: conversation ${p.conversation} turn ${p.turn} (${p.channel} ${p.scenario}, ${p.action}), job ${p.jobId}`,
    );
    if (p.why) rows.push(`      why: ${p.why}`);
    rows.push(`      expected ${JSON.stringify(p.expected)}${p.valid && p.valid.length > 1 ? ` (valid: ${JSON.stringify(p.valid)})` : ''}`);
    rows.push(
      `      seen     ${JSON.stringify(p.seen.map((s) => `${s.via}${s.late ? ' (late)' : ''}${s.foreign ? ' (foreign)' : ''}: ${s.messages.join(' / ')}`))}`,
    );
    rows.push(
      `      faults: ${JSON.stringify(p.brandFaults)} ${p.channelFault ?? ''}; killed in flight: ${p.killedInFlight.join(',') || 'no'}; delivered to the executor ${p.deliveries}x; outbox at the end ${JSON.stringify(p.outbox)}`,
    );
  }
  if (r.problems.length > 20) rows.push(`  … ${r.problems.length - 20} more in the JSON`);
  rows.push('');
  rows.push(
    r.invariant.holds
      ? '  INVARIANT HOLDS: every customer turn ended with exactly one outcome the customer saw.'
      : `  INVARIANT FAILS:\n${r.invariant.failures.map((f) => `    - ${f}`).join('\n')}`,
  );
  return rows.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});

import { DEFAULT_SOAK_OPTIONS, runSoak } from '../../soak/soak';

/**
 * A small soak (npm run soak, without the executor kills): a few conversations of the three scenarios
 * on LINE and Messenger, the executor in a child process, every brand and channel fault at a high rate.
 * Every customer turn must end with exactly one outcome the customer saw. (Kills are left to
 * `npm run soak`; test/integration/crashWindow.test.ts covers a kill after the channel accepted an
 * answer, case by case.)
 */
test('every turn ends with exactly one outcome, whatever the brand and the channel APIs answer', async () => {
  const result = await runSoak({
    ...DEFAULT_SOAK_OPTIONS,
    conversations: 16,
    seed: 11,
    concurrency: 8,
    kills: 0,
    visibilityTimeoutSeconds: 3,
    brandFaultRate: 0.6,
    channelFaultRate: 0.5,
    // The noisy-neighbour phase's turns (3 s) need a longer visibility timeout than this run's: npm run soak has it.
    noisyNeighbour: false,
    log: () => undefined,
  });
  expect(result.problems).toEqual([]);
  expect(result.invariant).toEqual({ holds: true, failures: [] });
  expect(result.turns.sent).toBe(result.turns.total);
  expect(result.outcomes.okByKind['failure-message']).toBeGreaterThan(0);
  expect(result.outcomes.dlq).toBe(0);
}, 120_000);

import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ChangeMessageVisibilityBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { DeferredJobError, FairShare, LEASE_TTL_MS, type BatchAdmission } from '../../../../functions/executor/fairShare';
import { createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import { createLogger } from '../../../../shared/logging/logger';
import {
  deferralSeconds,
  executorMaxConcurrency,
  JOB_MAX_RECEIVES,
  MAX_DEFERRED_RECEIVES,
  workspaceLeaseLimit,
} from '../../../../shared/jobs/fairShare';
import { EXECUTOR_LEASES_KEY, leaseExpiry, leaseId, type ExecutorLeaseRepository } from '../../../../shared/store/executorLeases';
import { createStore, TABLE_DEFINITION } from '../../../../shared/store/store';
import { createTable, type Table } from '../../../../shared/store/table';

const logger = createLogger('executor', { serviceName: 'test', logLevel: 'SILENT' });

describe('the fair share’s numbers', () => {
  test('a workspace that holds a lease may take another while fewer than 8 of 10 are held (a fifth kept for the others)', () => {
    expect(workspaceLeaseLimit(10)).toBe(8);
    expect(workspaceLeaseLimit(5)).toBe(4);
    expect(workspaceLeaseLimit(20)).toBe(16);
    expect(workspaceLeaseLimit(2)).toBe(1);
    expect(workspaceLeaseLimit(1)).toBe(1);
  });

  test('deferrals: 1 s twice, then 2, 2, 4, 4 and 8 s at most, each between half and all of it, never under 1 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map((n) => deferralSeconds(n, () => 0.999))).toEqual([1, 1, 2, 2, 4, 4, 8, 8]);
    expect([1, 2, 3, 4, 5, 6, 7, 10].map((n) => deferralSeconds(n, () => 0))).toEqual([1, 1, 1, 1, 2, 2, 4, 4]);
    // Ten receives: 24 to 46 s of deferrals.
    const total = (random: () => number) =>
      Array.from({ length: MAX_DEFERRED_RECEIVES }, (_, i) => deferralSeconds(i + 1, random)).reduce((a, b) => a + b, 0);
    expect([total(() => 0), total(() => 0.999)]).toEqual([24, 46]);
  });

  test('the executor reads the mapping’s concurrency from its environment (10 when absent or not a count)', () => {
    expect(executorMaxConcurrency({ EXECUTOR_MAX_CONCURRENCY: '20' })).toBe(20);
    expect(executorMaxConcurrency({})).toBe(10);
    expect(executorMaxConcurrency({ EXECUTOR_MAX_CONCURRENCY: 'ten' })).toBe(10);
    expect(executorMaxConcurrency({ EXECUTOR_MAX_CONCURRENCY: '0' })).toBe(10);
  });

  test('a job deferred as often as it may still has 5 runs before the DLQ', () => {
    expect(JOB_MAX_RECEIVES - MAX_DEFERRED_RECEIVES).toBe(5);
  });

  test('a lease id carries its expiry (to the second)', () => {
    const id = leaseId(1_800_000_000_500);
    expect(leaseExpiry(id)).toBe(1_800_000_001_000);
    expect(Number.isSafeInteger(id)).toBe(true);
  });
});

describe('the leases item', () => {
  let client: DynamoDBClient;
  let table: Table;
  let leases: ExecutorLeaseRepository;
  const later = Date.now() + 90_000;

  beforeEach(async () => {
    client = createModelDynamoClient({ latencyMs: 0 });
    await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
    table = createTable('callcard', client);
    leases = createStore(table).executorLeases;
  });
  afterEach(() => client.destroy());

  const item = async () => (await table.doc.send(new GetCommand({ TableName: 'callcard', Key: EXECUTOR_LEASES_KEY }))).Item;

  test('a workspace takes leases while fewer than the limit are held; another workspace always gets its first', async () => {
    const b1 = await leases.acquire('B', { limit: 2, expiresAtMs: later });
    const b2 = await leases.acquire('B', { limit: 2, expiresAtMs: later });
    const b3 = await leases.acquire('B', { limit: 2, expiresAtMs: later });
    expect([b1.granted, b2.granted, b3.granted]).toEqual([true, true, false]);
    const a1 = await leases.acquire('A', { limit: 2, expiresAtMs: later });
    const a2 = await leases.acquire('A', { limit: 2, expiresAtMs: later });
    expect([a1.granted, a2.granted]).toEqual([true, false]);
    if (!a2.granted) expect(a2.holdings.all).toHaveLength(3);
    // Forced (a job deferred as often as it may be): granted whatever is held.
    expect((await leases.acquire('B', { limit: 2, expiresAtMs: later, force: true })).granted).toBe(true);
    const held = await item();
    expect((held?.all as Set<number>).size).toBe(4);
    expect((held?.['w#B'] as Set<number>).size).toBe(3);
    expect(held?.['w#A']).toEqual(new Set([a1.granted ? a1.id : 0]));
  });

  test('given back, a lease leaves both sets; the last one leaves no attribute behind', async () => {
    const b = await leases.acquire('B', { limit: 8, expiresAtMs: later });
    if (!b.granted) throw new Error('refused');
    await leases.release('B', b.id);
    expect(await item()).toEqual({ ...EXECUTOR_LEASES_KEY });
    // Twice is harmless.
    await leases.release('B', b.id);
    await expect(leases.holdings()).resolves.toEqual({ all: [], byWorkspace: new Map() });
  });

  test('leases of a crashed invocation lapse: past their expiry they are removed when a lease is refused', async () => {
    const crashed = Date.now() - 1_000;
    await leases.acquire('B', { limit: 2, expiresAtMs: crashed });
    await leases.acquire('B', { limit: 2, expiresAtMs: crashed });
    const again = await leases.acquire('B', { limit: 2, expiresAtMs: later });
    expect(again.granted).toBe(true);
    const held = await leases.holdings();
    expect(held.all).toEqual([again.granted ? again.id : 0]);
    expect(held.byWorkspace).toEqual(new Map([['B', held.all]]));
  });
});

/** A fake lease table: a limit on leases held in all, a first lease always. */
function fakeLeases(limit: number) {
  const held = new Map<number, string>();
  let next = 1;
  const calls: string[] = [];
  const repository = {
    async acquire(workspaceId: string, options: { force?: boolean }) {
      calls.push(`acquire ${workspaceId}${options.force ? ' (forced)' : ''}`);
      const holds = [...held.values()].includes(workspaceId);
      if (options.force || !holds || held.size < limit) {
        const id = next++;
        held.set(id, workspaceId);
        return { granted: true as const, id };
      }
      const byWorkspace = new Map<string, number[]>();
      for (const [id, ws] of held) byWorkspace.set(ws, [...(byWorkspace.get(ws) ?? []), id]);
      return { granted: false as const, holdings: { all: [...held.keys()], byWorkspace } };
    },
    async release(workspaceId: string, id: number) {
      calls.push(`release ${workspaceId}`);
      held.delete(id);
    },
  };
  return { repository: repository as unknown as ExecutorLeaseRepository, held, calls };
}

function record(messageId: string, group: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: '{}',
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
      MessageGroupId: group,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:0:q.fifo',
    awsRegion: 'us-east-1',
  };
}

describe('FairShare and a batch’s admissions', () => {
  function setup(limit = 2) {
    const leases = fakeLeases(limit);
    const sent: ChangeMessageVisibilityBatchCommand[] = [];
    const sqs = {
      send: async (command: ChangeMessageVisibilityBatchCommand) => (sent.push(command), { Successful: [], Failed: [] }),
    } as unknown as SQSClient;
    let clock = 1_000_000;
    // maxConcurrency 3: a workspace that holds one may take another while fewer than 2 are held.
    const share = new FairShare({
      leases: leases.repository,
      maxConcurrency: limit + 1,
      sqs,
      queueUrl: 'https://sqs/q.fifo',
      logger,
      now: () => clock,
      random: () => 0.999,
    });
    return { share, leases, sent, tick: (ms: number) => (clock += ms) };
  }

  test('one lease per workspace and batch, asked once, given back once; another workspace is admitted when one is at the limit', async () => {
    const { share, leases } = setup();
    await share.batch().admit('B', 1);
    const second = share.batch();
    await second.admit('B', 1);
    await second.admit('B', 1);
    const third = share.batch();
    await expect(third.admit('B', 1)).rejects.toBeInstanceOf(DeferredJobError);
    await expect(third.admit('A', 1)).resolves.toBeUndefined();
    await third.settle();
    expect(leases.calls).toEqual(['acquire B', 'acquire B', 'acquire B', 'acquire A', 'release A']);
  });

  test('a refusal is remembered for a moment: the next batches of the busy workspace are deferred without asking the table', async () => {
    const { share, leases, tick } = setup();
    await share.batch().admit('B', 1);
    await share.batch().admit('B', 1);
    await expect(share.batch().admit('B', 1)).rejects.toBeInstanceOf(DeferredJobError);
    const calls = leases.calls.length;
    const next = share.batch();
    expect(next.refusedNow('B', 1)).toBe(true);
    await expect(next.admit('B', 1)).rejects.toBeInstanceOf(DeferredJobError);
    expect(leases.calls.length).toBe(calls);
    // A workspace that holds none is never refused; nor, once the moment passed, is the table not asked.
    expect(next.refusedNow('A', 1)).toBe(false);
    tick(300);
    expect(share.batch().refusedNow('B', 1)).toBe(false);
  });

  test(`a job handed out more than ${MAX_DEFERRED_RECEIVES} times runs whatever its workspace holds (a forced lease, given back too)`, async () => {
    const { share, leases } = setup();
    await share.batch().admit('B', 1);
    await share.batch().admit('B', 1);
    const batch: BatchAdmission = share.batch();
    expect(batch.refusedNow('B', MAX_DEFERRED_RECEIVES + 1)).toBe(false);
    await expect(batch.admit('B', MAX_DEFERRED_RECEIVES + 1)).resolves.toBeUndefined();
    // The rest of the workspace's turns in the batch run under the same lease.
    await expect(batch.admit('B', 1)).resolves.toBeUndefined();
    await batch.settle();
    expect(leases.calls.slice(2)).toEqual(['acquire B', 'acquire B (forced)', 'release B']);
  });

  test('a held lease is renewed (a new id, then the old one given back) until it is given back: one left by a crash lapses within its 10 s', async () => {
    const leases = fakeLeases(8);
    const sqs = { send: async () => ({}) } as unknown as SQSClient;
    const share = new FairShare({ leases: leases.repository, maxConcurrency: 10, sqs, queueUrl: 'q', logger, renewEveryMs: 40 });
    expect(new FairShare({ leases: leases.repository, maxConcurrency: 10, sqs, queueUrl: 'q', logger }).leaseTtlMs).toBe(LEASE_TTL_MS);
    expect(LEASE_TTL_MS).toBe(10_000);
    const batch = share.batch();
    await batch.admit('B', 1);
    const first = [...leases.held.keys()];
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Renewed at least twice, and still one lease held.
    expect(leases.calls.filter((c) => c === 'acquire B (forced)').length).toBeGreaterThanOrEqual(2);
    expect(leases.held.size).toBe(1);
    expect([...leases.held.keys()]).not.toEqual(first);
    await batch.settle();
    expect(leases.held.size).toBe(0);
    const calls = leases.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(leases.calls.length).toBe(calls);
  });

  test('when the table cannot be reached, the turn runs: fairness never fails a turn', async () => {
    const sqs = { send: async () => ({}) } as unknown as SQSClient;
    const broken = {
      acquire: async () => Promise.reject(new Error('throttled')),
      release: async () => undefined,
    } as unknown as ExecutorLeaseRepository;
    const share = new FairShare({ leases: broken, maxConcurrency: 10, sqs, queueUrl: 'q', logger });
    const batch = share.batch();
    await expect(batch.admit('B', 1)).resolves.toBeUndefined();
    await batch.settle();
  });

  test('deferred records go back to the queue for a few seconds, one conversation’s records with one delay', async () => {
    const { share, sent } = setup();
    await share.defer([record('b1', 'g1', 1), record('b2', 'g1', 1), record('c1', 'g2', 3)]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.input).toEqual({
      QueueUrl: 'https://sqs/q.fifo',
      Entries: [
        { Id: '0', ReceiptHandle: 'handle-b1', VisibilityTimeout: 1 },
        { Id: '1', ReceiptHandle: 'handle-b2', VisibilityTimeout: 1 },
        { Id: '2', ReceiptHandle: 'handle-c1', VisibilityTimeout: 2 },
      ],
    });
  });
});

import type { SQSEvent } from 'aws-lambda';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { createExecutorDeps } from '../functions/executor/deps';
import { createHandler as createExecutorHandler } from '../functions/executor/handler';
import { createDynaliteEngine, createModelDynamoClient, type DynaliteEngine } from '../local/aws/modelDynamo';
import { SEED_BEST_SELLERS } from '../local/demoBrandApi';
import { lambdaContext } from '../local/lambdaContext';
import { seedDemo, type DemoSettings } from '../local/seedDemo';
import type { GuardedFetch } from '../shared/http/guardedFetch';
import type { TurnJob } from '../shared/jobs/job';
import { createLogger } from '../shared/logging/logger';
import { createStore, TABLE_DEFINITION } from '../shared/store/store';
import { learnContract } from '../shared/flow/contract';
import type { Flow } from '../shared/flow/schema';
import { createTable } from '../shared/store/table';
import { percentile } from './closedLoop';
import { profileOwners } from './profile';

export interface ExecutorCpu {
  /** CPU of one carousel job, the AWS SDK included, the in-memory model's engine left out (µs). */
  medianUs: number;
  p90Us: number;
  /** The part of the median spent in callcard's own code and the libraries it calls (not the AWS SDK). */
  ownMedianUs: number;
  /** Shares of the profiled job CPU: callcard (own code and its libraries), the AWS SDK, the model. */
  shares: { callcard: number; awsSdk: number; model: number };
  jobs: number;
}

const BRAND = 'https://brand.example';
const SETTINGS: DemoSettings = {
  workspaceId: 'demo',
  lineChannelId: 'demo-line',
  lineChannelSecret: 'demo-line-secret',
  lineAccessToken: 'demo-line-access-token',
  messengerPageId: 'demo-messenger',
  messengerAppSecret: 'demo-messenger-secret',
  messengerVerifyToken: 'demo-verify-token',
  messengerPageToken: 'demo-messenger-page-token',
  adminKey: 'demo-admin-key',
  signingSecret: `whsec_${Buffer.from('callcard-bench-signing-secret-32').toString('base64')}`,
  brandUrl: BRAND,
};

/**
 * Executor CPU per job for the carousel scenario ("hot": a brand call and a 10-card carousel reply),
 * with in-memory clients: DynamoDB is the latency model at 0 ms (dynalite's engine in this process)
 * and the brand and LINE answer from memory, so nothing but the executor runs. Each job's CPU comes
 * from process.cpuUsage(); a CPU profile of the same jobs splits it between callcard's code, the AWS
 * SDK and the model, whose share is taken out.
 */
export async function measureExecutorCpu(jobs: number, options: { contract?: boolean } = {}): Promise<ExecutorCpu> {
  const engine: DynaliteEngine = createDynaliteEngine();
  const dynamo = createModelDynamoClient({ latencyMs: 0, engine });
  await dynamo.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
  const store = createStore(createTable('callcard', dynamo));
  await seedDemo(store, SETTINGS);
  // With a contract (README "Response contracts"): the brand answers 20 best sellers, and every card
  // of the flow carries the contract learnt from that answer, so each job checks 20 objects against it.
  const items = options.contract
    ? Array.from({ length: 20 }, (_, i) => ({ ...SEED_BEST_SELLERS[i % SEED_BEST_SELLERS.length], sku: `SKU-${i}` }))
    : SEED_BEST_SELLERS;
  const brandBody = JSON.stringify({ items });
  let version = 1;
  if (options.contract) {
    const stored = await store.flows.getVersion('demo', 'demo', 1);
    if (!stored) throw new Error('the demo flow is not seeded');
    const contract = { body: learnContract(JSON.parse(brandBody)) };
    const blocks = Object.fromEntries(
      Object.entries(stored.flow.blocks).map(([id, block]) => [id, block.type === 'callApi' ? { ...block, contract } : block]),
    );
    version = 2;
    await store.flows.putVersion('demo', 'demo', version, { ...stored.flow, blocks } as Flow);
  }
  let lastReply = '';
  const fetch: GuardedFetch = async (request) => {
    const isBrand = request.url.startsWith(BRAND);
    if (!isBrand) lastReply = request.body ?? '';
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: isBrand ? brandBody : '{"sentMessages":[]}',
      url: request.url,
      latencyMs: 0,
    };
  };
  const logger = createLogger('executor', { logLevel: 'SILENT' });
  const executor = createExecutorHandler(
    createExecutorDeps({
      store,
      fetch,
      logger,
      channelApis: { lineApiBaseUrl: 'https://api.line.me', messengerApiBaseUrl: 'https://graph.facebook.com/v25.0' },
      // Its own rate cap and tokens, on this store: left to the executor, they would be the process's,
      // bound to this store, whose engine closes below, and every later stack of the bench (the rate
      // cap simulation) would wait on them for ever.
      connectionStatePerStore: true,
    }),
  );

  let sequence = 0;
  const runJob = async (): Promise<void> => {
    sequence += 1;
    const job: TurnJob = {
      v: 1,
      jobId: `line:demo-line:cpu-${sequence}`,
      workspaceId: 'demo',
      channel: { kind: 'line', id: 'demo-line' },
      userId: `Ucpu${sequence % 50}`,
      event: { type: 'text', text: 'hot' },
      replyToken: `cpu-token-${sequence}`,
      receivedAt: Date.now(),
      flow: { flowId: 'demo', version },
    };
    const event: SQSEvent = {
      Records: [
        {
          messageId: `m-${sequence}`,
          receiptHandle: 'r',
          body: JSON.stringify(job),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'bench',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
            MessageGroupId: job.userId,
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:callcard-jobs.fifo',
          awsRegion: 'us-east-1',
        },
      ],
    };
    const result = await executor(event, lambdaContext('executor', 90_000));
    if (result.batchItemFailures.length > 0) throw new Error('executor job failed in the CPU bench');
  };

  for (let i = 0; i < Math.min(50, jobs); i += 1) await runJob();
  // The job measured is the carousel, not a failure path (with a contract: the answer meets it).
  if (!lastReply.includes('"carousel"')) throw new Error(`the CPU bench's job did not answer the carousel: ${lastReply.slice(0, 200)}`);
  const cpu: number[] = [];
  for (let i = 0; i < jobs; i += 1) {
    const before = process.cpuUsage();
    await runJob();
    const used = process.cpuUsage(before);
    cpu.push(used.user + used.system);
  }
  const owners = await profileOwners(async () => {
    for (let i = 0; i < Math.max(50, jobs); i += 1) await runJob();
  }, 50);
  // The bench's own lines (the job records it builds, the canned answers) are not the executor's.
  const counted = owners.callcard + owners.awsSdk + owners.model + owners.platform || 1;
  const shares = {
    callcard: (owners.callcard + owners.platform) / counted,
    awsSdk: owners.awsSdk / counted,
    model: owners.model / counted,
  };
  dynamo.destroy();
  engine.close();
  const total = percentile(cpu, 50);
  const withoutModel = total * (1 - shares.model);
  return {
    medianUs: Math.round(withoutModel),
    p90Us: Math.round(percentile(cpu, 90) * (1 - shares.model)),
    ownMedianUs: Math.round(total * shares.callcard),
    shares,
    jobs,
  };
}

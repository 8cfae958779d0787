import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { LocalStack } from '../../local/localStack';
import type { TurnJob } from '../../shared/jobs/job';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendLine, startTestStack, waitForLineCalls } from '../support/localStackHarness';

/**
 * Failed jobs: turns whose LINE delivery keeps failing reach the dead-letter queue; the admin API
 * lists only the key's workspace's, and sends them back to the jobs queue, where they finish, or
 * deletes them for good.
 */

const KEY_B = 'failed-jobs-workspace-b-key';
const listSchema = z.object({
  jobs: z.array(
    z.object({
      messageId: z.string(),
      jobId: z.string(),
      userId: z.string(),
      channel: z.object({ kind: z.string(), id: z.string() }),
      event: z.record(z.string(), z.unknown()),
      queuedAt: z.string().optional(),
    }),
  ),
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('admin failed jobs', () => {
  let stack: LocalStack;
  let a: AdminClient;
  let b: AdminClient;

  beforeAll(async () => {
    // One receive and a job goes to the DLQ; failed receives come back after a second.
    stack = await startTestStack({ maxReceiveCount: 1, visibilityTimeoutSeconds: 1 });
    await stack.store.adminKeys.add(KEY_B, 'ws-b');
    a = adminClient(stack, stack.demo.adminKey);
    b = adminClient(stack, KEY_B);
  });

  afterAll(() => stack.stop());

  const list = async (client: AdminClient) => listSchema.parse((await client.call('GET', '/admin/failed-jobs')).body).jobs;

  test('jobs that keep failing are listed, per workspace, and redriven one or all: then they finish', async () => {
    stack.lineStandIn.failNext('reply', 1_000, 500);
    stack.lineStandIn.failNext('push', 1_000, 500);
    const first = await sendLine(stack, { type: 'text', text: 'anyone there?' }, { userId: 'U-dlq-1', webhookEventId: '01DLQFIRST' });
    const second = await sendLine(stack, { type: 'text', text: 'hello?' }, { userId: 'U-dlq-2', webhookEventId: '01DLQSECOND' });
    expect([first.status, second.status]).toEqual([200, 200]);

    // Another workspace's dead letter, and one that is not a job at all, in the same queue.
    const jobB: TurnJob = {
      v: 1,
      jobId: 'line:b-line:01B',
      workspaceId: 'ws-b',
      channel: { kind: 'line', id: 'b-line' },
      userId: 'U-b',
      event: { type: 'text', text: 'b' },
      receivedAt: Date.now(),
      flow: { flowId: 'b', version: 1 },
    };
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.dlqUrl,
        MessageBody: JSON.stringify(jobB),
        MessageGroupId: 'group-b',
        MessageDeduplicationId: 'dedupe-b',
      }),
    );
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.dlqUrl,
        MessageBody: 'not a job',
        MessageGroupId: 'group-x',
        MessageDeduplicationId: 'dedupe-x',
      }),
    );

    const failed = await until('both jobs in the DLQ', async () => {
      const jobs = await list(a);
      return jobs.length === 2 ? jobs : undefined;
    });
    expect(failed.map((j) => j.jobId).sort()).toEqual(['line:demo-line:01DLQFIRST', 'line:demo-line:01DLQSECOND']);
    expect(failed.find((j) => j.userId === 'U-dlq-1')).toMatchObject({
      channel: { kind: 'line', id: 'demo-line' },
      event: { type: 'text', text: 'anyone there?' },
      queuedAt: expect.any(String),
    });
    expect(JSON.stringify(failed)).not.toContain('replyToken');
    const bJobs = await list(b);
    expect(bJobs.map((j) => j.jobId)).toEqual(['line:b-line:01B']);
    const firstLetter = failed.find((j) => j.userId === 'U-dlq-1')?.messageId ?? '';
    const bLetter = bJobs[0]?.messageId ?? '';

    // Nobody redrives another workspace's job (and asking hides nothing).
    expect((await b.call('POST', '/admin/failed-jobs/redrive', { messageId: firstLetter })).status).toBe(404);
    expect((await a.call('POST', '/admin/failed-jobs/redrive', { messageId: bLetter })).status).toBe(404);
    expect((await a.call('POST', '/admin/failed-jobs/redrive', { messageId: 'no-such-message' })).status).toBe(404);
    expect(await list(a)).toHaveLength(2);

    // LINE is back. Redrive one: within 5 minutes of the original, so only a fresh deduplication id gets it through.
    stack.lineStandIn.failNext('reply', 0, 500);
    stack.lineStandIn.failNext('push', 0, 500);
    expect(await a.call('POST', '/admin/failed-jobs/redrive', { messageId: firstLetter })).toMatchObject({
      status: 200,
      body: { redriven: [firstLetter] },
    });
    await waitForLineCalls(stack, (calls) => calls.some((c) => c.to === 'U-dlq-1' || c.replyToken === first.replyToken));

    // The rest of A's: the redrive of one showed again at once every letter it received beside it.
    const rest = await list(a);
    expect(rest.map((j) => j.userId)).toEqual(['U-dlq-2']);
    expect(await a.call('POST', '/admin/failed-jobs/redrive', { all: true })).toMatchObject({
      status: 200,
      body: { redriven: [rest[0]?.messageId] },
    });
    await waitForLineCalls(stack, (calls) => calls.some((c) => c.to === 'U-dlq-2' || c.replyToken === second.replyToken));
    await stack.idle();

    expect(await list(a)).toEqual([]);
    await until("B's job to show again", async () => ((await list(b)).length === 1 ? true : undefined));
    const job = await stack.store.jobStates.get('line:demo-line:01DLQSECOND');
    expect(job).toMatchObject({ done: true, sent: 1 });
  });

  test("issue 24, finding 3: B's redrive of all, every 2 s, neither redrives A's dead letter nor hides it from A's list", async () => {
    await stack.idle();
    const jobA: TurnJob = {
      v: 1,
      jobId: 'line:demo-line:01DLQA',
      workspaceId: 'demo',
      channel: { kind: 'line', id: 'demo-line' },
      userId: 'U-dlq-a',
      event: { type: 'text', text: 'a' },
      receivedAt: Date.now(),
      flow: { flowId: 'demo', version: 1 },
    };
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.dlqUrl,
        MessageBody: JSON.stringify(jobA),
        MessageGroupId: 'group-a',
        MessageDeduplicationId: 'dedupe-a',
      }),
    );
    const letterA = await until("A's letter", async () => (await list(a)).find((j) => j.jobId === jobA.jobId));
    const lineCalls = stack.lineStandIn.calls().length;

    for (let round = 0; round < 3; round += 1) {
      const redrive = await b.call('POST', '/admin/failed-jobs/redrive', { all: true });
      expect(redrive.status).toBe(200);
      expect((redrive.body as { redriven: string[] }).redriven).not.toContain(letterA.messageId);
      // Right after B's redrive, not seconds later: A's letter is still there for A.
      expect((await list(a)).map((j) => j.messageId)).toContain(letterA.messageId);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    await stack.idle();
    expect(
      stack.lineStandIn
        .calls()
        .slice(lineCalls)
        .filter((c) => c.to === 'U-dlq-a'),
    ).toEqual([]);
    expect(await stack.store.jobStates.get(jobA.jobId)).toBeUndefined();
    // A's own redrive takes it.
    expect(await a.call('POST', '/admin/failed-jobs/redrive', { messageId: letterA.messageId })).toMatchObject({
      status: 200,
      body: { redriven: [letterA.messageId] },
    });
  });

  test("delete: A deletes its own failed jobs, one and then all; never B's, which stays listed for B and redrivable", async () => {
    await stack.idle();
    const letter = (workspaceId: string, id: string): TurnJob => ({
      v: 1,
      jobId: `line:${workspaceId}-line:${id}`,
      workspaceId,
      channel: { kind: 'line', id: `${workspaceId}-line` },
      userId: `U-${id}`,
      event: { type: 'text', text: id },
      receivedAt: Date.now(),
      flow: { flowId: 'gone', version: 1 },
    });
    const jobs = [letter('demo', 'DEL-A1'), letter('demo', 'DEL-A2'), letter('ws-b', 'DEL-B1')];
    for (const job of jobs)
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.dlqUrl,
          MessageBody: JSON.stringify(job),
          MessageGroupId: job.jobId,
          MessageDeduplicationId: `delete-${job.jobId}`,
        }),
      );
    const ofA = (listed: Array<{ jobId: string }>) =>
      listed
        .map((j) => j.jobId)
        .filter((id) => id.includes('DEL-'))
        .sort();
    const listedA = await until("A's two letters", async () => {
      const listed = await list(a);
      return ofA(listed).length === 2 ? listed : undefined;
    });
    expect(ofA(listedA)).toEqual(['line:demo-line:DEL-A1', 'line:demo-line:DEL-A2']);
    const bLetter = await until("B's letter", async () => (await list(b)).find((j) => j.jobId === 'line:ws-b-line:DEL-B1'));
    const [a1, a2] = ['DEL-A1', 'DEL-A2'].map((id) => listedA.find((j) => j.jobId.endsWith(id))?.messageId ?? '');

    // Neither workspace deletes the other's: the same 404 as for a letter that does not exist.
    expect(await a.call('DELETE', `/admin/failed-jobs/${bLetter.messageId}`)).toMatchObject({
      status: 404,
      body: { error: 'failed job not found' },
    });
    expect(await b.call('DELETE', `/admin/failed-jobs/${a1}`)).toMatchObject({ status: 404, body: { error: 'failed job not found' } });
    expect(await a.call('DELETE', '/admin/failed-jobs/no-such-message')).toMatchObject({ status: 404 });
    // Deleting all takes an explicit ?all=true.
    expect((await a.call('DELETE', '/admin/failed-jobs')).status).toBe(400);
    expect((await b.call('DELETE', '/admin/failed-jobs?all=false')).status).toBe(400);

    // A deletes one of its own: gone for good; the rest of the queue is shown again at once.
    expect(await a.call('DELETE', `/admin/failed-jobs/${a1}`)).toMatchObject({ status: 200, body: { deleted: [a1] } });
    expect(ofA(await list(a))).toEqual(['line:demo-line:DEL-A2']);
    expect((await list(b)).map((j) => j.messageId)).toContain(bLetter.messageId);

    // A deletes all of its own: B's letter is neither deleted nor hidden from B.
    const all = await a.call('DELETE', '/admin/failed-jobs?all=true');
    expect(all.status).toBe(200);
    expect((all.body as { deleted: string[] }).deleted).toContain(a2);
    expect((all.body as { deleted: string[] }).deleted).not.toContain(bLetter.messageId);
    expect(ofA(await list(a))).toEqual([]);
    expect((await list(b)).map((j) => j.messageId)).toContain(bLetter.messageId);

    // B's letter is still B's to redrive.
    expect(await b.call('POST', '/admin/failed-jobs/redrive', { messageId: bLetter.messageId })).toMatchObject({
      status: 200,
      body: { redriven: [bLetter.messageId] },
    });
    expect((await list(b)).map((j) => j.messageId)).not.toContain(bLetter.messageId);
  });

  test('bad redrive bodies are 400', async () => {
    for (const body of [{}, { all: false }, { messageId: '' }, { messageId: 'x', all: true }]) {
      expect([body, (await a.call('POST', '/admin/failed-jobs/redrive', body)).status]).toEqual([body, 400]);
    }
  });
});

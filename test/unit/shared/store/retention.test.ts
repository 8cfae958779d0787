import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import type { CustomerRef } from '../../../../shared/store/customers';
import type { JobState } from '../../../../shared/store/jobStates';
import { createStore, TABLE_DEFINITION, type Store } from '../../../../shared/store/store';
import { createTable, type Table } from '../../../../shared/store/table';
import { DEFAULT_RETENTION, expiresAfterDays, workspaceSettingsSchema } from '../../../../shared/store/workspaceSettings';

// Retention (issue 19, privacy by default): what callcard keeps of customers carries `expiresAt`
// (epoch seconds, the table's TTL attribute) from the workspace's settings.

const DAY = 86_400;
const at = Date.parse('2026-03-01T10:00:00.000Z');
const atSeconds = at / 1000;
const ref: CustomerRef = { channelKind: 'line', channelId: 'c1', userId: 'U1' };

describe('expiresAt from the workspace settings', () => {
  test('expiresAfterDays: epoch seconds, days after now', () => {
    expect(expiresAfterDays(30, at)).toBe(atSeconds + 30 * DAY);
    expect(expiresAfterDays(1, at + 999)).toBe(atSeconds + DAY);
  });

  test('defaults: log 30 days, simulator 1 day, idle customers 365 days; each settable within its bounds, the rest kept', () => {
    expect(DEFAULT_RETENTION).toEqual({ logDays: 30, simulatorDays: 1, idleCustomerDays: 365 });
    expect(workspaceSettingsSchema.parse({ retention: { logDays: 7 } }).retention).toEqual({
      logDays: 7,
      simulatorDays: 1,
      idleCustomerDays: 365,
    });
    for (const retention of [{ logDays: 0 }, { logDays: 366 }, { simulatorDays: 31 }, { idleCustomerDays: 3651 }, { logDays: 1.5 }]) {
      expect([retention, workspaceSettingsSchema.safeParse({ retention }).success]).toEqual([retention, false]);
    }
    expect(workspaceSettingsSchema.parse({}).personalAttributes).toEqual(['phone', 'email', 'memberId']);
    expect(workspaceSettingsSchema.parse({ personalAttributes: ['phone', 'phone', 'nationalId'] }).personalAttributes).toEqual([
      'phone',
      'nationalId',
    ]);
    for (const personalAttributes of [['not a name'], [''], Array.from({ length: 51 }, (_, i) => `a${i}`)])
      expect(workspaceSettingsSchema.safeParse({ personalAttributes }).success).toBe(false);
  });
});

describe('items carry expiresAt', () => {
  let client: DynamoDBClient;
  let table: Table;
  let store: Store;
  const item = async (pk: string, sk: string) => (await table.doc.send(new GetCommand({ TableName: 'callcard', Key: { pk, sk } }))).Item;

  beforeEach(async () => {
    client = createModelDynamoClient({ latencyMs: 0 });
    await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
    table = createTable('callcard', client);
    store = createStore(table);
  });
  afterEach(() => client.destroy());

  test("a customer's profile: idle days after each turn, moved on by the next", async () => {
    await store.customers.recordTurn(
      { ...ref, workspaceId: 'ws1' },
      { plan: 'gold' },
      new Date(at),
      false,
      undefined,
      expiresAfterDays(365, at),
    );
    expect((await item('CUSTOMER#line#c1#U1', 'PROFILE'))?.expiresAt).toBe(atSeconds + 365 * DAY);
    await store.customers.recordTurn(
      { ...ref, workspaceId: 'ws1' },
      {},
      new Date(at + 10 * DAY * 1000),
      true,
      undefined,
      expiresAfterDays(90, at + 10 * DAY * 1000),
    );
    expect((await item('CUSTOMER#line#c1#U1', 'PROFILE'))?.expiresAt).toBe(atSeconds + 100 * DAY);
    // Without a setting (seeding, older callers): 365 days.
    await store.customers.touch({ ...ref, userId: 'U2', workspaceId: 'ws1' }, new Date(at));
    expect((await item('CUSTOMER#line#c1#U2', 'PROFILE'))?.expiresAt).toBe(atSeconds + 365 * DAY);
  });

  test('an idle profile past its expiry is gone for readers, and the customer who comes back starts afresh', async () => {
    await store.customers.recordTurn(
      { ...ref, workspaceId: 'ws1' },
      { phone: '0912345678' },
      new Date(at),
      false,
      { memberId: 'M001', method: 'oneTimeCode', verifiedAt: new Date(at).toISOString() },
      expiresAfterDays(1, at),
    );
    expect(await store.customers.get(ref, at + 1000)).toMatchObject({ attributes: { phone: '0912345678' }, binding: { memberId: 'M001' } });
    const later = at + 2 * DAY * 1000;
    // dynalite never deletes it, DynamoDB days later: still in the table, gone for readers.
    expect(await item('CUSTOMER#line#c1#U1', 'PROFILE')).toBeDefined();
    expect(await store.customers.get(ref, later)).toBeUndefined();
    expect((await store.turnReads.load('job-1', 'ws1', { kind: 'line', id: 'c1' }, ref, later)).customer).toBeUndefined();
    await store.customers.recordTurn(
      { ...ref, workspaceId: 'ws1' },
      { plan: 'new' },
      new Date(later),
      false,
      undefined,
      expiresAfterDays(365, later),
    );
    expect(await item('CUSTOMER#line#c1#U1', 'PROFILE')).toEqual(
      expect.objectContaining({
        attributes: { plan: 'new' },
        firstSeenAt: new Date(later).toISOString(),
        expiresAt: later / 1000 + 365 * DAY,
      }),
    );
    expect(await item('CUSTOMER#line#c1#U1', 'PROFILE')).not.toHaveProperty('binding');
  });

  test('an execution log entry: the expiry it is given (30 days when none)', async () => {
    const entry = {
      at: new Date(at).toISOString(),
      jobId: 'j1',
      workspaceId: 'ws1',
      flowId: 'f',
      blockId: 'b',
      customer: 'line:c1:U1',
      method: 'GET',
      url: 'https://x.example/',
      latencyMs: 5,
      outcome: 'success' as const,
      attempt: 1,
    };
    await store.executionLog.append(entry, expiresAfterDays(7, at));
    await store.executionLog.append({ ...entry, jobId: 'j2' });
    const { Items = [] } = await table.doc.send(
      new QueryCommand({
        TableName: 'callcard',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'LOG#ws1#line:c1:U1' },
      }),
    );
    const byJob = Object.fromEntries(Items.map((i) => [String(i.jobId), Number(i.expiresAt)]));
    expect(byJob.j1).toBe(atSeconds + 7 * DAY);
    expect(Math.abs((byJob.j2 ?? 0) - (Math.floor(Date.now() / 1000) + 30 * DAY))).toBeLessThanOrEqual(2);
  });

  test('a simulator entry: the expiry it is given (1 day when none)', async () => {
    const sim = { workspaceId: 'ws1', kind: 'line' as const, channelId: 'c1', userId: 'sim-1' };
    const sk = await store.simulator.put(
      sim,
      { receivedAt: at, jobId: 'j1', part: 'customer' },
      { from: 'customer', at, jobId: 'j1', event: { type: 'follow' } },
      expiresAfterDays(3, at),
    );
    expect((await item('SIM#ws1#line#c1#sim-1', sk))?.expiresAt).toBe(atSeconds + 3 * DAY);
    const sk2 = await store.simulator.put(
      sim,
      { receivedAt: at + 1, jobId: 'j2', part: 'customer' },
      { from: 'customer', at, jobId: 'j2', event: { type: 'follow' } },
    );
    expect(
      Math.abs(Number((await item('SIM#ws1#line#c1#sim-1', sk2))?.expiresAt) - (Math.floor(Date.now() / 1000) + DAY)),
    ).toBeLessThanOrEqual(2);
  });

  test("a job's outbox is listed under its customer (gsi1): listed for an export, deleted for an erasure; another customer's stays", async () => {
    const outbox = (jobId: string): JobState => ({
      jobId,
      deliveries: [{ messages: [{ type: 'text', text: 'Hi M001' }] }],
      sent: 0,
      replyTokenSpent: false,
      replyRefused: false,
      echoed: [],
      done: false,
    });
    await store.jobStates.create(outbox('line:c1:e1'), { workspaceId: 'ws1', customer: 'line:c1:U1' });
    await store.jobStates.create(outbox('line:c1:e2'), { workspaceId: 'ws1', customer: 'line:c1:U1' });
    await store.jobStates.create(outbox('line:c1:e3'), { workspaceId: 'ws1', customer: 'line:c1:U2' });
    expect(await item('JOB#line:c1:e1', 'JOB')).toMatchObject({ gsi1pk: 'JOBS#ws1#line:c1:U1', gsi1sk: 'line:c1:e1' });
    expect((await store.jobStates.listForCustomer('ws1', 'line:c1:U1')).map((j) => j.jobId).sort()).toEqual(['line:c1:e1', 'line:c1:e2']);
    expect(await store.jobStates.listForCustomer('ws2', 'line:c1:U1')).toEqual([]);
    await expect(store.jobStates.deleteForCustomer('ws1', 'line:c1:U1')).resolves.toBe(2);
    expect(await item('JOB#line:c1:e1', 'JOB')).toBeUndefined();
    expect(await store.jobStates.get('line:c1:e3')).toBeDefined();
    // An outbox stored without its owner (before this existed) has no index keys: it lapses after its 15 days.
    await table.doc.send(
      new PutCommand({ TableName: 'callcard', Item: { pk: 'JOB#old', sk: 'JOB', jobId: 'old', deliveries: [], sent: 0 } }),
    );
    await expect(store.jobStates.deleteForCustomer('ws1', 'line:c1:U2')).resolves.toBe(1);
  });
});

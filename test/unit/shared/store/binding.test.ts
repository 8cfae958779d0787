import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import { bindingLapsesAt, liveBinding, type Binding } from '../../../../shared/domain/binding';
import type { CustomerRef } from '../../../../shared/store/customers';
import { createStore, TABLE_DEFINITION, type Store } from '../../../../shared/store/store';
import { createTable, type Table } from '../../../../shared/store/table';

const ref: CustomerRef = { channelKind: 'line', channelId: 'c1', userId: 'U1' };
const member: Binding = { memberId: 'M001', attributes: { name: 'Mei' }, method: 'oneTimeCode', verifiedAt: '2026-03-01T10:00:00.000Z' };

describe('a verified binding on the customer profile', () => {
  let client: DynamoDBClient;
  let table: Table;
  let store: Store;
  const profile = async () =>
    (await table.doc.send(new GetCommand({ TableName: 'callcard', Key: { pk: 'CUSTOMER#line#c1#U1', sk: 'PROFILE' } }))).Item;

  beforeEach(async () => {
    client = createModelDynamoClient({ latencyMs: 0 });
    await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
    table = createTable('callcard', client);
    store = createStore(table);
  });
  afterEach(() => client.destroy());

  test('bind and unbind: on the PROFILE item, conditional (no profile: nothing bound; no binding: nothing removed)', async () => {
    await expect(store.customers.bind(ref, member)).resolves.toBe(false);
    expect(await profile()).toBeUndefined();
    await store.customers.touch({ ...ref, workspaceId: 'ws1' });
    await expect(store.customers.bind(ref, member)).resolves.toBe(true);
    expect((await profile())?.binding).toEqual(member);
    expect((await store.customers.get(ref))?.binding).toEqual(member);
    await expect(store.customers.unbind(ref)).resolves.toBe(true);
    await expect(store.customers.unbind(ref)).resolves.toBe(false);
    expect(await profile()).not.toHaveProperty('binding');
    // The rest of the profile stays.
    expect(await store.customers.get(ref)).toMatchObject({ workspaceId: 'ws1', attributes: {} });
  });

  test("a brand's attribute keys by own keys: __proto__ is no attribute, constructor is one", async () => {
    await store.customers.touch({ ...ref, workspaceId: 'ws1' });
    const attributes = JSON.parse('{"__proto__": "x", "constructor": "c", "name": "Mei"}') as Record<string, string>;
    await store.customers.bind(ref, { ...member, attributes });
    expect((await store.customers.get(ref))?.binding?.attributes).toEqual({ constructor: 'c', name: 'Mei' });
  });

  test("a turn's effects: the binding set or removed in the same write as the attributes, and on a first contact", async () => {
    await store.customers.recordTurn(
      { ...ref, workspaceId: 'ws1' },
      { phone: '0912345678' },
      new Date('2026-03-01T10:00:00Z'),
      false,
      member,
    );
    expect(await store.customers.get(ref)).toMatchObject({ attributes: { phone: '0912345678' }, binding: member });
    await store.customers.recordTurn({ ...ref, workspaceId: 'ws1' }, {}, new Date('2026-03-01T10:01:00Z'), true);
    expect((await store.customers.get(ref))?.binding).toEqual(member);
    await store.customers.recordTurn({ ...ref, workspaceId: 'ws1' }, { plan: 'vip' }, new Date('2026-03-01T10:02:00Z'), true, null);
    expect(await store.customers.get(ref)).toMatchObject({
      attributes: { phone: '0912345678', plan: 'vip' },
      lastInboundAt: '2026-03-01T10:02:00.000Z',
    });
    expect((await store.customers.get(ref))?.binding).toBeUndefined();
    // Erased since the turn read it: the profile comes back, with the binding the turn made.
    await store.customers.delete(ref);
    await store.customers.recordTurn({ ...ref, workspaceId: 'ws1' }, {}, new Date('2026-03-01T10:03:00Z'), true, member);
    expect((await store.customers.get(ref))?.binding).toEqual(member);
  });

  test('erasing the customer erases the binding with the profile', async () => {
    await store.customers.recordTurn({ ...ref, workspaceId: 'ws1' }, {}, new Date(), false, member);
    await store.customers.delete(ref);
    expect(await profile()).toBeUndefined();
  });

  test('lapsing: lapsesAt from the workspace setting, and live until then (or until the current setting says)', () => {
    const at = new Date('2026-03-01T10:00:00.000Z');
    expect(bindingLapsesAt(at, undefined)).toBeUndefined();
    expect(bindingLapsesAt(at, 30)).toBe('2026-03-31T10:00:00.000Z');
    const lapsing = { ...member, lapsesAt: '2026-03-31T10:00:00.000Z' };
    expect(liveBinding(undefined, at.getTime())).toBeUndefined();
    expect(liveBinding(member, Date.parse('2036-01-01T00:00:00Z'))).toBe(member);
    expect(liveBinding(lapsing, Date.parse('2026-03-31T09:59:59.999Z'))).toBe(lapsing);
    expect(liveBinding(lapsing, Date.parse('2026-03-31T10:00:00.000Z'))).toBeUndefined();
    expect(liveBinding(lapsing, Date.parse('2026-03-10T10:00:00.000Z'), 7)).toBeUndefined();
    expect(liveBinding(member, Date.parse('2026-03-05T10:00:00.000Z'), 7)).toBe(member);
  });

  test('the workspace setting bindingLapseDays: none by default, 1 to 3650 days', async () => {
    await expect(store.workspaceSettings.get('ws1')).resolves.not.toHaveProperty('bindingLapseDays');
    await expect(store.workspaceSettings.put('ws1', { bindingLapseDays: 90 })).resolves.toMatchObject({ bindingLapseDays: 90 });
    await expect(store.workspaceSettings.get('ws1')).resolves.toMatchObject({ bindingLapseDays: 90 });
    for (const days of [0, 3651, 1.5]) await expect(store.workspaceSettings.put('ws1', { bindingLapseDays: days })).rejects.toThrow();
  });
});

import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import { createStore, TABLE_DEFINITION, type Store } from '../../../../shared/store/store';
import { createTable, type Table } from '../../../../shared/store/table';
import { workspaceSettingsSchema } from '../../../../shared/store/workspaceSettings';

/** What a workspace has for the settings it never chose: personal attributes and retention (issue 19), no alert rules (issue 21). */
const PRIVACY = {
  personalAttributes: ['phone', 'email', 'memberId'],
  retention: { logDays: 30, simulatorDays: 1, idleCustomerDays: 365 },
  alerts: [],
};

describe('workspace settings', () => {
  let client: DynamoDBClient;
  let table: Table;
  let store: Store;

  beforeEach(async () => {
    client = createModelDynamoClient({ latencyMs: 0 });
    await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
    table = createTable('callcard', client);
    store = createStore(table);
  });
  afterEach(() => client.destroy());

  test('a workspace that saved none has the defaults: no port besides 443, texts in Traditional Chinese', async () => {
    await expect(store.workspaceSettings.get('ws1')).resolves.toEqual({ ...PRIVACY, allowedPorts: [], language: 'zh-TW' });
    await expect(store.workspaceSettings.find('ws1')).resolves.toBeUndefined();
  });

  test('put then get, per workspace; one item WS#<ws> / SETTINGS beside the secrets', async () => {
    await store.secrets.put('ws1', 'API_KEY', 'sk_value');
    await expect(
      store.workspaceSettings.put('ws1', { allowedPorts: [8443, 8080, 8443], language: 'en' }, new Date('2026-01-01T00:00:00Z')),
    ).resolves.toEqual({ ...PRIVACY, allowedPorts: [8080, 8443], language: 'en' });
    await expect(store.workspaceSettings.get('ws1')).resolves.toEqual({ ...PRIVACY, allowedPorts: [8080, 8443], language: 'en' });
    await expect(store.workspaceSettings.find('ws1')).resolves.toEqual({ ...PRIVACY, allowedPorts: [8080, 8443], language: 'en' });
    await expect(store.workspaceSettings.get('ws2')).resolves.toEqual({ ...PRIVACY, allowedPorts: [], language: 'zh-TW' });
    const { Item } = await table.doc.send(new GetCommand({ TableName: 'callcard', Key: { pk: 'WS#ws1', sk: 'SETTINGS' } }));
    expect(Item).toEqual({
      pk: 'WS#ws1',
      sk: 'SETTINGS',
      ...PRIVACY,
      allowedPorts: [8080, 8443],
      language: 'en',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    // The secrets' query of the same partition does not pick it up.
    await expect(store.secrets.list('ws1')).resolves.toEqual([expect.objectContaining({ name: 'API_KEY' })]);
  });

  test('a put replaces the settings whole', async () => {
    await store.workspaceSettings.put('ws1', { allowedPorts: [8443], language: 'en' });
    await store.workspaceSettings.put('ws1', { allowedPorts: [] });
    await expect(store.workspaceSettings.get('ws1')).resolves.toEqual({ ...PRIVACY, allowedPorts: [], language: 'zh-TW' });
  });

  test('settings saved before the language existed read as the default language', async () => {
    await table.doc.send(
      new PutCommand({
        TableName: 'callcard',
        Item: { pk: 'WS#ws1', sk: 'SETTINGS', allowedPorts: [8443], updatedAt: '2025-01-01T00:00:00.000Z' },
      }),
    );
    await expect(store.workspaceSettings.get('ws1')).resolves.toEqual({ ...PRIVACY, allowedPorts: [8443], language: 'zh-TW' });
  });

  test.each([['fr'], ['zh-tw'], ['zh-CN'], [''], [1]])('refuses language %j', (language) => {
    expect(workspaceSettingsSchema.safeParse({ language }).success).toBe(false);
  });

  test.each([[[0]], [[65_536]], [[80.5]], [Array.from({ length: 21 }, (_, i) => 8000 + i)]])(
    'refuses allowedPorts %j',
    async (allowedPorts) => {
      expect(workspaceSettingsSchema.safeParse({ allowedPorts }).success).toBe(false);
      await expect(store.workspaceSettings.put('ws1', { allowedPorts })).rejects.toThrow();
    },
  );

  test('accepts ports 1 and 65535, and 20 of them', () => {
    expect(workspaceSettingsSchema.parse({ allowedPorts: [65_535, 1] }).allowedPorts).toEqual([1, 65_535]);
    expect(workspaceSettingsSchema.parse({ allowedPorts: Array.from({ length: 20 }, (_, i) => 8000 + i) }).allowedPorts).toHaveLength(20);
  });
});

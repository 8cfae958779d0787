import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { javaVersion, startDynamoDbLocal, type DynamoDbLocal } from '../../local/aws/dynamodbLocal';
import { startLocalStack, type LocalStack } from '../../local/localStack';
import { localStackOptionsFromEnv } from '../../local/startOptions';

/**
 * The local stack on AWS's own DynamoDB Local (issue 23): `npm start -- --dynamodb-local`, and one
 * server shared by many stacks (the test suite's `CALLCARD_TEST_DYNAMODB=local`), each stack in a
 * database of its own. Needs Java; without it the tests say so and are skipped (`.ci/run` runs the
 * integration suite on DynamoDB Local only when Java is present).
 */
const java = javaVersion();
const withJava = java ? describe : describe.skip;
if (!java) console.log('dynamodbLocal.test.ts: no java on PATH, DynamoDB Local tests skipped');

describe('npm start -- --dynamodb-local', () => {
  test('the option is read from the command line; anything else is refused', () => {
    expect(localStackOptionsFromEnv({}, ['--dynamodb-local']).dynamodb).toBe('dynamodb-local');
    expect(localStackOptionsFromEnv({}, []).dynamodb).toBeUndefined();
    expect(() => localStackOptionsFromEnv({}, ['--dynamo'])).toThrow('npm start: unknown option --dynamo (known: --dynamodb-local)');
  });
});

withJava('the local stack on DynamoDB Local', () => {
  let server: DynamoDbLocal;
  const stacks: LocalStack[] = [];
  const start = async (options: Parameters<typeof startLocalStack>[0]) => {
    const stack = await startLocalStack({ port: 0, lineApiPort: 0, brandApiPort: 0, messengerApiPort: 0, ...options });
    stacks.push(stack);
    return stack;
  };

  beforeAll(async () => {
    server = await startDynamoDbLocal();
  }, 90_000);

  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
    await server?.stop();
  });

  test('two stacks on one server: each its own database, the demo seeded in each', async () => {
    const a = await start({ dynamodb: { endpoint: server.endpoint } });
    const b = await start({ dynamodb: { endpoint: server.endpoint } });
    expect(a.dynamodbKind).toBe('DynamoDB Local');
    expect(a.endpoints.dynamodb).toBe(server.endpoint);
    expect(a.credentials.accessKeyId).not.toBe(b.credentials.accessKeyId);
    expect(a.seeded && b.seeded).toBe(true);
    // What one stack writes, the other never sees.
    await a.store.workspaceSettings.put('only-in-a', { language: 'en' });
    expect(await a.store.workspaceSettings.get('only-in-a')).toMatchObject({ language: 'en' });
    expect(await b.store.workspaceSettings.get('only-in-a')).not.toMatchObject({ language: 'en' });
    expect((await a.dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(['callcard']);
  }, 90_000);

  test("a stack that starts its own (npm start's --dynamodb-local) is seeded and serves the admin API from it", async () => {
    const stack = await start({ dynamodb: 'dynamodb-local' });
    expect(stack.dynamodbKind).toBe('DynamoDB Local');
    expect(stack.endpoints.dynamodb).not.toBe(server.endpoint);
    const flows = await fetch(`${stack.url}/admin/flows`, { headers: { authorization: `Bearer ${stack.demo.adminKey}` } });
    expect(flows.status).toBe(200);
    expect(JSON.stringify(await flows.json())).toContain('demo');
  }, 120_000);
});

import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AWS_CLIENT_DEFAULTS } from '../../shared/config/awsClients';
import { modelHttpHandler, waitUntil, type ModelCall, type ModelReply } from './modelHttp';

/**
 * DynamoDB on a latency model: a real `DynamoDBClient` whose request handler runs dynalite's own
 * engine in-process (its validations and actions over an in-memory store, no http server, no socket)
 * and answers `latencyMs` after the call left the client. Everything dynalite implements comes with
 * it: condition, update, key-condition and projection expressions, GSIs, ReturnValues, BatchWrite,
 * and the very error bodies (`ConditionalCheckFailedException`, ...) the dynalite server sends.
 */

export interface ModelDynamoOptions {
  /** Added to every call: the reply arrives this long after the request left the client. @default 5 */
  latencyMs?: number;
  /** @default 'us-east-1' */
  region?: string;
  /** Share one engine (one set of tables) between several clients; a new one when absent. */
  engine?: DynaliteEngine;
}

/** dynalite's engine: a store and the actions over it. One engine is one DynamoDB "account". */
export interface DynaliteEngine {
  /** Answers one AWS JSON 1.0 request exactly as dynalite's http listener would. */
  call(target: string, body: string): Promise<ModelReply>;
  close(): void;
}

export function createModelDynamoClient(options: ModelDynamoOptions = {}): DynamoDBClient {
  const latencyMs = options.latencyMs ?? 5;
  const region = options.region ?? 'us-east-1';
  const engine = options.engine ?? createDynaliteEngine();
  const serve = async (call: ModelCall): Promise<ModelReply> => {
    // The engine runs when the request "arrives" (at once); the reply is held until the latency passed.
    const reply = await engine.call(call.target, call.body);
    await waitUntil(call.startedAt, latencyMs, call.signal);
    return reply;
  };
  return new DynamoDBClient({
    ...AWS_CLIENT_DEFAULTS,
    region,
    endpoint: `https://dynamodb.${region}.amazonaws.com`,
    credentials: { accessKeyId: 'model', secretAccessKey: 'model' },
    accountIdEndpointMode: 'disabled',
    // The client's destroy() closes the store only when the client owns it.
    requestHandler: modelHttpHandler(serve, options.engine ? undefined : () => engine.close()),
  });
}

// --- dynalite's internals, as far as they are used here (dynalite ships no types) ---

interface DynaliteError extends Error {
  statusCode?: number;
  body?: unknown;
}
type DynaliteCallback = (error: DynaliteError | null | undefined, data?: unknown) => void;
interface DynaliteStore {
  db: { close(callback: (error?: Error) => void): void };
}
type DynaliteAction = (store: DynaliteStore, data: Record<string, unknown>, callback: DynaliteCallback) => void;
interface DynaliteActionValidation {
  types: Record<string, unknown>;
  custom?: unknown;
}
interface DynaliteValidations {
  checkTypes(data: unknown, types: Record<string, unknown>): Record<string, unknown>;
  checkValidations(data: Record<string, unknown>, types: Record<string, unknown>, custom: unknown, store: DynaliteStore): void;
  toLowerFirst(name: string): string;
}
interface DynaliteDb {
  create(options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number; maxItemSizeKb?: number }): DynaliteStore;
}

/** The operations dynalite's server accepts (its index.js `validOperations`); anything else is an UnknownOperationException there too. */
const OPERATIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'UpdateItem',
  'UpdateTable',
] as const;
const API_VERSIONS = ['DynamoDB_20111205', 'DynamoDB_20120810'];
/** Operations after which dynalite changes the table's status on a timer. */
const TABLE_LIFECYCLE = new Set(['CreateTable', 'UpdateTable', 'DeleteTable']);

const load = createRequire(__filename);
let modules:
  | {
      db: DynaliteDb;
      validations: DynaliteValidations;
      operations: Map<string, { action: DynaliteAction; validation: DynaliteActionValidation }>;
      crc32: (body: string) => number;
    }
  | undefined;

/** dynalite's modules, loaded once: the same files its index.js requires. */
function dynaliteModules(): NonNullable<typeof modules> {
  if (!modules) {
    const validations = load('dynalite/validations') as DynaliteValidations;
    const operations = new Map(
      OPERATIONS.map((operation) => {
        const name = validations.toLowerFirst(operation);
        return [
          operation,
          {
            action: load(`dynalite/actions/${name}`) as DynaliteAction,
            validation: load(`dynalite/validations/${name}`) as DynaliteActionValidation,
          },
        ] as const;
      }),
    );
    // The checksum dynalite puts in x-amz-crc32, from its own dependency (node:zlib's crc32 needs Node 20.15).
    const crc32 = createRequire(load.resolve('dynalite/package.json'))('buffer-crc32') as { unsigned(body: string): number };
    modules = { db: load('dynalite/db') as DynaliteDb, validations, operations, crc32: (body) => crc32.unsigned(body) };
  }
  return modules;
}

/**
 * A dynalite store (in memory, tables ACTIVE at once) and the request handling of dynalite's http
 * listener minus the http: parse, check the target, check types and validations, run the action,
 * and answer with its status and body (`sendData`'s headers: x-amzn-RequestId, x-amz-crc32).
 * Signature headers are not checked (the server only checks they are present).
 */
export function createDynaliteEngine(): DynaliteEngine {
  const { db, validations, operations, crc32 } = dynaliteModules();
  const store = db.create({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });

  function send(data: unknown, status = 200): ModelReply {
    const body = JSON.stringify(data);
    return { status, body, headers: { 'x-amzn-requestid': randomUUID(), 'x-amz-crc32': String(crc32(body)) } };
  }

  function failure(error: unknown): ModelReply {
    const e = error as DynaliteError;
    if (e && typeof e.statusCode === 'number') return send(e.body, e.statusCode);
    // dynalite's server would crash on these; a 500 lets the caller see them.
    return send({ __type: 'com.amazon.coral.service#InternalFailure', message: e instanceof Error ? e.message : String(error) }, 500);
  }

  function run(action: DynaliteAction, input: Record<string, unknown>): Promise<ModelReply> {
    return new Promise<ModelReply>((resolve) => {
      try {
        action(store, input, (error, result) => resolve(error ? failure(error) : send(result)));
      } catch (error) {
        resolve(failure(error));
      }
    });
  }

  /** Until the table is ACTIVE or gone (a deleted one). */
  async function settle(tableName: string): Promise<void> {
    const describe = operations.get('DescribeTable');
    if (!describe) return;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const reply = await run(describe.action, { TableName: tableName });
      const status = reply.status === 200 ? (JSON.parse(reply.body) as { Table?: { TableStatus?: string } }).Table?.TableStatus : 'GONE';
      if (status === 'ACTIVE' || status === 'GONE') return;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  return {
    async call(target, body) {
      let data: unknown;
      try {
        data = body ? JSON.parse(body) : undefined;
      } catch {
        return send({ __type: 'com.amazon.coral.service#SerializationException' }, 400);
      }
      const [api, operationName, ...rest] = target.split('.');
      const operation = rest.length === 0 && api && API_VERSIONS.includes(api) && operationName ? operations.get(operationName) : undefined;
      if (!operation) return send({ __type: 'com.amazon.coral.service#UnknownOperationException' }, 400);
      if (!body) return send({ __type: 'com.amazon.coral.service#SerializationException' }, 400);
      let input: Record<string, unknown>;
      try {
        input = validations.checkTypes(data, operation.validation.types);
        validations.checkValidations(input, operation.validation.types, operation.validation.custom, store);
      } catch (error) {
        return failure(error);
      }
      const reply = await run(operation.action, input);
      // dynalite flips a new table to ACTIVE on a timer after it answered (createTableMs: 0 still
      // takes a few ticks): the reply (TableStatus CREATING, as dynalite sends it) waits for that, so
      // the next call finds the table, as it does over a socket.
      if (reply.status === 200 && TABLE_LIFECYCLE.has(operationName ?? '')) await settle(String(input.TableName));
      return reply;
    },
    close() {
      store.db.close(() => undefined);
    },
  };
}

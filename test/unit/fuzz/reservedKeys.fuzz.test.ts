import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import * as fc from 'fast-check';
import { handleAdminRequest } from '../../../functions/admin/handleAdminRequest';
import { handleLineWebhook } from '../../../functions/line-webhook/handleLineWebhook';
import { createModelDynamoClient } from '../../../local/aws/modelDynamo';
import { signLineBody } from '../../../local/lineWebhookBody';
import { seedDemo, type DemoSettings } from '../../../local/seedDemo';
import { executeCallApi } from '../../../shared/engine/callApi';
import { runTurn } from '../../../shared/engine/runTurn';
import { validateFlow } from '../../../shared/flow/validateFlow';
import type { TurnJob } from '../../../shared/jobs/job';
import type { JobQueue } from '../../../shared/jobs/jobQueue';
import { createLogger } from '../../../shared/logging/logger';
import { createStore, TABLE_DEFINITION, type Store } from '../../../shared/store/store';
import { createTable } from '../../../shared/store/table';

/**
 * Issue 24: `__proto__`, `constructor` and `prototype` in every map of a flow, a webhook and a brand
 * answer, with fast-check, on the real code paths (the admin API and the store on the in-memory
 * DynamoDB model, the LINE webhook, a card's call and the turn):
 *
 * - a flow with one in any of its maps is refused the same by validate and save (400, the key's path);
 * - a signed webhook or a simulated customer carrying them is served (never a 5xx) and keeps them;
 * - a brand answer holding them at any depth, saved to attributes, is stored and read back as it came,
 *   but for `__proto__` keys, which no store keeps.
 */
const runs = Number(process.env.FUZZ_RUNS ?? 150);
const RESERVED = ['__proto__', 'constructor', 'prototype'] as const;

const DEMO: DemoSettings = {
  workspaceId: 'demo',
  lineChannelId: 'demo-line',
  lineChannelSecret: 'demo-line-secret',
  lineAccessToken: 'token',
  messengerPageId: 'demo-messenger',
  messengerAppSecret: 'demo-messenger-secret',
  messengerVerifyToken: 'verify',
  messengerPageToken: 'page-token',
  adminKey: 'demo-admin-key',
  signingSecret: `whsec_${Buffer.from('callcard-demo-signing-secret-32b').toString('base64')}`,
  brandUrl: 'https://brand.example',
};

const client = createModelDynamoClient({ latencyMs: 0 });
let store: Store;
const queued: TurnJob[] = [];
const queue: JobQueue = {
  async send(job) {
    queued.push(job);
  },
};
const logger = createLogger('fuzz', { logLevel: 'SILENT' });

beforeAll(async () => {
  await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
  store = createStore(createTable('callcard', client));
  await seedDemo(store, DEMO);
});

afterAll(() => client.destroy());

/** An object with `key` as its own property, whatever the key (`__proto__` too), as JSON.parse makes it. */
function withOwn(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** A flow with every kind of map: headers, JSON body (nested, in a list), form fields, saveToAttributes, set, block ids. */
function baseFlow(): Record<string, unknown> {
  return {
    schemaVersion: 1,
    name: 'maps',
    triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
    blocks: {
      card: {
        type: 'callApi',
        request: {
          method: 'POST',
          url: 'https://api.example.com/v1',
          headers: { 'x-a': '1' },
          body: { type: 'json', value: { order: { id: '{{ attributes.n }}' }, list: [{ k: 'v' }] } },
        },
        saveToAttributes: { n: 'response.body.n' },
        onSuccess: 'form',
        onFailure: 'ask',
      },
      form: {
        type: 'callApi',
        request: { method: 'POST', url: 'https://api.example.com/f', body: { type: 'form', fields: { a: '1' } } },
        onSuccess: 'set',
      },
      set: { type: 'setAttributes', set: { x: '1' }, next: 'ask' },
      ask: { type: 'question', prompt: 'Name?', input: { type: 'text' }, saveAs: 'answer', next: 'cond' },
      cond: { type: 'condition', branches: [{ when: { op: 'exists', attribute: 'answer' }, next: 'end' }], otherwise: 'end' },
      end: { type: 'end' },
    },
  };
}

/** Where a name goes: as a key of a map (with the value it holds there), or as a value that becomes a key (an attribute name). */
const MAP_SPOTS: Array<{ path: string; value: unknown; anyCase?: boolean }> = [
  { path: 'blocks', value: { type: 'end' } },
  { path: 'blocks.card.request.headers', value: 'x', anyCase: true },
  { path: 'blocks.card.request.body.value', value: { admin: true } },
  { path: 'blocks.card.request.body.value.order', value: 'x' },
  { path: 'blocks.card.request.body.value.list.0', value: 'x' },
  { path: 'blocks.form.request.body.fields', value: 'x' },
  { path: 'blocks.card.saveToAttributes', value: 'response.body' },
  { path: 'blocks.set.set', value: 'x' },
];
const VALUE_SPOTS = ['blocks.ask.saveAs', 'blocks.cond.branches.0.when.attribute'];

function nodeAt(root: Record<string, unknown>, path: string): Record<string, unknown> {
  let node: unknown = root;
  for (const key of path.split('.')) node = (node as Record<string, unknown>)[key];
  return node as Record<string, unknown>;
}

/** A flow with a reserved name put in one spot, as the JSON text a client sends, and the path it must be refused at. */
const flowWithReserved = fc.oneof(
  fc
    .record({ spot: fc.constantFrom(...MAP_SPOTS), name: fc.constantFrom(...RESERVED), upper: fc.boolean() })
    .map(({ spot, name, upper }) => {
      const flow = baseFlow();
      const key = spot.anyCase && upper ? name.toUpperCase() : name;
      withOwn(nodeAt(flow, spot.path), key, spot.value);
      return { json: JSON.stringify(flow), path: `flow.${spot.path}.${key}` };
    }),
  fc.record({ spot: fc.constantFrom(...VALUE_SPOTS), name: fc.constantFrom(...RESERVED) }).map(({ spot, name }) => {
    const flow = baseFlow();
    const parts = spot.split('.');
    nodeAt(flow, parts.slice(0, -1).join('.'))[parts.at(-1) ?? ''] = name;
    return { json: JSON.stringify(flow), path: `flow.${spot}` };
  }),
);

async function admin(method: string, path: string, rawBody: string) {
  const result = await handleAdminRequest(
    {
      method,
      path,
      headers: { authorization: `Bearer ${DEMO.adminKey}`, 'content-type': 'application/json' },
      query: {},
      rawBody: Buffer.from(rawBody),
    },
    { store, fetch: () => Promise.reject(new Error('no calls in this test')), jobs: queue, logger },
  );
  return { status: result.statusCode, body: result.body as { problems?: Array<{ path: string }> } };
}

describe('reserved names in every map of a flow', () => {
  test('the flow without them validates and saves (the property below tests the names, not the flow)', async () => {
    expect(validateFlow(baseFlow()).ok).toBe(true);
    expect((await admin('POST', '/admin/flows', JSON.stringify({ flowId: 'maps-base', flow: baseFlow() }))).status).toBe(201);
  });

  test('refused the same by validate and save: 400 at the path, never a 500 nor a saved version', async () => {
    let saves = 0;
    await fc.assert(
      fc.asyncProperty(flowWithReserved, async ({ json, path }) => {
        saves += 1;
        const validated = await admin('POST', '/admin/flows/validate', `{"flow":${json}}`);
        const saved = await admin('POST', '/admin/flows', `{"flowId":"maps-${saves}","flow":${json}}`);
        expect([validated.status, saved.status]).toEqual([400, 400]);
        const paths = (validated.body.problems ?? []).map((p) => p.path);
        expect(paths).toContain(path);
        expect((saved.body.problems ?? []).map((p) => p.path)).toEqual(paths);
      }),
      { numRuns: runs },
    );
    expect((await store.flows.list('demo')).map((f) => f.flowId)).toEqual(['demo', 'maps-base']);
  });
});

/** Keys as a hostile sender picks them: the reserved names, Object.prototype's members, anything. */
const key = fc.oneof(fc.constantFrom(...RESERVED, 'toString', 'valueOf', 'hasOwnProperty', 'name', 'length'), fc.string({ maxLength: 6 }));
/** JSON values with such keys at any depth, built as JSON.parse builds them (each key its own property). */
const { value: hostileJson } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 10 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc
      .array(fc.tuple(key, tie('value')), { maxLength: 4 })
      .map((entries) => entries.reduce<Record<string, unknown>>((object, [k, v]) => withOwn(object, k, v), {})),
  ),
}));

/** What a store gives back of a value: the same, but for `__proto__` keys (none is ever stored). */
function storable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(storable);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) if (k !== '__proto__') withOwn(out, k, storable((value as Record<string, unknown>)[k]));
  return out;
}

describe('reserved names in brand answers', () => {
  const flow = validateFlow({
    schemaVersion: 1,
    name: 'brand',
    triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
    blocks: {
      card: {
        type: 'callApi',
        request: { url: 'https://brand.example/v1' },
        saveToAttributes: { member: 'response.body', first: 'response.body.constructor' },
        onSuccess: 'ok',
      },
      ok: { type: 'message', messages: [{ type: 'text', text: 'ok' }] },
    },
  });

  test('saved to attributes at any depth: the turn ends, and the store keeps each key as its own (but __proto__)', async () => {
    if (!flow.ok) throw new Error(JSON.stringify(flow.problems));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .dictionary(key, hostileJson, { maxKeys: 4 })
          .chain((top) => hostileJson.map((inner) => withOwn({ ...top }, 'constructor', inner))),
        async (answer) => {
          n += 1;
          const text = JSON.stringify(answer);
          const result = await runTurn(
            {
              flow: flow.flow,
              flowRef: { flowId: 'brand', version: 1 },
              event: { type: 'text', text: 'go' },
              session: undefined,
              customer: { id: `U${n}`, channel: 'line', attributes: {} },
            },
            {
              callApi: (_id, block, context) =>
                executeCallApi(
                  { block, context, secrets: {}, idempotencyKey: `k${n}` },
                  {
                    fetch: async () => ({
                      status: 200,
                      headers: { 'content-type': 'application/json' },
                      body: text,
                      url: 'https://brand.example/v1',
                      latencyMs: 1,
                    }),
                  },
                ),
            },
          );
          expect(result.messages).toEqual([{ type: 'text', text: 'ok' }]);
          const ref = { channelKind: 'line' as const, channelId: 'demo-line', userId: `U-brand-${n}`, workspaceId: 'demo' };
          await store.customers.recordTurn(ref, result.attributes, new Date(), false);
          const stored = (await store.customers.get(ref))?.attributes ?? {};
          const expected = storable(JSON.parse(text));
          expect(stored.member).toEqual(expected);
          expect(Object.keys(stored.member as object)).toEqual(Object.keys(expected as object));
          expect(Object.getPrototypeOf(stored.member)).toBe(Object.prototype);
        },
      ),
      { numRuns: runs },
    );
  });
});

describe('reserved names in webhooks and the simulator', () => {
  /** Postback data and LINE's params naming them. */
  const postback = fc.record({
    data: fc
      .array(fc.tuple(key, fc.string({ maxLength: 6 })), { maxLength: 4 })
      .map((pairs) => new URLSearchParams([['action', 'my_tickets'], ...pairs]).toString()),
    params: fc
      .array(fc.tuple(fc.constantFrom(...RESERVED, 'date'), fc.string({ maxLength: 6 })), { maxLength: 3 })
      .map((pairs) => pairs.reduce<Record<string, unknown>>((o, [k, v]) => withOwn(o, k, v), {})),
  });

  test('a signed LINE postback carrying them is served and queued with them as parameters', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(postback, async ({ data, params }) => {
        n += 1;
        const body = JSON.stringify({
          destination: 'U0',
          events: [
            {
              type: 'postback',
              mode: 'active',
              timestamp: Date.now(),
              webhookEventId: `01RESERVED${n}${Date.now()}`,
              replyToken: `rt${n}`,
              deliveryContext: { isRedelivery: false },
              source: { type: 'user', userId: `U-hook-${n}` },
              postback: { data, params },
            },
          ],
        });
        const before = queued.length;
        const result = await handleLineWebhook(
          {
            channelId: DEMO.lineChannelId,
            rawBody: Buffer.from(body),
            headers: { 'x-line-signature': signLineBody(body, DEMO.lineChannelSecret) },
          },
          { store, queue, logger },
        );
        expect(result.statusCode).toBe(200);
        const job = queued.slice(before).find((j) => j.userId === `U-hook-${n}`);
        expect(job?.event).toMatchObject({ type: 'postback', data });
      }),
      { numRuns: runs },
    );
  });

  test('the simulated customer may send them too: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(postback, async ({ data, params }) => {
        const sent = await admin(
          'POST',
          `/admin/simulator/line/${DEMO.lineChannelId}/sim-fuzz`,
          JSON.stringify({ event: { type: 'postback', data, params } }),
        );
        expect(sent.status).toBeLessThan(300);
      }),
      { numRuns: runs },
    );
    const read = await handleAdminRequest(
      {
        method: 'GET',
        path: `/admin/simulator/line/${DEMO.lineChannelId}/sim-fuzz`,
        headers: { authorization: `Bearer ${DEMO.adminKey}` },
        query: {},
        rawBody: Buffer.alloc(0),
      },
      { store, fetch: () => Promise.reject(new Error('none')), jobs: queue, logger },
    );
    expect(read.statusCode).toBe(200);
  });
});

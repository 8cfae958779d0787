import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalStack } from '../../local/localStack';
import { DEMO_ORDERS_API_KEY } from '../../local/demoBrandApi';
import type { FlowInput } from '../../shared/flow/schema';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startFakeBrand, startTestStack, type FakeBrand } from '../support/localStackHarness';

/**
 * Import a card (issue 21) through the admin API on the local stack: a curl line and an OpenAPI
 * document (given, and fetched by URL through the guarded outbound path) become cards that validate
 * and dry-run against the demo brand; a secret's value is stored when asked and never answered.
 */

const ORDERS_DOCUMENT = fs.readFileSync(path.join(__dirname, '../fixtures/import/openapi/order-status.yaml'), 'utf8');
const FIXTURES = path.join(__dirname, '../fixtures/import');
/** The real curl lines (each file without its `# source` line) and the five OpenAPI documents. */
const CURL_LINES = fs
  .readdirSync(path.join(FIXTURES, 'curl'))
  .filter((f) => f.endsWith('.sh'))
  .sort()
  .map(
    (f) =>
      [
        f,
        fs
          .readFileSync(path.join(FIXTURES, 'curl', f), 'utf8')
          .split('\n')
          .filter((line) => !line.startsWith('#'))
          .join('\n'),
      ] as const,
  );
const DOCUMENTS = fs
  .readdirSync(path.join(FIXTURES, 'openapi'))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((f) => [f, fs.readFileSync(path.join(FIXTURES, 'openapi', f), 'utf8')] as const);

type Schema = Record<string, unknown>;
/** A body that satisfies a contract's JSON Schema (what a brand that keeps its word answers). */
function sampleOf(schema: Schema, depth = 0): unknown {
  if (depth > 8) return {};
  if (Array.isArray(schema.allOf)) return Object.assign({}, ...(schema.allOf as Schema[]).map((part) => sampleOf(part, depth + 1)));
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (alternatives?.[0]) return sampleOf(alternatives[0], depth + 1);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  if (type === 'array') return [sampleOf((schema.items as Schema | undefined) ?? {}, depth + 1)];
  if (type === 'object' || schema.properties)
    return Object.fromEntries(
      Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}).map(([k, v]) => [k, sampleOf(v, depth + 1)]),
    );
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return true;
  if (schema.format === 'uri') return 'https://brand.example/x';
  return 'x';
}

/** The card's address moved to the stand-in (same path and query): a dry run calls it instead of the brand. */
const toStandIn = (card: { request: { url: string } }, standIn: string) => ({
  ...card,
  request: { ...card.request, url: card.request.url.replace(/^https?:\/\/[^/?#]+/, standIn) },
});
/** A value for every attribute the card reads. */
const attributesOf = (card: unknown): Record<string, string> =>
  Object.fromEntries([...JSON.stringify(card).matchAll(/attributes\.([A-Za-z_]\w*)/g)].map((m) => [m[1] as string, 'A123']));

/** A one-card flow around an imported card, as the console's card form would save it. */
/** The order-status follow-up by default; `followUp` for a card whose contract has no `id` or `status` (a save checks what a follow-up reads against the card's contract). */
function flowWith(card: unknown, followUp = 'Order {{ response.body.id }}: {{ response.body.status }}'): FlowInput {
  return {
    schemaVersion: 1,
    name: 'Imported',
    triggers: [{ type: 'keyword', keywords: ['order'], start: 'imported' }],
    blocks: {
      imported: { ...(card as object), onSuccess: 'show' } as FlowInput['blocks'][string],
      show: { type: 'message', messages: [{ type: 'text', text: followUp }] },
    },
  };
}

describe('admin import routes', () => {
  let stack: LocalStack;
  let admin: AdminClient;
  let docs: FakeBrand;
  let standIn: FakeBrand;
  /** What the stand-in answers next (a body that keeps the card's contract). */
  let standInBody: unknown = {};
  let documentText: string;

  beforeAll(async () => {
    // Where a brand publishes its document (allow-listed, as the local stack's stand-ins are).
    docs = await startFakeBrand((req, res) => {
      res.writeHead(req.url === '/openapi.yaml' ? 200 : 404, { 'content-type': 'application/yaml' });
      res.end(req.url === '/openapi.yaml' ? documentText : 'not found');
    });
    // Every imported card's brand, for the dry runs of the fixtures: it answers what the contract says.
    standIn = await startFakeBrand((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(standInBody));
    });
    stack = await startTestStack({ extraAllowHttpHosts: [docs.host, standIn.host] });
    // The order-status document, with the demo brand's address as its server.
    documentText = ORDERS_DOCUMENT.replace('https://api.brand.example', stack.brandApi.url);
    admin = adminClient(stack, stack.demo.adminKey);
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    await docs.close();
    await standIn.close();
  });

  async function dryRun(card: unknown, attributes: Record<string, unknown> = {}, followUp?: string) {
    const reply = await admin.call('POST', '/admin/dry-run', { flow: flowWith(card, followUp), blockId: 'imported', attributes });
    expect(reply.status).toBe(200);
    return reply.body as {
      outcome: { ok: boolean; reason?: string };
      response: { status: number; body: { id?: string; status?: string } } | null;
      followUp: { messages: unknown[] };
    };
  }

  test('a curl line: the key header becomes a secret stored under the name asked, never answered; the card dry-runs against the demo brand', async () => {
    const curl = `curl -sS '${stack.brandApi.url}/orders/A123' \\\n  -H 'x-api-key: ${DEMO_ORDERS_API_KEY}' \\\n  -H 'Accept: application/json'`;
    const offered = await admin.call('POST', '/admin/import/curl', { curl });
    expect(offered.status).toBe(200);
    expect(offered.body).toMatchObject({
      card: {
        type: 'callApi',
        request: {
          method: 'GET',
          url: `${stack.brandApi.url}/orders/A123`,
          headers: { 'x-api-key': '{{ secrets.API_KEY }}', Accept: 'application/json' },
        },
      },
      secrets: [{ name: 'API_KEY', header: 'x-api-key', allowedHosts: ['127.0.0.1'], from: '-H x-api-key', valueOffered: true }],
    });
    const stored = await admin.call('POST', '/admin/import/curl', {
      curl,
      storeSecrets: [{ name: 'API_KEY', storeAs: 'IMPORTED_ORDERS_KEY', allowedHosts: ['127.0.0.1'] }],
    });
    expect(stored.status).toBe(200);
    const answer = stored.body as { card: { request: { headers: Record<string, string> } }; secrets: unknown[] };
    expect(answer.card.request.headers['x-api-key']).toBe('{{ secrets.IMPORTED_ORDERS_KEY }}');
    expect(answer.secrets).toEqual([
      {
        name: 'IMPORTED_ORDERS_KEY',
        header: 'x-api-key',
        allowedHosts: ['127.0.0.1'],
        from: '-H x-api-key',
        valueOffered: true,
        stored: true,
      },
    ]);
    const secrets = await admin.call('GET', '/admin/secrets');
    expect(secrets.body).toMatchObject({
      secrets: expect.arrayContaining([expect.objectContaining({ name: 'IMPORTED_ORDERS_KEY', allowedHosts: ['127.0.0.1'] })]),
    });

    const result = await dryRun(answer.card);
    expect(result.outcome.ok).toBe(true);
    expect(result.response?.body).toMatchObject({ id: 'A123', status: 'shipped' });
    expect(JSON.stringify(result.followUp.messages)).toContain('Order A123: shipped');
    // The key went to the brand, and into no answer of the admin API.
    expect(stack.brandApi.requests().some((r) => r.path === '/orders/A123' && r.headers['x-api-key'] === DEMO_ORDERS_API_KEY)).toBe(true);
    for (const body of admin.bodies) expect(body).not.toContain(DEMO_ORDERS_API_KEY);
  });

  test('an OpenAPI document: the operations, then the order-status card with its contract and field pickers; it dry-runs with the id as an attribute', async () => {
    const listed = await admin.call('POST', '/admin/import/openapi', { document: documentText });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      title: 'Demo brand orders',
      operations: [
        { operationId: 'getOrder', method: 'GET', path: '/orders/{id}', summary: "An order's status and items" },
        { operationId: 'createOrder', method: 'POST', path: '/orders', summary: 'Place an order' },
      ],
    });
    const picked = await admin.call('POST', '/admin/import/openapi', { document: documentText, operationId: 'getOrder' });
    expect(picked.status).toBe(200);
    const imported = (
      picked.body as {
        imported: {
          card: { request: unknown; contract: { body: { required: string[] } } };
          secrets: unknown[];
          responseFields: Array<{ path: string }>;
        };
      }
    ).imported;
    expect(imported.card.request).toEqual({
      method: 'GET',
      url: `${stack.brandApi.url}/orders/{{ attributes.id }}`,
      headers: { 'x-api-key': '{{ secrets.API_KEY }}' },
      body: { type: 'none' },
      includeProfile: false,
    });
    expect(imported.card.contract.body.required).toEqual(['id', 'status', 'items']);
    expect(imported.responseFields.map((f) => f.path)).toContain('response.body.items[].name');
    expect(imported.secrets).toEqual([
      { name: 'API_KEY', header: 'x-api-key', allowedHosts: ['127.0.0.1'], from: 'securityScheme ordersKey', valueOffered: false },
    ]);

    expect((await admin.call('PUT', '/admin/secrets/API_KEY', { value: DEMO_ORDERS_API_KEY, allowedHosts: ['127.0.0.1'] })).status).toBe(
      200,
    );
    const result = await dryRun(imported.card, { id: 'a123' });
    expect(result.outcome.ok).toBe(true);
    expect(result.response?.body).toMatchObject({ id: 'A123', status: 'shipped' });
    // The imported card, contract included, saves as part of a flow.
    const saved = await admin.call('POST', '/admin/flows', { flowId: 'imported-orders', flow: flowWith(imported.card) });
    expect(saved.status).toBe(201);
  });

  test('a document by URL is fetched through the guarded outbound path: an allow-listed stand-in answers, a private address is refused', async () => {
    const fetched = await admin.call('POST', '/admin/import/openapi', { url: `${docs.url}/openapi.yaml`, operationId: 'createOrder' });
    expect(fetched.status).toBe(200);
    expect((fetched.body as { imported: { card: { request: { body: unknown } } } }).imported.card.request.body).toEqual({
      type: 'json',
      value: {
        memberId: '{{ attributes.memberId }}',
        channel: 'line',
        items: [{ sku: '{{ attributes.sku }}', qty: '{{ attributes.qty }}' }],
      },
    });
    expect(docs.requests.map((r) => r.url)).toEqual(['/openapi.yaml']);
    const refused = await admin.call('POST', '/admin/import/openapi', { url: 'http://10.0.0.1/openapi.json' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: 'cannot import',
      problems: [{ path: 'url', message: expect.stringMatching(/^the document could not be fetched \(blocked\)/) }],
    });
    const missing = await admin.call('POST', '/admin/import/openapi', { url: `${docs.url}/gone.yaml` });
    expect(missing.body).toMatchObject({ problems: [{ path: 'url', message: "the document's URL answered 404" }] });
  });

  test('what cannot be imported is a 400 with why', async () => {
    const head = await admin.call('POST', '/admin/import/curl', { curl: 'curl -I https://api.brand.example/x' });
    expect([head.status, head.body]).toEqual([
      400,
      { error: 'cannot import: -I: cards cannot do HEAD requests: cards send GET, POST, PUT, PATCH or DELETE', problems: [] },
    ]);
    const external = await admin.call('POST', '/admin/import/openapi', {
      document: documentText.replace('$ref: "#/components/schemas/Order"', '$ref: "file:///etc/passwd"'),
    });
    expect(external.status).toBe(400);
    expect(external.body).toMatchObject({ error: expect.stringMatching(/^cannot import: the document refers to file:\/\/\/etc\/passwd/) });
    const both = await admin.call('POST', '/admin/import/openapi', { document: documentText, url: `${docs.url}/openapi.yaml` });
    expect(both.body).toMatchObject({ problems: [{ path: 'document', message: 'give the document or its url, one of them' }] });
    const placeholder = await admin.call('POST', '/admin/import/curl', {
      curl: "curl https://api.brand.example/x -H 'Authorization: Bearer <TOKEN>'",
      storeSecrets: [{ name: 'BRAND_TOKEN', allowedHosts: ['api.brand.example'] }],
    });
    expect(placeholder.body).toMatchObject({
      problems: [
        {
          path: 'storeSecrets',
          message: 'the source holds no value for BRAND_TOKEN (only a placeholder): store it with PUT /admin/secrets/BRAND_TOKEN',
        },
      ],
    });
  });

  /** Dry-run an imported card against the stand-in; its secrets stored (bound to it) first. */
  async function dryRunAtStandIn(
    name: string,
    card: { request: { url: string; method?: string }; contract?: { body: Schema } },
    secrets: Array<{ name: string; header: string }>,
  ) {
    for (const secret of secrets.filter((s) => s.header)) {
      expect(
        (await admin.call('PUT', `/admin/secrets/${secret.name}`, { value: `value-of-${secret.name}`, allowedHosts: ['127.0.0.1'] }))
          .status,
      ).toBe(200);
    }
    standInBody = card.contract ? sampleOf(card.contract.body) : { ok: true };
    const before = standIn.requests.length;
    const result = await dryRun(toStandIn(card, standIn.url), attributesOf(card), 'Done.');
    expect([name, result.outcome]).toEqual([name, expect.objectContaining({ ok: true })]);
    const sent = standIn.requests.slice(before);
    expect([name, sent.length]).toEqual([name, 1]);
    expect([name, sent[0]?.method]).toEqual([name, card.request.method ?? 'GET']);
    for (const secret of secrets.filter((s) => s.header))
      expect([name, sent[0]?.headers[secret.header.toLowerCase()]]).toEqual([name, expect.stringContaining(`value-of-${secret.name}`)]);
  }

  test('every real curl line imports into a card that holds no credential, validates and dry-runs against a stand-in', async () => {
    expect(CURL_LINES.length).toBeGreaterThanOrEqual(15);
    for (const [file, curl] of CURL_LINES) {
      const answer = await admin.call('POST', '/admin/import/curl', { curl });
      expect([file, answer.status]).toEqual([file, 200]);
      const imported = answer.body as {
        card: { request: { url: string; method?: string } };
        secrets: Array<{ name: string; header: string; valueOffered: boolean }>;
      };
      // The answer holds no secret value, and the card none of the line's credentials (their values are in the line only).
      expect(JSON.stringify(imported)).not.toMatch(
        /sk_test_4eC39HqLyjWDarjtT1zdp7dc|7f3e9b1c2d4a6e8f0a1b3c5d7e9f1a2b|Vq8xR2mN7pL4kJ6hG3fD1sA9zX5cB0nM|demo-brand-key-123/,
      );
      await dryRunAtStandIn(file, imported.card, imported.secrets);
    }
  }, 60_000);

  test('every operation of the five OpenAPI documents imports into a card that validates and dry-runs against a stand-in', async () => {
    expect(DOCUMENTS.map(([file]) => file)).toEqual([
      'line-liff.yml',
      'order-status.yaml',
      'petstore-expanded.yaml',
      'petstore.yaml',
      'uspto.yaml',
    ]);
    let operations = 0;
    for (const [file, document] of DOCUMENTS) {
      const listed = await admin.call('POST', '/admin/import/openapi', { document });
      expect([file, listed.status]).toEqual([file, 200]);
      for (const { operationId } of (listed.body as { operations: Array<{ operationId: string }> }).operations) {
        const picked = await admin.call('POST', '/admin/import/openapi', { document, operationId });
        expect([file, operationId, picked.status]).toEqual([file, operationId, 200]);
        const imported = (
          picked.body as {
            imported: {
              card: { request: { url: string; method?: string }; contract?: { body: Schema } };
              secrets: Array<{ name: string; header: string; valueOffered: boolean }>;
            };
          }
        ).imported;
        expect(imported.secrets.every((s) => !s.valueOffered)).toBe(true);
        await dryRunAtStandIn(`${file} ${operationId}`, imported.card, imported.secrets);
        operations++;
      }
    }
    expect(operations).toBe(16);
  }, 60_000);
});

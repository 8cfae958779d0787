import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImportError } from '../../../../shared/import/importedCard';
import { importOperation, listOperations, loadOpenApi, type OpenApiDocument } from '../../../../shared/import/openapi';

const ROOT = path.join(__dirname, '../../../..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

let orders: OpenApiDocument;
let petstore: OpenApiDocument;
let line: OpenApiDocument;
/** The five documents of test/fixtures/import/openapi (SOURCES.md there names each one's source). */
const FIXTURES = ['order-status.yaml', 'petstore.yaml', 'petstore-expanded.yaml', 'uspto.yaml', 'line-liff.yml'];
const documents = new Map<string, OpenApiDocument>();

beforeAll(async () => {
  orders = await loadOpenApi(read('test/fixtures/import/openapi/order-status.yaml'));
  petstore = await loadOpenApi(read('test/fixtures/import/openapi/petstore.yaml'));
  // LINE's own Messaging API document, as the repository ships it for the LINE stand-in (local/line-openapi).
  line = await loadOpenApi(read('local/line-openapi/messaging-api.yml'));
  for (const file of FIXTURES) documents.set(file, await loadOpenApi(read(`test/fixtures/import/openapi/${file}`)));
}, 30_000);

test('the fixtures are five real documents, each with its source on its first line and in SOURCES.md', () => {
  const dir = path.join(ROOT, 'test/fixtures/import/openapi');
  expect(
    fs
      .readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort(),
  ).toEqual([...FIXTURES].sort());
  const sources = read('test/fixtures/import/openapi/SOURCES.md');
  for (const file of FIXTURES) {
    expect(read(`test/fixtures/import/openapi/${file}`)).toMatch(/^# .+\(.+\)/);
    expect(sources).toContain(`\`${file}\``);
  }
});

test('every operation of the five documents imports into a card that validates, with no secret value in it', () => {
  let count = 0;
  for (const [file, document] of documents) {
    for (const { operationId } of listOperations(document)) {
      // importOperation checks the card as a flow would (checkImportedCard): it throws when it does not validate.
      const imported = importOperation(document, operationId);
      count++;
      expect([file, imported.card.type]).toEqual([file, 'callApi']);
      // An OpenAPI document names schemes, never values: every secret is offered without one and referenced in a header.
      for (const secret of imported.secrets) {
        expect(secret.value).toBeUndefined();
        if (secret.header) expect(imported.card.request.headers?.[secret.header]).toContain(`{{ secrets.${secret.name} }}`);
      }
    }
  }
  expect(count).toBe(2 + 3 + 4 + 3 + 4);
});

test('operations are listed with id, method, path and summary (an operation without an id by METHOD /path)', async () => {
  expect(listOperations(orders)).toEqual([
    { operationId: 'getOrder', method: 'GET', path: '/orders/{id}', summary: "An order's status and items" },
    { operationId: 'createOrder', method: 'POST', path: '/orders', summary: 'Place an order' },
  ]);
  expect(listOperations(line).length).toBeGreaterThan(60);
  expect(listOperations(line)).toContainEqual({
    operationId: 'pushMessage',
    method: 'POST',
    path: '/v2/bot/message/push',
    summary: 'Sends a message to a user, group chat, or multi-person chat at any time.',
  });
  const anonymous = await loadOpenApi({
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    servers: [{ url: 'https://api.brand.example' }],
    paths: { '/ping': { get: { responses: { '204': { description: 'ok' } } } } },
  });
  expect(listOperations(anonymous)).toEqual([{ operationId: 'GET /ping', method: 'GET', path: '/ping' }]);
  expect(importOperation(anonymous, 'GET /ping').card.request.url).toBe('https://api.brand.example/ping');
});

test('the order-status operation: path parameter as a variable, the apiKey header as a secret, the response schema as the contract and the field pickers', () => {
  const imported = importOperation(orders, 'getOrder');
  expect(imported.card).toEqual({
    type: 'callApi',
    request: {
      method: 'GET',
      url: 'https://api.brand.example/orders/{{ attributes.id }}',
      headers: { 'x-api-key': '{{ secrets.BRAND_API_KEY }}' },
    },
    contract: {
      body: {
        type: 'object',
        required: ['id', 'status', 'items'],
        properties: {
          id: { type: 'string' },
          status: { type: 'string', enum: ['processing', 'shipped', 'delivered'] },
          items: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'qty', 'price'],
              properties: {
                name: { type: 'string' },
                qty: { type: 'integer' },
                price: { type: 'number' },
                imageUrl: { type: ['string', 'null'], format: 'uri' },
              },
            },
          },
        },
      },
    },
  });
  expect(imported.secrets).toEqual([
    { name: 'BRAND_API_KEY', header: 'x-api-key', allowedHosts: ['api.brand.example'], from: 'securityScheme ordersKey' },
  ]);
  expect(imported.variables).toEqual([
    { in: 'path', path: 'id', value: 'A1001', type: 'string', suggested: 'attributes.id', templated: true },
  ]);
  expect(imported.responseFields.map((f) => f.path)).toEqual([
    'response.body.id',
    'response.body.status',
    'response.body.items',
    'response.body.items[]',
    'response.body.items[].name',
    'response.body.items[].qty',
    'response.body.items[].price',
    'response.body.items[].imageUrl',
  ]);
});

test('a request body schema becomes a payload tree: required properties, one array item, constants kept, leaves reading attributes', () => {
  const imported = importOperation(orders, 'createOrder');
  expect(imported.card.request.body).toEqual({
    type: 'json',
    value: {
      memberId: '{{ attributes.memberId }}',
      channel: 'line',
      items: [{ sku: '{{ attributes.sku }}', qty: '{{ attributes.qty }}' }],
    },
  });
  expect(
    imported.variables.map(
      (v) => `${v.path}:${v.type ?? '?'}:${v.required === true ? 'required' : 'optional'}:${v.templated ? 'in card' : 'offered'}`,
    ),
  ).toEqual([
    'memberId:string:required:in card',
    'items[0].sku:string:required:in card',
    'items[0].qty:integer:required:in card',
    'note:string:optional:offered',
  ]);
});

test('the Petstore (OpenAPI 3.0): bearer auth, an optional query parameter offered, http:// server taken as https:// with a warning, no contract without a JSON answer', () => {
  const list = importOperation(petstore, 'listPets');
  expect(list.card.request).toEqual({
    method: 'GET',
    url: 'https://petstore.swagger.io/v1/pets',
    headers: { Authorization: 'Bearer {{ secrets.SWAGGER_TOKEN }}' },
  });
  expect(list.variables).toEqual([
    { in: 'query', path: 'limit', type: 'integer', required: false, suggested: 'attributes.limit', templated: false },
  ]);
  expect(list.warnings).toEqual(['the server is http://petstore.swagger.io/v1: cards call https, so https:// was taken']);
  expect(list.card.contract?.body).toEqual({
    type: 'array',
    maxItems: 100,
    items: {
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'integer', format: 'int64' }, name: { type: 'string' }, tag: { type: 'string' } },
    },
  });
  const create = importOperation(petstore, 'createPets');
  expect(create.card.request.body).toEqual({ type: 'json', value: { id: '{{ attributes.id }}', name: '{{ attributes.name }}' } });
  expect(create.card.contract).toBeUndefined();
  expect(importOperation(petstore, 'showPetById').card.request.url).toBe('https://petstore.swagger.io/v1/pets/{{ attributes.petId }}');
});

test("LINE's Messaging API: push message and get profile, with the channel token as a secret and nullable 3.0 schemas as JSON Schema", () => {
  const push = importOperation(line, 'pushMessage');
  expect(push.card.request.method).toBe('POST');
  expect(push.card.request.url).toBe('https://api.line.me/v2/bot/message/push');
  expect(push.card.request.headers).toEqual({ Authorization: 'Bearer {{ secrets.LINE_TOKEN }}' });
  expect(push.card.request.body).toEqual({
    type: 'json',
    value: { to: '{{ attributes.to }}', messages: [{ type: '{{ attributes.type }}' }] },
  });
  expect(push.responseFields).toContainEqual({ path: 'response.body.sentMessages[].id', type: 'string' });
  const profile = importOperation(line, 'getProfile');
  expect(profile.card.contract?.body).toMatchObject({ type: 'object', required: ['displayName', 'userId'] });
  expect(JSON.stringify(profile.card.contract)).not.toMatch(/"(nullable|example|description)"/);
});

const doc = (
  extra: Record<string, unknown>,
  paths: Record<string, unknown> = { '/a': { get: { operationId: 'a', responses: { '200': { description: 'ok' } } } } },
) => ({
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  servers: [{ url: 'https://{region}.api.brand.example/v2', variables: { region: { default: 'tw' } } }],
  paths,
  ...extra,
});

test('auth schemes: basic, apiKey in a cookie, apiKey in the query (offered, not sent), oauth2 as a stored bearer token', async () => {
  const withScheme = async (scheme: Record<string, unknown>) =>
    importOperation(await loadOpenApi(doc({ components: { securitySchemes: { s: scheme } }, security: [{ s: [] }] })), 'a');
  expect((await withScheme({ type: 'http', scheme: 'basic' })).card.request.headers).toEqual({
    Authorization: 'Basic {{ secrets.BRAND_BASIC_AUTH }}',
  });
  expect((await withScheme({ type: 'apiKey', in: 'cookie', name: 'sid' })).card.request.headers).toEqual({
    Cookie: 'sid={{ secrets.BRAND_SID }}',
  });
  const query = await withScheme({ type: 'apiKey', in: 'query', name: 'api_key' });
  expect(query.card.request.url).toBe('https://tw.api.brand.example/v2/a');
  expect(query.secrets).toEqual([{ name: 'BRAND_API_KEY', header: '', allowedHosts: ['tw.api.brand.example'], from: 'securityScheme s' }]);
  expect(query.warnings.join('\n')).toMatch(/secrets in headers only/);
  const oauth = await withScheme({
    type: 'oauth2',
    flows: { clientCredentials: { tokenUrl: 'https://auth.brand.example/token', scopes: {} } },
  });
  expect(oauth.card.request.headers).toEqual({ Authorization: 'Bearer {{ secrets.BRAND_TOKEN }}' });
});

test('a recursive schema gives a finite contract and payload', async () => {
  const node = {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } },
  };
  const api = await loadOpenApi(
    doc(
      { components: { schemas: { Node: node } } },
      {
        '/tree': {
          post: {
            operationId: 'tree',
            requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } },
            responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } } },
          },
        },
      },
    ),
  );
  const imported = importOperation(api, 'tree');
  expect(JSON.stringify(imported.card).length).toBeLessThan(20_000);
  expect(imported.card.request.body).toEqual({ type: 'json', value: { name: '{{ attributes.name }}' } });
  // The contract leaves the schema open where it recurs.
  expect(imported.card.contract?.body).toEqual({
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string' }, children: { type: 'array', items: {} } },
  });
  expect(imported.responseFields.map((f) => f.path)).toEqual(['response.body.name', 'response.body.children', 'response.body.children[]']);
});

test.each([
  [
    'an external $ref to a file',
    doc(
      {},
      {
        '/a': {
          get: {
            operationId: 'a',
            responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: 'file:///etc/passwd' } } } } },
          },
        },
      },
    ),
    /refers to file:\/\/\/etc\/passwd: references to other files or URLs are not followed/,
  ],
  [
    'an external $ref to a URL',
    doc(
      {},
      {
        '/a': {
          get: {
            operationId: 'a',
            responses: {
              '200': {
                description: 'ok',
                content: { 'application/json': { schema: { $ref: 'http://169.254.169.254/latest/meta-data' } } },
              },
            },
          },
        },
      },
    ),
    /refers to http:\/\/169\.254\.169\.254/,
  ],
  ['Swagger 2.0', { swagger: '2.0', info: { title: 't', version: '1' }, paths: {} }, /Swagger 2\.0: convert it to OpenAPI 3/],
  ['not OpenAPI', { hello: 'world' }, /not an OpenAPI 3\.0 or 3\.1 document/],
  ['an invalid document', { openapi: '3.0.3', info: { title: 't' }, paths: {} }, /not valid OpenAPI/],
])('%s is refused', async (_name, document, message) => {
  await expect(loadOpenApi(document as Record<string, unknown>)).rejects.toThrow(ImportError);
  await expect(loadOpenApi(document as Record<string, unknown>)).rejects.toThrow(message);
});

test('text that is neither JSON nor YAML, and an unknown operation, are refused with what is known', async () => {
  await expect(loadOpenApi('openapi: [3.0\n  bad: {')).rejects.toThrow(/neither JSON nor YAML/);
  expect(() => importOperation(orders, 'deleteOrder')).toThrow('no operation deleteOrder in the document (it has getOrder, createOrder)');
});

test('a relative server URL resolves against the document URL; without one it is refused', async () => {
  const api = await loadOpenApi({ ...doc({}), servers: [{ url: '/api/v1' }] });
  expect(() => importOperation(api, 'a')).toThrow(/relative: give the document by URL/);
  expect(importOperation(api, 'a', { documentUrl: 'https://docs.brand.example/openapi.json' }).card.request.url).toBe(
    'https://docs.brand.example/api/v1/a',
  );
});

test("OAI's USPTO Data Set API (3.0.1): the {scheme} server variable at its default, two path parameters, a form body", () => {
  const uspto = documents.get('uspto.yaml') as OpenApiDocument;
  expect(listOperations(uspto).map((o) => `${o.method} ${o.path} ${o.operationId}`)).toEqual([
    'GET / list-data-sets',
    'GET /{dataset}/{version}/fields list-searchable-fields',
    'POST /{dataset}/{version}/records perform-search',
  ]);
  const search = importOperation(uspto, 'perform-search');
  expect(search.card.request).toEqual({
    method: 'POST',
    url: 'https://developer.uspto.gov/ds-api/{{ attributes.dataset }}/{{ attributes.version }}/records',
    body: {
      type: 'form',
      fields: { criteria: '{{ attributes.criteria }}', start: '{{ attributes.start }}', rows: '{{ attributes.rows }}' },
    },
  });
  expect(search.variables.map((v) => `${v.in}:${v.path}`)).toEqual([
    'path:version',
    'path:dataset',
    'form:criteria',
    'form:start',
    'form:rows',
  ]);
  expect(search.secrets).toEqual([]);
  expect(importOperation(uspto, 'list-data-sets').responseFields.map((f) => f.path)).toContain('response.body.apis[].apiUrl');
});

test("OAI's expanded Petstore: allOf bodies flattened for the payload and the pickers, an operationId with spaces, a DELETE", () => {
  const pets = documents.get('petstore-expanded.yaml') as OpenApiDocument;
  const add = importOperation(pets, 'addPet');
  expect(add.card.request.body).toEqual({ type: 'json', value: { name: '{{ attributes.name }}' } });
  expect(add.variables.find((v) => v.path === 'tag')).toMatchObject({ in: 'body', templated: false, required: false });
  expect(add.responseFields.map((f) => f.path)).toEqual(['response.body.name', 'response.body.tag', 'response.body.id']);
  expect(importOperation(pets, 'find pet by id').card.request.url).toBe('https://petstore.swagger.io/v2/pets/{{ attributes.id }}');
  expect(importOperation(pets, 'deletePet').card.request.method).toBe('DELETE');
});

test("LINE's LIFF server API: the channel token as a bearer secret, a nested body, the apps list for the pickers", () => {
  const liff = documents.get('line-liff.yml') as OpenApiDocument;
  const list = importOperation(liff, 'getAllLIFFApps');
  expect(list.card.request).toEqual({
    method: 'GET',
    url: 'https://api.line.me/liff/v1/apps',
    headers: { Authorization: 'Bearer {{ secrets.LINE_TOKEN }}' },
  });
  expect(list.secrets).toEqual([
    { name: 'LINE_TOKEN', header: 'Authorization', allowedHosts: ['api.line.me'], from: 'securityScheme Bearer' },
  ]);
  expect(list.responseFields).toContainEqual({ path: 'response.body.apps[].liffId', type: 'string' });
  const add = importOperation(liff, 'addLIFFApp');
  expect(add.card.request.body).toEqual({ type: 'json', value: { view: { type: '{{ attributes.type }}', url: '{{ attributes.url }}' } } });
  expect(add.card.contract?.body).toEqual({ type: 'object', required: ['liffId'], properties: { liffId: { type: 'string' } } });
  expect(importOperation(liff, 'updateLIFFApp').card.request.url).toBe('https://api.line.me/liff/v1/apps/{{ attributes.liffId }}');
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { runFlowsCli, type FlowsCliIo } from '../../../cli/flowsCli';

/** `npm run flows -- import-curl | import-openapi`: offline, in-process, files in memory. */

const ROOT = path.join(__dirname, '../../..');
const ORDERS = 'test/fixtures/import/openapi/order-status.yaml';

function cli(files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: FlowsCliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    readFile: async (file) => files[file] ?? fs.readFileSync(path.join(ROOT, file), 'utf8'),
    writeFile: async (file, text) => {
      files[file] = text;
    },
    env: {},
  };
  return { io, out, err, files, run: (...args: string[]) => runFlowsCli(args, io) };
}

const FLOW = {
  schemaVersion: 1,
  name: 'Orders',
  triggers: [{ type: 'keyword', keywords: ['order'], start: 'load_order' }],
  blocks: {
    load_order: { type: 'callApi', request: { url: 'https://old.brand.example/o' }, onSuccess: 'show', onFailure: 'sorry' },
    show: { type: 'message', messages: [{ type: 'text', text: 'Your order is {{ response.body.status }}' }] },
    sorry: { type: 'message', messages: [{ type: 'text', text: 'Sorry' }] },
  },
};

test('import-curl prints the card as JSON, and names the secret to store on stderr without its value', async () => {
  const { run, out, err } = cli();
  expect(
    await run(
      'import-curl',
      'curl https://api.brand.example/orders/status -H \'X-Api-Key: demo-brand-key-123\' --json \'{"orderId":"A1001"}\'',
    ),
  ).toBe(0);
  const printed = JSON.parse(out.join('\n'));
  expect(printed.card).toEqual({
    type: 'callApi',
    request: {
      method: 'POST',
      url: 'https://api.brand.example/orders/status',
      headers: { 'X-Api-Key': '{{ secrets.BRAND_API_KEY }}', 'Content-Type': 'application/json', Accept: 'application/json' },
      body: { type: 'json', value: { orderId: 'A1001' } },
    },
  });
  expect(printed.secrets).toEqual([
    { name: 'BRAND_API_KEY', header: 'X-Api-Key', allowedHosts: ['api.brand.example'], from: '-H X-Api-Key', valueOffered: true },
  ]);
  expect(printed.variables).toEqual([{ in: 'body', path: 'orderId', value: 'A1001', suggested: 'attributes.orderId', templated: false }]);
  expect(err.join('\n')).toMatch(/^secret BRAND_API_KEY .*PUT \/admin\/secrets\/BRAND_API_KEY/);
  expect(`${out.join('\n')}${err.join('\n')}`).not.toContain('demo-brand-key-123');
});

test('import-openapi lists the operations, then prints one as a card with its contract', async () => {
  const list = cli();
  expect(await list.run('import-openapi', ORDERS)).toBe(0);
  expect(list.out).toEqual(["getOrder\tGET /orders/{id}\tAn order's status and items", 'createOrder\tPOST /orders\tPlace an order']);
  const one = cli();
  expect(await one.run('import-openapi', ORDERS, 'getOrder')).toBe(0);
  const printed = JSON.parse(one.out.join('\n'));
  expect(printed.card.request.url).toBe('https://api.brand.example/orders/{{ attributes.id }}');
  expect(printed.card.contract.body.required).toEqual(['id', 'status', 'items']);
  expect(printed.responseFields).toContainEqual({ path: 'response.body.items[].name', type: 'string' });
});

test('--into --block replaces a card in a flow file, keeping where it goes next; the file is valid after', async () => {
  const files = { 'orders.json': JSON.stringify(FLOW) };
  const { run, out } = cli(files);
  expect(await run('import-openapi', ORDERS, 'getOrder', '--into', 'orders.json', '--block', 'load_order')).toBe(0);
  expect(out).toEqual(['orders.json: block load_order replaced by the imported card']);
  const written = JSON.parse(files['orders.json']);
  expect(written.blocks.load_order).toMatchObject({
    type: 'callApi',
    onSuccess: 'show',
    onFailure: 'sorry',
    request: { method: 'GET', url: 'https://api.brand.example/orders/{{ attributes.id }}' },
  });
  expect(written.blocks.load_order.contract.body.type).toBe('object');
  const validate = cli(files);
  expect(await validate.run('validate', 'orders.json')).toBe(0);
  expect(validate.out[0]).toMatch(/^orders\.json: valid/);
});

test('--into refuses (and leaves the file as it was) when the flow would not validate: a new block no trigger reaches', async () => {
  const files = { 'orders.json': JSON.stringify(FLOW) };
  const { run, err } = cli(files);
  expect(await run('import-curl', 'curl https://api.brand.example/ping', '--into', 'orders.json', '--block', 'ping')).toBe(1);
  expect(err[0]).toMatch(/^orders\.json: not written, the flow with the imported card has 1 problem/);
  expect(err[1]).toMatch(/blocks\.ping/);
  expect(files['orders.json']).toBe(JSON.stringify(FLOW));
});

test('what cannot be imported exits 1 with why; wrong usage exits 2', async () => {
  const bad = cli();
  expect(await bad.run('import-curl', 'curl -X HEAD https://api.brand.example')).toBe(1);
  expect(bad.err).toEqual(['cannot import: -X HEAD: cards send GET, POST, PUT, PATCH or DELETE']);
  const unknown = cli();
  expect(await unknown.run('import-openapi', ORDERS, 'deleteOrder')).toBe(1);
  expect(unknown.err[0]).toBe('cannot import: no operation deleteOrder in the document (it has getOrder, createOrder)');
  const usage = cli();
  expect(await usage.run('import-curl', 'curl https://api.brand.example', '--into', 'x.json')).toBe(2);
  expect(usage.err[0]).toBe('--into <file.json> and --block <id> go together');
});

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runFlowsCli, type FlowsCliIo } from '../../cli/flowsCli';
import type { LocalStack } from '../../local/localStack';
import type { FlowInput } from '../../shared/flow/schema';
import { startTestStack } from '../support/localStackHarness';

/** `npm run flows`: the CLI's commands against the local stack's admin API. */

const FLOW: FlowInput = {
  schemaVersion: 1,
  name: 'CLI flow',
  triggers: [{ type: 'keyword', keywords: ['cli'], start: 'hello' }],
  blocks: { hello: { type: 'message', messages: [{ type: 'text', text: 'Hello from a file' }] } },
};

describe('flows CLI', () => {
  let stack: LocalStack;
  let dir: string;
  let out: string[];
  let err: string[];

  beforeAll(async () => {
    stack = await startTestStack();
    dir = await mkdtemp(join(tmpdir(), 'callcard-cli-'));
  });

  afterAll(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    out = [];
    err = [];
  });

  function io(env: FlowsCliIo['env'] = { CALLCARD_API_URL: stack.url, CALLCARD_ADMIN_KEY: stack.demo.adminKey }): FlowsCliIo {
    return {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      readFile: (path) => readFile(path, 'utf8'),
      writeFile: (path, text) => writeFile(path, text, 'utf8'),
      env,
    };
  }

  const run = (args: string[], env?: FlowsCliIo['env']) => runFlowsCli(args, io(env));

  async function file(name: string, content: unknown): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }

  test('validate: offline, every problem with its path, exit 1 on problems', async () => {
    expect(await run(['validate', await file('good.json', FLOW)], {})).toBe(0);
    expect(out).toEqual([`${join(dir, 'good.json')}: valid`]);

    const broken = {
      ...FLOW,
      triggers: [{ type: 'keyword', keywords: ['cli'], start: 'missing' }],
      blocks: { hello: { type: 'message', messages: [{ type: 'text', text: '{{ broken' }] } },
    };
    expect(await run(['validate', await file('bad.json', broken)], {})).toBe(1);
    expect(err).toEqual([
      `${join(dir, 'bad.json')}: 3 problems`,
      '  triggers.0.start: no block named "missing"',
      expect.stringMatching(/^ {2}blocks\.hello\.messages\.0\.text: template does not parse/),
      '  blocks.hello: unreachable: no trigger or block leads here',
    ]);
    expect(await run(['validate', await file('not.json', '{ nope')], {})).toBe(1);
    expect(err.at(-1)).toMatch(/not valid JSON/);
    expect(await run(['validate', join(dir, 'absent.json')], {})).toBe(1);
  });

  test('push creates, push again saves the next version; versions; pull; publish', async () => {
    const path = await file('cli-flow.json', FLOW);
    expect(await run(['push', path, '--flow', 'cli-flow'])).toBe(0);
    expect(out.at(-1)).toMatch(/^cli-flow: saved version 1 \(new flow\)/);
    await file('cli-flow.json', { ...FLOW, name: 'CLI flow, edited' });
    expect(await run(['push', path, '--flow', 'cli-flow'])).toBe(0);
    expect(out.at(-1)).toMatch(/^cli-flow: saved version 2\./);

    out = [];
    expect(await run(['versions', 'cli-flow'])).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^v2\t\S+\tCLI flow, edited$/), expect.stringMatching(/^v1\t\S+\tCLI flow$/)]);

    out = [];
    expect(await run(['pull', 'cli-flow'])).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ name: 'CLI flow, edited', blocks: { hello: { type: 'message' } } });
    const pulled = join(dir, 'pulled-v1.json');
    expect(await run(['pull', 'cli-flow', '--version', '1', '--out', pulled])).toBe(0);
    expect(JSON.parse(await readFile(pulled, 'utf8'))).toMatchObject({ name: 'CLI flow' });
    // A pulled file pushes back as it is.
    expect(await run(['push', pulled, '--flow', 'cli-flow'])).toBe(0);
    expect(out.at(-1)).toMatch(/saved version 3/);

    out = [];
    expect(
      await run(['publish', 'cli-flow', '--version', '2', '--channel', 'line:demo-line', '--channel', 'messenger:demo-messenger']),
    ).toBe(0);
    expect(out).toEqual([
      'cli-flow: version 2 published',
      '  line:demo-line',
      '    before: demo v1',
      '    after:  demo v1, cli-flow v2',
      '  messenger:demo-messenger',
      '    before: demo v1',
      '    after:  demo v1, cli-flow v2',
    ]);
    expect((await stack.store.channels.get('messenger', 'demo-messenger'))?.activeFlows).toEqual([
      { flowId: 'demo', version: 1 },
      { flowId: 'cli-flow', version: 2 },
    ]);
  });

  test('unpublish takes a flow off channels; a publish sharing a trigger is refused, naming both flows and the trigger', async () => {
    out = [];
    expect(await run(['unpublish', 'cli-flow', '--channel', 'messenger:demo-messenger'])).toBe(0);
    expect(out).toEqual(['cli-flow: unpublished', '  messenger:demo-messenger', '    before: demo v1, cli-flow v2', '    after:  demo v1']);
    expect(await run(['unpublish', 'cli-flow', '--channel', 'messenger:demo-messenger'])).toBe(1);
    expect(err.at(-1)).toBe(
      'POST /admin/flows/cli-flow/unpublish: 409 flow cli-flow is not active on messenger:demo-messenger: nothing was unpublished',
    );

    const hot: FlowInput = { ...FLOW, name: 'Hot too', triggers: [{ type: 'keyword', keywords: ['ＨＯＴ'], start: 'hello' }] };
    expect(await run(['push', await file('hot.json', hot), '--flow', 'hot-too'])).toBe(0);
    expect(await run(['publish', 'hot-too', '--version', '1', '--channel', 'line:demo-line'])).toBe(1);
    expect(err.at(-1)).toBe(
      'POST /admin/flows/hot-too/publish: 409 hot-too v1 would share triggers with flows active on the channel: keyword:hot (demo v1 on line:demo-line). Unpublish one of them there or change its triggers',
    );
    expect((await stack.store.channels.get('line', 'demo-line'))?.activeFlows).toEqual([
      { flowId: 'demo', version: 1 },
      { flowId: 'cli-flow', version: 2 },
    ]);
  });

  test('an invalid file is not pushed; API refusals are explained', async () => {
    expect(await run(['push', await file('invalid.json', { ...FLOW, blocks: {} }), '--flow', 'never'])).toBe(1);
    expect(await stack.store.flows.getHead('demo', 'never')).toBeUndefined();
    expect(await run(['pull', 'never'])).toBe(1);
    expect(err.at(-1)).toBe('GET /admin/flows/never: 404 flow not found');
    expect(await run(['publish', 'cli-flow', '--version', '9', '--channel', 'line:demo-line'])).toBe(1);
    expect(await run(['versions', 'cli-flow'], { CALLCARD_API_URL: stack.url, CALLCARD_ADMIN_KEY: 'wrong' })).toBe(2);
    expect(err.at(-1)).toMatch(/401 unknown admin key: not a key of any workspace \(check CALLCARD_ADMIN_KEY\)$/);
    expect(err.join('\n')).not.toContain('wrong');
    expect(await run(['versions', 'cli-flow'], { CALLCARD_API_URL: 'http://127.0.0.1:9', CALLCARD_ADMIN_KEY: 'k' })).toBe(1);
    expect(err.at(-1)).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });

  test('connections: put (warned of a missing secret), list, get as JSON, delete refused while a published flow calls it', async () => {
    expect(await run(['connections'])).toBe(0);
    expect(out).toEqual(['no connections: create one with npm run flows -- connection put <name> <file.json>']);

    const connection = {
      baseUrl: { production: 'https://api.brand.example/v1', staging: 'https://staging.brand.example/v1' },
      auth: {
        type: 'oauth2ClientCredentials',
        tokenUrl: { production: 'https://auth.brand.example/token' },
        clientId: { production: 'callcard' },
        clientSecret: { production: 'CLI_BRAND_CLIENT_SECRET' },
      },
      rateCap: { perSecond: 50 },
    };
    const path = await file('brand-connection.json', connection);
    expect(await run(['connection', 'put', 'brand', path])).toBe(0);
    expect(out.at(-1)).toBe('brand: saved (oauth2ClientCredentials, https://api.brand.example/v1)');
    expect(err).toEqual([
      'warning: auth.clientSecret.production: secret CLI_BRAND_CLIENT_SECRET is not set in this workspace (PUT /admin/secrets/CLI_BRAND_CLIENT_SECRET): its cards fail until it is',
    ]);

    out = [];
    expect(await run(['connections'])).toBe(0);
    expect(out[0]).toBe('brand\toauth2ClientCredentials\thttps://api.brand.example/v1\t(staging https://staging.brand.example/v1)');
    expect(out[1]).toMatch(/^ {2}warning: auth\.clientSecret\.production: secret CLI_BRAND_CLIENT_SECRET is not set/);

    // get prints what put takes (the API's defaults filled in), so a file round-trips.
    out = [];
    expect(await run(['connection', 'get', 'brand'])).toBe(0);
    const got = JSON.parse(out.join('\n'));
    expect(got).toEqual({ ...connection, auth: { ...connection.auth, clientAuthentication: 'client_secret_basic' } });

    // Problems come back at their paths; an unknown name is a 404.
    err = [];
    expect(
      await run([
        'connection',
        'put',
        'brand',
        await file('bad-connection.json', { baseUrl: { production: 'ftp://x' }, rateCap: { perSecond: 0 } }),
      ]),
    ).toBe(1);
    expect(err[0]).toMatch(/^PUT \/admin\/connections\/brand: 400 /);
    expect(err.slice(1)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}\S*baseUrl\.production: /),
        expect.stringMatching(/^ {2}\S*rateCap\.perSecond: /),
      ]),
    );
    expect(await run(['connection', 'get', 'nobody'])).toBe(1);
    expect(err.at(-1)).toBe('GET /admin/connections/nobody: 404 connection not found');

    // In use by a published flow: refused with the card's path; unpublished, deleted.
    const flow = {
      ...FLOW,
      name: 'Connected',
      triggers: [{ type: 'keyword', keywords: ['cli connected'], start: 'call' }],
      blocks: {
        call: {
          type: 'callApi',
          request: { connection: 'brand', url: '/orders/{{ customer.id }}' },
          onSuccess: 'hello',
          onFailure: 'hello',
        },
        hello: FLOW.blocks.hello,
      },
    };
    expect(await run(['push', await file('connected.json', flow), '--flow', 'cli-connected'])).toBe(0);
    // Publishing needs the connection's secrets.
    await stack.store.secrets.put(stack.demo.workspaceId, 'CLI_BRAND_CLIENT_SECRET', 'cli-brand-client-secret', new Date(), [
      'auth.brand.example',
    ]);
    expect(await run(['publish', 'cli-connected', '--version', '1', '--channel', 'line:demo-line'])).toBe(0);
    err = [];
    expect(await run(['connection', 'delete', 'brand'])).toBe(1);
    expect(err).toEqual([
      'DELETE /admin/connections/brand: 409 a published flow calls this connection: unpublish the flow, or change its cards, then delete it',
      '  flows.cli-connected.versions.1.blocks.call.request.connection: calls connection brand',
    ]);
    expect(await run(['unpublish', 'cli-connected', '--channel', 'line:demo-line'])).toBe(0);
    out = [];
    expect(await run(['connection', 'delete', 'brand'])).toBe(0);
    expect(out).toEqual(['brand: deleted']);
    for (const args of [['connection'], ['connection', 'get'], ['connection', 'rename', 'brand'], ['connection', 'put', 'brand']])
      expect([args, await run(args)]).toEqual([args, 2]);
  });

  test('usage mistakes exit 2 with the usage', async () => {
    for (const args of [
      [],
      ['frobnicate'],
      ['push', 'x.json'],
      ['publish', 'f', '--version', '1'],
      ['publish', 'f', '--version', 'one', '--channel', 'line:x'],
      ['publish', 'f', '--version', '1', '--channel', 'fax:1'],
      ['unpublish', 'f'],
      ['unpublish', '--channel', 'line:x'],
      ['pull', 'f', '--bogus'],
    ]) {
      err = [];
      out = [];
      expect([args, await run(args)]).toEqual([args, 2]);
      expect([...out, ...err].join('\n')).toContain('Usage: npm run flows');
    }
    expect(await run(['versions', 'cli-flow'], { CALLCARD_API_URL: stack.url })).toBe(2);
    expect(err.join('\n')).toContain('CALLCARD_ADMIN_KEY');
  });

  test('npm run flows runs cli/flows.ts: exit codes reach the shell', async () => {
    const path = await file('shell-bad.json', { ...FLOW, blocks: {} });
    const result = await promisify(execFile)(join(process.cwd(), 'node_modules/.bin/tsx'), ['cli/flows.ts', 'validate', path]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('triggers.0.start: no block named "hello"');
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { runFlowsCli, type FlowsCliIo } from '../../cli/flowsCli';
import type { LocalStack } from '../../local/localStack';
import type { FlowInput } from '../../shared/flow/schema';
import { SECRET_OUTSIDE_HEADER, SIGNING_SECRET_NEVER_SENT } from '../../shared/templating/secrets';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startTestStack } from '../support/localStackHarness';

/**
 * The checks a flow goes through at the admin API and in `npm run flows`, on the local stack: strict
 * documents (unknown keys with "did you mean"), secrets in headers only, card addresses the outbound
 * guard would refuse, secrets the workspace lacks (a warning at save, refused at publish), and a save
 * identical to the latest version that creates nothing.
 */

const SECRET = 'CHECKS_API_KEY';

/** A flow whose one card sends `SECRET` in a header, answering the keyword `checks`. */
function cardFlow(brandUrl: string, extra: Record<string, unknown> = {}): FlowInput {
  return {
    schemaVersion: 1,
    name: 'Checks',
    triggers: [{ type: 'keyword', keywords: ['checks'], start: 'call' }],
    blocks: {
      call: {
        type: 'callApi',
        request: { url: `${brandUrl}/best-sellers`, headers: { 'x-api-key': `{{ secrets.${SECRET} }}` } },
        onSuccess: 'done',
        ...extra,
      },
      done: { type: 'message', messages: [{ type: 'text', text: 'Done' }] },
    },
  } as FlowInput;
}

const problemsOf = (body: unknown) =>
  z.object({ problems: z.array(z.object({ path: z.string(), message: z.string() })) }).parse(body).problems;

describe('flow checks at the admin API and the CLI', () => {
  let stack: LocalStack;
  let admin: AdminClient;
  let brandUrl: string;
  let dir: string;

  beforeAll(async () => {
    stack = await startTestStack();
    admin = adminClient(stack, stack.demo.adminKey);
    brandUrl = stack.brandApi.url;
    dir = await mkdtemp(join(tmpdir(), 'callcard-checks-'));
  });

  afterAll(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('problems at their path', () => {
    test('an unknown key is a 400 at its path with "did you mean", and the flow is not saved', async () => {
      const flow = cardFlow(brandUrl);
      const card = flow.blocks.call as Record<string, unknown>;
      card.onSucess = card.onSuccess;
      delete card.onSuccess;
      const expected = [{ path: 'flow.blocks.call.onSucess', message: 'unknown key "onSucess": did you mean "onSuccess"?' }];
      const validated = await admin.call('POST', '/admin/flows/validate', { flow });
      expect(validated.status).toBe(400);
      expect(problemsOf(validated.body)).toEqual(expected);
      const created = await admin.call('POST', '/admin/flows', { flowId: 'typo', flow });
      expect(created).toMatchObject({ status: 400, body: { error: 'invalid flow' } });
      expect(problemsOf(created.body)).toEqual(expected);
      expect((await admin.call('GET', '/admin/flows/typo')).status).toBe(404);
    });

    test('a typo and a broken URL template are reported together, at the API and in a save (no problem waits for another)', async () => {
      const flow = cardFlow(brandUrl);
      const card = flow.blocks.call as { onSucess?: unknown; onSuccess?: unknown; request: { url: string } };
      card.onSucess = card.onSuccess;
      delete card.onSuccess;
      card.request.url = `${brandUrl}/orders/{{ attributes.orderId`;
      const expected = [
        { path: 'flow.blocks.call.onSucess', message: 'unknown key "onSucess": did you mean "onSuccess"?' },
        { path: 'flow.blocks.call.request.url', message: expect.stringMatching(/^template does not parse: /) },
      ];
      expect(problemsOf((await admin.call('POST', '/admin/flows/validate', { flow })).body)).toEqual(expected);
      expect(problemsOf((await admin.call('POST', '/admin/flows', { flowId: 'typo-and-template', flow })).body)).toEqual(expected);
    });

    test('CALLCARD_SIGNING_SECRET in a header is refused at its path', async () => {
      const flow = cardFlow(brandUrl);
      (flow.blocks.call as { request: { headers: Record<string, string> } }).request.headers = {
        'x-key': '{{ secrets.CALLCARD_SIGNING_SECRET }}',
      };
      expect(problemsOf((await admin.call('POST', '/admin/flows/validate', { flow })).body)).toEqual([
        { path: 'flow.blocks.call.request.headers.x-key', message: SIGNING_SECRET_NEVER_SENT },
      ]);
    });

    test('a body written beside the request, and a secret in a JSON body, are problems (no longer sent as {})', async () => {
      const beside = cardFlow(brandUrl, { body: { type: 'json', value: { key: `{{ secrets.${SECRET} }}` } } });
      expect(problemsOf((await admin.call('POST', '/admin/flows/validate', { flow: beside })).body)).toEqual([
        { path: 'flow.blocks.call.body', message: 'unknown key "body": did you mean "request.body"?' },
      ]);
      const inBody = cardFlow(brandUrl);
      Object.assign((inBody.blocks.call as { request: object }).request, {
        method: 'POST',
        body: { type: 'json', value: { key: `{{ secrets.${SECRET} }}` } },
      });
      expect(problemsOf((await admin.call('POST', '/admin/flows/validate', { flow: inBody })).body)).toEqual([
        { path: 'flow.blocks.call.request.body.value.key', message: SECRET_OUTSIDE_HEADER },
      ]);
    });

    test.each(['https://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/x', 'https://[::1]/x'])(
      'a card URL the guard would refuse, %s, is a 400 at the URL',
      async (url) => {
        const flow = cardFlow(brandUrl);
        (flow.blocks.call as { request: { url: string } }).request.url = url;
        const reply = await admin.call('POST', '/admin/flows', { flowId: 'internal', flow });
        expect(reply.status).toBe(400);
        expect(problemsOf(reply.body)).toEqual([
          { path: 'flow.blocks.call.request.url', message: expect.stringMatching(/ is not a public address/) },
        ]);
      },
    );

    test('the served flow JSON Schema is closed where the document is strict', async () => {
      const reply = await admin.call('GET', '/admin/flow.schema.json', undefined, { key: null });
      expect(reply.body).toMatchObject({ additionalProperties: false });
      expect(reply.text).toContain('"additionalProperties":false');
    });
  });

  describe('a secret the workspace lacks', () => {
    test('is a warning at save and validate, refused at publish (409 naming header and secret), and publishes once set', async () => {
      const flow = cardFlow(brandUrl);
      const warning = {
        path: 'flow.blocks.call.request.headers.x-api-key',
        message: `secret ${SECRET} is not set in this workspace (set it with PUT /admin/secrets/${SECRET})`,
      };
      expect(await admin.call('POST', '/admin/flows/validate', { flow })).toMatchObject({
        status: 200,
        body: { ok: true, warnings: [warning] },
      });
      const created = await admin.call('POST', '/admin/flows', { flowId: 'needs-secret', flow });
      expect(created).toMatchObject({ status: 201, body: { flowId: 'needs-secret', version: 1, warnings: [warning] } });

      const before = (await stack.store.channels.get('line', stack.demo.lineChannelId))?.activeFlows;
      const refused = await admin.call('POST', '/admin/flows/needs-secret/publish', {
        version: 1,
        channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
      });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ error: expect.stringContaining('secrets this workspace does not have') });
      expect(problemsOf(refused.body)).toEqual([warning]);
      expect((await stack.store.channels.get('line', stack.demo.lineChannelId))?.activeFlows).toEqual(before);

      expect(
        (await admin.call('PUT', `/admin/secrets/${SECRET}`, { value: 'checks-secret-value-1234', allowedHosts: ['api.brand.example'] }))
          .status,
      ).toBe(200);
      // Set now: no warning on the next save (an equal one: unchanged), and the publish goes through.
      const saved = await admin.call('PUT', '/admin/flows/needs-secret', { flow, baseVersion: 1 });
      expect(saved).toMatchObject({ status: 200, body: { version: 1, unchanged: true } });
      expect(saved.body).not.toHaveProperty('warnings');
      const published = await admin.call('POST', '/admin/flows/needs-secret/publish', {
        version: 1,
        channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
      });
      expect(published.status).toBe(200);
      // No response ever carries the value.
      expect(admin.bodies.join('\n')).not.toContain('checks-secret-value-1234');
    });
  });

  describe('an identical save', () => {
    const simple = (text: string): FlowInput => ({
      schemaVersion: 1,
      name: 'Same',
      triggers: [{ type: 'keyword', keywords: ['same'], start: 'hello' }],
      blocks: {
        hello: { type: 'message', messages: [{ type: 'text', text }] },
        ask: { type: 'question', prompt: 'Name?', input: { type: 'text' }, saveAs: 'name' },
      },
      start: 'ask',
    });

    test('creates no version and says so; defaults written out or keys reordered are still identical', async () => {
      expect((await admin.call('POST', '/admin/flows', { flowId: 'same', flow: simple('Hi') })).status).toBe(201);
      const again = await admin.call('PUT', '/admin/flows/same', { flow: simple('Hi'), baseVersion: 1 });
      expect(again).toMatchObject({ status: 200, body: { flowId: 'same', version: 1, unchanged: true, flow: { name: 'Same' } } });

      const explicit = simple('Hi');
      explicit.triggers = [{ start: 'hello', match: 'exact', keywords: ['same'], type: 'keyword' }];
      expect((await admin.call('PUT', '/admin/flows/same', { flow: explicit, baseVersion: 1 })).body).toMatchObject({
        version: 1,
        unchanged: true,
      });
      expect(
        z.object({ versions: z.array(z.unknown()) }).parse((await admin.call('GET', '/admin/flows/same/versions')).body).versions,
      ).toHaveLength(1);

      // A change saves; the old document again is a change too (against the new latest).
      const changed = await admin.call('PUT', '/admin/flows/same', { flow: simple('Hello'), baseVersion: 1 });
      expect(changed).toMatchObject({ status: 200, body: { version: 2 } });
      expect(changed.body).not.toHaveProperty('unchanged');
      // Equal to the latest from a stale base: nothing to merge, nothing saved.
      expect((await admin.call('PUT', '/admin/flows/same', { flow: simple('Hello'), baseVersion: 1 })).body).toMatchObject({
        version: 2,
        unchanged: true,
      });
      // A different document from a stale base is still a 409.
      expect(await admin.call('PUT', '/admin/flows/same', { flow: simple('Hi'), baseVersion: 1 })).toMatchObject({
        status: 409,
        body: { latestVersion: 2 },
      });
      expect((await admin.call('PUT', '/admin/flows/same', { flow: simple('Hi'), baseVersion: 2 })).body).toMatchObject({ version: 3 });
    });

    test('is documented in the OpenAPI document', async () => {
      const doc = (await admin.call('GET', '/admin/openapi.json', undefined, { key: null })).text;
      const openApi = JSON.parse(doc) as {
        paths: Record<
          string,
          Record<
            string,
            { responses: Record<string, { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } }> }
          >
        >;
      };
      const saved = openApi.paths['/admin/flows/{flowId}']?.put?.responses['200']?.content['application/json'].schema.properties;
      expect(saved).toHaveProperty('unchanged');
      expect(saved).toHaveProperty('warnings');
    });
  });

  describe('npm run flows', () => {
    let out: string[];
    let err: string[];
    const io = (env: FlowsCliIo['env']): FlowsCliIo => ({
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      readFile: (path) => readFile(path, 'utf8'),
      writeFile: (path, text) => writeFile(path, text, 'utf8'),
      env,
    });
    const withKey = () => ({ CALLCARD_API_URL: stack.url, CALLCARD_ADMIN_KEY: stack.demo.adminKey });
    const run = (args: string[], env: FlowsCliIo['env']) => runFlowsCli(args, io(env));
    async function file(name: string, content: unknown): Promise<string> {
      const path = join(dir, name);
      await writeFile(path, JSON.stringify(content, null, 2));
      return path;
    }

    beforeEach(() => {
      out = [];
      err = [];
    });

    test('validate: unknown keys and refused addresses offline, exit 1', async () => {
      const typo = cardFlow(brandUrl);
      (typo.blocks.done as Record<string, unknown>).nxt = 'call';
      const typoPath = await file('typo-checks.json', typo);
      expect(await run(['validate', typoPath], {})).toBe(1);
      expect(err).toEqual([`${typoPath}: 1 problem`, '  blocks.done.nxt: unknown key "nxt": did you mean "next"?']);

      err = [];
      const metadataPath = await file('metadata-checks.json', cardFlow('https://169.254.169.254'));
      expect(await run(['validate', metadataPath], {})).toBe(1);
      expect(err).toEqual([
        `${metadataPath}: 1 problem`,
        expect.stringMatching(/^ {2}blocks\.call\.request\.url: 169\.254\.169\.254 is not a public address/),
      ]);
    });

    test('validate: secrets are checked against the workspace only with CALLCARD_ADMIN_KEY, as warnings', async () => {
      const flow = cardFlow(brandUrl);
      (flow.blocks.call as { request: { headers: Record<string, string> } }).request.headers.authorization =
        'Bearer {{ secrets.CHECKS_MISSING }}';
      const path = await file('secret-checks.json', flow);
      expect(await run(['validate', path], {})).toBe(0);
      expect(out).toEqual([`${path}: valid (its secrets were not checked against a workspace: set CALLCARD_ADMIN_KEY to check them)`]);

      out = [];
      expect(await run(['validate', path], withKey())).toBe(0);
      expect(out).toEqual([`${path}: valid`]);
      expect(err).toEqual([
        '1 warning (publishing refuses the flow until fixed):',
        '  blocks.call.request.headers.authorization: secret CHECKS_MISSING is not set in this workspace (set it with PUT /admin/secrets/CHECKS_MISSING)',
      ]);

      out = [];
      expect(await run(['validate', path], { CALLCARD_API_URL: 'http://127.0.0.1:9', CALLCARD_ADMIN_KEY: 'k' })).toBe(0);
      expect(out).toEqual([expect.stringMatching(/: valid \(its secrets were not checked: cannot reach http:\/\/127\.0\.0\.1:9/)]);

      // A flow without secrets needs no workspace.
      out = [];
      expect(
        await run(
          [
            'validate',
            await file('plain.json', {
              ...flow,
              blocks: { done: flow.blocks.done },
              triggers: [{ type: 'keyword', keywords: ['x'], start: 'done' }],
            }),
          ],
          {},
        ),
      ).toBe(0);
      expect(out).toEqual([expect.stringMatching(/plain\.json: valid$/)]);
    });

    test('push: an identical file saves nothing and says so; warnings are printed', async () => {
      const flow = cardFlow(brandUrl);
      (flow.blocks.call as { request: { headers: Record<string, string> } }).request.headers.authorization =
        'Bearer {{ secrets.CHECKS_MISSING }}';
      flow.triggers = [{ type: 'keyword', keywords: ['cli-checks'], start: 'call' }];
      const path = await file('push-checks.json', flow);
      expect(await run(['push', path, '--flow', 'cli-checks'], withKey())).toBe(0);
      expect(out.at(-1)).toMatch(/^cli-checks: saved version 1 \(new flow\)/);
      expect(err).toEqual([
        '1 warning (publishing refuses the flow until fixed):',
        expect.stringMatching(/^ {2}blocks\.call\.request\.headers\.authorization: secret CHECKS_MISSING is not set/),
      ]);

      out = [];
      expect(await run(['push', path, '--flow', 'cli-checks'], withKey())).toBe(0);
      expect(out).toEqual(['cli-checks: unchanged, the same as version 1: nothing saved']);

      err = [];
      expect(await run(['publish', 'cli-checks', '--version', '1', '--channel', `line:${stack.demo.lineChannelId}`], withKey())).toBe(1);
      expect(err).toEqual([
        expect.stringMatching(/^POST \/admin\/flows\/cli-checks\/publish: 409 the flow uses secrets this workspace does not have/),
        '  blocks.call.request.headers.authorization: secret CHECKS_MISSING is not set in this workspace (set it with PUT /admin/secrets/CHECKS_MISSING)',
      ]);
    });
  });
});

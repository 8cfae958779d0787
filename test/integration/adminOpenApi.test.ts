import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { z } from 'zod';
import { documentedRoutes } from '../../functions/admin/openApiDocument';
import { ADMIN_ROUTES } from '../../functions/admin/routes';
import type { LocalStack } from '../../local/localStack';
import { flowJsonSchema } from '../../shared/flow/validateFlow';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startTestStack } from '../support/localStackHarness';

/** The served OpenAPI document: valid OpenAPI 3.x, listing every route the router knows, from the same table. */
describe('admin OpenAPI document', () => {
  let stack: LocalStack;
  let admin: AdminClient;
  let document: Record<string, unknown>;
  let served: string;

  beforeAll(async () => {
    stack = await startTestStack();
    admin = adminClient(stack, stack.demo.adminKey);
    const reply = await admin.call('GET', '/admin/openapi.json', undefined, { key: null });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    served = reply.text;
    document = z.record(z.string(), z.unknown()).parse(reply.body);
  });

  afterAll(() => stack.stop());

  test('validates as OpenAPI 3.1', async () => {
    expect(document.openapi).toBe('3.1.0');
    // Exactly the bytes served, from a file: the parser takes a path (and dereferences in place).
    const dir = await mkdtemp(join(tmpdir(), 'callcard-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, served);
      await expect(SwaggerParser.validate(file)).resolves.toMatchObject({ openapi: '3.1.0' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('lists exactly the routes the router serves', async () => {
    const served = Object.values(ADMIN_ROUTES).map((route) => `${route.method} ${route.path}`);
    expect(documentedRoutes(document).sort()).toEqual(served.sort());
    // And the router does serve each of them: none answers "no such route".
    for (const route of Object.values(ADMIN_ROUTES)) {
      const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'kind' ? 'line' : name === 'version' ? '1' : 'x'));
      const reply = await admin.call(route.method, path, route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
      expect([`${route.method} ${route.path}`, reply.body]).not.toEqual([`${route.method} ${route.path}`, { error: 'not found' }]);
    }
  });

  test("publish and unpublish: each channel's active flows before and after, 409 with the shared triggers", () => {
    const paths = z.record(z.string(), z.record(z.string(), z.unknown())).parse(document.paths);
    const operation = (path: string) => z.object({ responses: z.record(z.string(), z.unknown()) }).parse(paths[path]?.post);
    for (const path of ['/admin/flows/{flowId}/publish', '/admin/flows/{flowId}/unpublish']) {
      const { responses } = operation(path);
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
      const channel = JSON.stringify(responses['200']);
      expect(channel).toContain('"before"');
      expect(channel).toContain('"after"');
    }
    const error = JSON.stringify(z.object({ schemas: z.record(z.string(), z.unknown()) }).parse(document.components).schemas.Error);
    expect(error).toContain('"conflicts"');
    expect(error).toContain('"trigger"');
    expect(JSON.stringify(paths['/admin/channels/{kind}/{channelId}'])).toContain('"activeFlows"');
  });

  test('bearer security, and the flow JSON Schema as a component, also served alone', async () => {
    const components = z
      .object({ securitySchemes: z.record(z.string(), z.unknown()), schemas: z.record(z.string(), z.unknown()) })
      .parse(document.components);
    expect(components.securitySchemes).toEqual({ bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    expect(components.schemas.Flow).toEqual(flowJsonSchema());
    const alone = await admin.call('GET', '/admin/flow.schema.json', undefined, { key: null });
    expect(alone.body).toEqual(flowJsonSchema());
  });
});

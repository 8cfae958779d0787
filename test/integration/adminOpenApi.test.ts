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

  test('bearer security, and the flow JSON Schema as a component, also served alone', async () => {
    const components = z.object({ securitySchemes: z.record(z.string(), z.unknown()), schemas: z.record(z.string(), z.unknown()) }).parse(document.components);
    expect(components.securitySchemes).toEqual({ bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    expect(components.schemas.Flow).toEqual(flowJsonSchema());
    const alone = await admin.call('GET', '/admin/flow.schema.json', undefined, { key: null });
    expect(alone.body).toEqual(flowJsonSchema());
  });
});

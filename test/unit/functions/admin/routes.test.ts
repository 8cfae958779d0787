import { z } from 'zod';
import { checkFlow, MAX_FLOW_DEPTH } from '../../../../functions/admin/checkFlow';
import { AdminError } from '../../../../functions/admin/adminError';
import { matchRoute } from '../../../../functions/admin/matchRoute';
import { documentedRoutes, openApiDocument } from '../../../../functions/admin/openApiDocument';
import { ROUTE_HANDLERS } from '../../../../functions/admin/routeHandlers';
import { ADMIN_ROUTES } from '../../../../functions/admin/routes';
import { noBody } from '../../../../functions/admin/schemas';
import { flowSchema } from '../../../../shared/flow/schema';
import { demoFlow } from '../../../../local/demoFlow';

const entries = Object.entries(ADMIN_ROUTES);

describe('the route table', () => {
  test('every route has a handler, and no handler lacks a route', () => {
    expect(Object.keys(ROUTE_HANDLERS).sort()).toEqual(Object.keys(ADMIN_ROUTES).sort());
  });

  test('method + path is unique', () => {
    const keys = entries.map(([, r]) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test.each(entries)('%s: the path parameters and the params schema name the same things', (_id, route) => {
    const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const inSchema = Object.keys(z.object({}).extend(route.params instanceof z.ZodObject ? route.params.shape : {}).shape).sort();
    expect(inSchema).toEqual(inPath);
  });

  test('only the API documents are public; only reads go without a body', () => {
    expect(
      entries
        .filter(([, r]) => !r.auth)
        .map(([id]) => id)
        .sort(),
    ).toEqual(['flowSchema', 'openApi']);
    for (const [, route] of entries) if (route.method === 'GET' || route.method === 'DELETE') expect(route.body).toBe(noBody);
  });
});

describe('matchRoute', () => {
  test('a literal segment beats a parameter', () => {
    expect(matchRoute(ADMIN_ROUTES, 'POST', '/admin/flows/validate')?.id).toBe('validateFlow');
    expect(matchRoute(ADMIN_ROUTES, 'GET', '/admin/flows/validate')).toEqual({ id: 'getFlow', params: { flowId: 'validate' } });
  });

  test('parameters are URL-decoded; trailing slashes do not matter', () => {
    expect(matchRoute(ADMIN_ROUTES, 'GET', '/admin/contacts/line/demo-line/U%2D1/')).toEqual({
      id: 'getContact',
      params: { kind: 'line', channelId: 'demo-line', userId: 'U-1' },
    });
  });

  test('unknown paths, wrong methods and undecodable paths match nothing', () => {
    expect(matchRoute(ADMIN_ROUTES, 'GET', '/admin/nothing')).toBeUndefined();
    expect(matchRoute(ADMIN_ROUTES, 'PATCH', '/admin/flows')).toBeUndefined();
    expect(matchRoute(ADMIN_ROUTES, 'GET', '/admin/flows/%E0%A4%A')).toBeUndefined();
    expect(matchRoute(ADMIN_ROUTES, 'GET', '/admin/flows/a/versions/1/extra')).toBeUndefined();
  });
});

describe('the OpenAPI document', () => {
  const document = openApiDocument();

  test('lists exactly the routes of the table', () => {
    expect(documentedRoutes(document).sort()).toEqual(entries.map(([, r]) => `${r.method} ${r.path}`).sort());
  });

  test('bearer security everywhere but on the public documents; flow bodies point at the Flow component', () => {
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    const text = JSON.stringify(document);
    expect(text).toContain('"$ref":"#/components/schemas/Flow"');
    const paths = z
      .record(z.string(), z.record(z.string(), z.object({ security: z.array(z.unknown()).optional() }).passthrough()))
      .parse(document.paths);
    expect(paths['/admin/openapi.json']?.get?.security).toEqual([]);
    expect(paths['/admin/flows']?.get?.security).toBeUndefined();
  });

  test('failed jobs: delete one by its messageId, or all only with a required all=true; each answers the ids deleted', () => {
    const paths = z
      .record(
        z.string(),
        z.record(
          z.string(),
          z.object({ parameters: z.array(z.unknown()).optional(), responses: z.record(z.string(), z.unknown()) }).passthrough(),
        ),
      )
      .parse(document.paths);
    const one = paths['/admin/failed-jobs/{messageId}']?.delete;
    const all = paths['/admin/failed-jobs']?.delete;
    expect(one?.parameters).toEqual([expect.objectContaining({ name: 'messageId', in: 'path', required: true })]);
    expect(all?.parameters).toEqual([
      expect.objectContaining({ name: 'all', in: 'query', required: true, schema: { type: 'string', const: 'true' } }),
    ]);
    expect(Object.keys(one?.responses ?? {})).toEqual(['200', '400', '401', '404', '503']);
    expect(JSON.stringify(all?.responses['200'])).toContain('"deleted"');
  });
});

describe('checkFlow', () => {
  /** The body of the 400 a flow gets. */
  function refusal(document: unknown): unknown {
    try {
      checkFlow(document);
    } catch (error) {
      if (error instanceof AdminError) return error.body;
      throw error;
    }
    throw new Error('the flow was accepted');
  }

  test('problems come with paths under flow.', () => {
    const flow = flowSchema.parse(demoFlow('https://brand.example'));
    const broken = {
      ...flow,
      blocks: { ...flow.blocks, help: { type: 'message', messages: [{ type: 'text', text: 'x' }], next: 'nowhere' } },
    };
    expect(refusal(broken)).toEqual({
      error: 'invalid flow',
      problems: [{ path: 'flow.blocks.help.next', message: 'no block named "nowhere"' }],
    });
    expect(refusal('a string')).toEqual({ error: 'invalid flow', problems: [{ path: 'flow', message: expect.any(String) }] });
  });

  test(`a document nested deeper than ${MAX_FLOW_DEPTH} levels is refused before validation (DynamoDB stores 32)`, () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 40; i += 1) value = { a: value };
    const flow = flowSchema.parse(demoFlow('https://brand.example'));
    const deep = {
      ...flow,
      blocks: {
        ...flow.blocks,
        best_sellers: { type: 'callApi', request: { method: 'POST', url: 'https://brand.example', body: { type: 'json', value } } },
      },
    };
    expect(refusal(deep)).toEqual({
      error: 'invalid flow',
      problems: [{ path: 'flow', message: expect.stringMatching(/levels deep: at most 24/) }],
    });
  });
});

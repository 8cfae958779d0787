import * as z from 'zod';
import { flowJsonSchema } from '../../shared/flow/validateFlow';
import { ADMIN_ROUTES, MAX_BODY_BYTES, type ErrorStatus, type RouteSpec } from './routes';
import { errorSchema, flowDocumentSchema, noBody } from './schemas';

type JsonSchema = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Invalid request: malformed JSON, or every validation problem with its path',
  401: 'Missing or wrong admin key',
  404: 'No such route or resource (also for resources of other workspaces)',
  409: 'Conflict with the current state',
  413: `Request body over ${MAX_BODY_BYTES} bytes`,
  503: 'The dead-letter queue is not configured',
};

/**
 * The admin API as an OpenAPI 3.1 document, generated from the route table (the schemas the router
 * validates with), with the flow document's JSON Schema as the `Flow` component.
 */
export function openApiDocument(routes: Record<string, RouteSpec> = ADMIN_ROUTES): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [id, route] of Object.entries(routes)) {
    const operation: Record<string, unknown> = {
      operationId: id,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [tagOf(route.path)],
      ...(route.auth ? {} : { security: [] }),
    };
    const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
    if (parameters.length) operation.parameters = parameters;
    if (route.body !== noBody) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } };
    }
    const errors = new Set<ErrorStatus>(route.errors);
    if (route.auth) errors.add(401);
    if (route.body !== noBody) errors.add(413).add(400);
    operation.responses = {
      [String(route.status)]: {
        description: route.status === 201 ? 'Created' : 'OK',
        content: { 'application/json': { schema: toSchema(route.response, 'output') } },
      },
      ...Object.fromEntries(
        [...errors].sort().map((status) => [
          String(status),
          {
            description: ERROR_DESCRIPTIONS[status],
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    };
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'callcard admin API',
      version: '1',
      description: `Flows, channels, secrets, dry runs, contacts, execution logs and failed jobs of one workspace: the workspace of the bearer admin key. What belongs to another workspace answers 404. Request bodies are JSON, at most ${MAX_BODY_BYTES} bytes.`,
    },
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An admin key of the workspace' } },
      schemas: { Flow: flowJsonSchema(), Error: toSchema(errorSchema, 'output') },
    },
  };
}

/** The route table's paths and methods as the document lists them: `GET /admin/flows`. */
export function documentedRoutes(document: JsonSchema): string[] {
  const paths = z.record(z.string(), z.record(z.string(), z.unknown())).parse(document.paths);
  return Object.entries(paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    // Flow documents are checked by validateFlow; the document points at their full schema instead.
    override: (ctx) => {
      if (ctx.zodSchema !== flowDocumentSchema) return;
      for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
      ctx.jsonSchema.$ref = '#/components/schemas/Flow';
    },
  });
  return rest;
}

function parametersOf(schema: z.ZodType, location: 'path' | 'query'): JsonSchema[] {
  const json = toSchema(schema, 'input');
  const properties = z.record(z.string(), z.record(z.string(), z.unknown())).catch({}).parse(json.properties);
  const required = new Set(z.array(z.string()).catch([]).parse(json.required));
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function tagOf(path: string): string {
  const section = path.split('/')[2] ?? 'admin';
  return section.endsWith('.json') ? 'documents' : section;
}

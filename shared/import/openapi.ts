import type SwaggerParserType from '@apidevtools/swagger-parser';
import type * as YamlType from 'yaml';
import type * as z from 'zod';
import type { callApiBlockSchema, CardContract } from '../flow/schema';
import { staticUrlProblem } from '../flow/validateFlow';
import {
  attributeNameOf,
  checkImportedCard,
  ImportError,
  secretNameFor,
  type ImportedCardInput,
  type SecretOffer,
  type VariableOffer,
} from './importedCard';

// An OpenAPI 3.0/3.1 operation as a Call an API card. The document is parsed (JSON or YAML),
// validated and dereferenced by @apidevtools/swagger-parser, loaded on first use only (the import
// route and the CLI need it; no turn does), with external references refused: a document pasted by an
// admin must not make callcard read a file or call a URL. A document given by URL is fetched by the
// caller, through the guarded outbound path.

type CardInput = z.input<typeof callApiBlockSchema>;
type Json = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Deeper levels of a schema are left open (`{}`) in the payload tree and the contract. */
const MAX_DEPTH = 8;
/** Field pickers list at most this many paths. */
const MAX_FIELDS = 300;

/** A dereferenced OpenAPI 3.x document (what swagger-parser returns), read defensively. */
export interface OpenApiDocument {
  openapi: string;
  info?: { title?: string; version?: string };
  servers?: Array<{ url: string; variables?: Record<string, { default?: string }> }>;
  paths?: Record<string, Json>;
  components?: { securitySchemes?: Record<string, Json> };
  security?: Array<Record<string, string[]>>;
}

export interface OperationSummary {
  /** The operationId, or `METHOD /path` for an operation without one. */
  operationId: string;
  method: Method;
  path: string;
  summary?: string;
}

let parser: typeof SwaggerParserType | undefined;
function swaggerParser(): typeof SwaggerParserType {
  // Loaded on the first import: about 280 KiB that no turn needs. Lambda bundles leave it (and yaml)
  // out of index.js and ship it beside (infra/bundling.ts, SHIPPED_BESIDE), so no cold start pays for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, on purpose
  parser ??= (require('@apidevtools/swagger-parser') as { default: typeof SwaggerParserType }).default;
  return parser;
}

let yaml: typeof YamlType | undefined;
function yamlParser(): typeof YamlType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, on purpose
  yaml ??= require('yaml') as typeof YamlType;
  return yaml;
}

/** Parse, validate and dereference a document (JSON or YAML text, or an object). Refuses Swagger 2.0 and external references. */
export async function loadOpenApi(source: string | Json): Promise<OpenApiDocument> {
  let document: unknown = source;
  if (typeof source === 'string') {
    try {
      document = /^\s*[{[]/.test(source) ? JSON.parse(source) : yamlParser().parse(source, { maxAliasCount: 100 });
    } catch (error) {
      throw new ImportError(
        `the document is neither JSON nor YAML: ${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}`,
      );
    }
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new ImportError('the document is not an OpenAPI object');
  const version = (document as Json).openapi;
  if (typeof version !== 'string' || !/^3\.[01]\./.test(version)) {
    throw new ImportError(
      (document as Json).swagger
        ? 'Swagger 2.0: convert it to OpenAPI 3 first'
        : 'not an OpenAPI 3.0 or 3.1 document (no "openapi": "3.x.y")',
    );
  }
  const external = externalReference(document);
  if (external)
    throw new ImportError(
      `the document refers to ${external.slice(0, 200)}: references to other files or URLs are not followed (bundle the document into one first)`,
    );
  try {
    const api = await swaggerParser().validate(structuredClone(document) as never, {
      resolve: { external: false, file: false, http: false },
      dereference: { circular: true },
    });
    return api as unknown as OpenApiDocument;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n').slice(0, 3).join(' ') : 'invalid';
    throw new ImportError(`the document is not valid OpenAPI: ${message.slice(0, 500)}`);
  }
}

/** The first `$ref` that points outside the document, if any. */
function externalReference(value: unknown, depth = 0): string | undefined {
  if (depth > 200 || typeof value !== 'object' || value === null) return undefined;
  if (!Array.isArray(value) && typeof (value as Json).$ref === 'string' && !((value as Json).$ref as string).startsWith('#'))
    return (value as Json).$ref as string;
  for (const item of Object.values(value)) {
    const found = externalReference(item, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Every operation a card can call (GET, POST, PUT, PATCH, DELETE), in document order. */
export function listOperations(document: OpenApiDocument): OperationSummary[] {
  const out: OperationSummary[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = record(item[method]);
      if (!operation) continue;
      const summary = str(operation.summary) ?? str(operation.description)?.split('\n')[0];
      out.push({
        operationId: str(operation.operationId) ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as Method,
        path,
        ...(summary ? { summary } : {}),
      });
    }
  }
  return out;
}

export interface ImportOperationOptions {
  /** Where the document came from (its URL): a relative server URL is resolved against it. */
  documentUrl?: string;
  /** Which of the servers to call (0: the first). */
  server?: number;
}

/** The card for one operation: request, secrets of its auth scheme, variables, and the response's contract. */
export function importOperation(document: OpenApiDocument, operationId: string, options: ImportOperationOptions = {}): ImportedCardInput {
  const found = findOperation(document, operationId);
  const { path, method, operation, pathItem } = found;
  const warnings: string[] = [];
  const variables: VariableOffer[] = [];
  const secrets: SecretOffer[] = [];
  const names = new Set<string>();

  const base = serverUrl(document, pathItem, operation, options, warnings);
  const host = hostOf(base);

  const parameters = mergeParameters(pathItem.parameters, operation.parameters);
  let urlPath = path;
  for (const p of parameters.filter((p) => p.in === 'path')) {
    const name = uniqueName(p.name, '', names);
    urlPath = urlPath.split(`{${p.name}}`).join(`{{ attributes.${name} }}`);
    variables.push(variable('path', p.name, p.schema, true, name, p.example));
  }
  const query: string[] = [];
  for (const p of parameters.filter((p) => p.in === 'query')) {
    const name = uniqueName(p.name, '', names);
    if (p.required) query.push(`${encodeURIComponent(p.name)}={{ attributes.${name} }}`);
    variables.push(variable('query', p.name, p.schema, p.required, name, p.example, p.required));
  }
  const headers: Record<string, string> = {};
  for (const p of parameters.filter((p) => p.in === 'header')) {
    if (!p.required || /^(accept|content-type|authorization)$/i.test(p.name)) continue;
    const name = uniqueName(p.name, '', names);
    headers[p.name] = `{{ attributes.${name} }}`;
    variables.push({ in: 'header', path: p.name, suggested: `attributes.${name}`, templated: true, required: true, ...typeOf(p.schema) });
    warnings.push(`the header ${p.name} is required: it reads attributes.${name}`);
  }
  const url = `${base.replace(/\/+$/, '')}${urlPath}${query.length ? `?${query.join('&')}` : ''}`;

  applySecurity(document, operation, host, headers, secrets, warnings);

  const card: CardInput = { type: 'callApi', request: { method, url } };
  const body = requestBody(operation, names, variables, warnings);
  if (body) card.request.body = body;
  if (Object.keys(headers).length) card.request.headers = headers;

  const contract = responseContract(operation, warnings);
  if (contract) card.contract = contract;
  const responseFields = contract ? fieldsOf(contract.body, 'response.body') : [];
  checkImportedCard(card);
  return { card, secrets, variables, responseFields, warnings };
}

function findOperation(document: OpenApiDocument, operationId: string): { path: string; method: Method; operation: Json; pathItem: Json } {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = record(item[method]);
      if (operation && (operation.operationId === operationId || `${method.toUpperCase()} ${path}` === operationId))
        return { path, method: method.toUpperCase() as Method, operation, pathItem: item };
    }
  }
  const known = listOperations(document).map((o) => o.operationId);
  throw new ImportError(
    `no operation ${operationId} in the document${known.length ? ` (it has ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''})` : ''}`,
  );
}

/** The server URL (operation's, path's or document's), its variables at their defaults, resolved against the document's URL when relative. */
function serverUrl(
  document: OpenApiDocument,
  pathItem: Json,
  operation: Json,
  options: ImportOperationOptions,
  warnings: string[],
): string {
  const servers = [operation.servers, pathItem.servers, document.servers]
    .map((s) => (Array.isArray(s) ? (s as OpenApiDocument['servers']) : undefined))
    .find((s) => s?.length);
  const server = servers?.[options.server ?? 0];
  if (!server) {
    if (options.documentUrl) return new URL('/', options.documentUrl).toString();
    throw new ImportError('the document names no server: add "servers": [{"url": "https://api.brand.example"}]');
  }
  if (servers && servers.length > 1 && options.server === undefined)
    warnings.push(`the document names ${servers.length} servers: the first (${server.url}) was taken`);
  let url = server.url.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = server.variables?.[name]?.default;
    if (value === undefined) throw new ImportError(`the server URL's {${name}} has no default`);
    return value;
  });
  if (!/^https?:\/\//i.test(url)) {
    if (!options.documentUrl)
      throw new ImportError(`the server URL ${url} is relative: give the document by URL, or write the server's full URL`);
    url = new URL(url, options.documentUrl).toString();
  }
  if (/^http:\/\//i.test(url) && staticUrlProblem(url) !== undefined) {
    url = url.replace(/^http:/i, 'https:');
    warnings.push(`the server is ${server.url}: cards call https, so https:// was taken`);
  }
  return url;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    throw new ImportError(`the server URL ${url} does not parse`);
  }
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Json | undefined;
  example?: unknown;
}

/** Path-level parameters, overridden by the operation's of the same name and place. */
function mergeParameters(...lists: unknown[]): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const list of lists) {
    for (const raw of Array.isArray(list) ? list : []) {
      const p = record(raw);
      const name = str(p?.name);
      const where = str(p?.in);
      if (!p || !name || !where) continue;
      byKey.set(`${where}:${name}`, {
        name,
        in: where,
        required: p.required === true || where === 'path',
        schema: record(p.schema),
        example: p.example ?? record(p.schema)?.example,
      });
    }
  }
  return [...byKey.values()];
}

/** The auth scheme the operation asks for first, as a header secret reference. */
function applySecurity(
  document: OpenApiDocument,
  operation: Json,
  host: string,
  headers: Record<string, string>,
  secrets: SecretOffer[],
  warnings: string[],
): void {
  const requirements = Array.isArray(operation.security)
    ? (operation.security as Array<Record<string, string[]>>)
    : (document.security ?? []);
  const first = requirements.find((r) => Object.keys(r).length > 0);
  if (!first) return;
  const taken = new Set<string>();
  const schemeNames = Object.keys(first);
  if (schemeNames.length > 1) warnings.push(`the operation asks for ${schemeNames.join(' and ')} together: each becomes a header secret`);
  if (requirements.length > 1) warnings.push('the operation accepts other auth schemes too: the first was taken');
  for (const schemeName of schemeNames) {
    const scheme = record(document.components?.securitySchemes?.[schemeName]);
    if (!scheme) continue;
    const from = `securityScheme ${schemeName}`;
    const offer = (header: string, prefix: string, kind: string, suffix = ''): void => {
      const name = secretNameFor(host, kind, taken);
      taken.add(name);
      headers[header] = `${prefix}{{ secrets.${name} }}${suffix}`;
      secrets.push({ name, header, allowedHosts: [host], from });
    };
    const type = str(scheme.type);
    const httpScheme = str(scheme.scheme)?.toLowerCase();
    if (type === 'http' && httpScheme === 'bearer') offer('Authorization', 'Bearer ', 'TOKEN');
    else if (type === 'http' && httpScheme === 'basic') {
      offer('Authorization', 'Basic ', 'BASIC_AUTH');
      warnings.push('HTTP basic auth: store the secret as the base64 of user:password');
    } else if (type === 'apiKey' && scheme.in === 'header' && str(scheme.name))
      offer(str(scheme.name) as string, '', (str(scheme.name) as string).replace(/^x-/i, ''));
    else if (type === 'apiKey' && scheme.in === 'cookie' && str(scheme.name))
      offer('Cookie', `${str(scheme.name) as string}=`, str(scheme.name) as string);
    else if (type === 'apiKey' && scheme.in === 'query') {
      const name = secretNameFor(host, str(scheme.name) ?? 'key', taken);
      taken.add(name);
      secrets.push({ name, header: '', allowedHosts: [host], from });
      warnings.push(
        `${schemeName} sends the key in the query (${str(scheme.name) ?? '?'}): callcard sends secrets in headers only, so the card sends none. Use the API's header form if it has one`,
      );
    } else if (type === 'oauth2' || type === 'openIdConnect') {
      offer('Authorization', 'Bearer ', 'TOKEN');
      warnings.push(`${schemeName} is ${type}: the card sends a stored access token as Bearer; callcard does not obtain or refresh it`);
    } else
      warnings.push(
        `${schemeName} (${type ?? 'unknown'}${httpScheme ? ` ${httpScheme}` : ''}) is not a scheme the import knows: add its header by hand`,
      );
  }
}

/** The request body: a JSON payload tree (leaves read attributes) or form fields, from the first JSON or form media type. */
function requestBody(
  operation: Json,
  names: Set<string>,
  variables: VariableOffer[],
  warnings: string[],
): CardInput['request']['body'] | undefined {
  const content = record(record(operation.requestBody)?.content);
  if (!content) return undefined;
  const types = Object.keys(content);
  const json = types.find((t) => /^application\/([\w.-]+\+)?json\b/i.test(t));
  const form = types.find((t) => /^application\/x-www-form-urlencoded\b/i.test(t));
  const chosen = json ?? form;
  if (!chosen) {
    warnings.push(`the request body is ${types.join(', ')}: cards send JSON or form bodies, so the card sends none`);
    return undefined;
  }
  const schema = record(record(content[chosen])?.schema) ?? {};
  if (json) return { type: 'json', value: payloadTree(schema, '', '', names, variables, 0, new Set()) ?? {} };
  const fields: Record<string, string> = {};
  for (const [key, property] of Object.entries(propertiesOf(schema))) {
    const name = uniqueName(key, '', names);
    fields[key] = `{{ attributes.${name} }}`;
    variables.push(variable('form', key, record(property), true, name, record(property)?.example, requiredOf(schema).has(key)));
  }
  return { type: 'form', fields };
}

/**
 * A schema as a JSON payload template: objects keep their required properties (all of them when none
 * is marked required), an array one item, a constant (`const`, a single `enum`) its value, and every
 * other leaf `{{ attributes.NAME }}`, offered as a variable.
 */
function payloadTree(
  schema: Json,
  path: string,
  parent: string,
  names: Set<string>,
  variables: VariableOffer[],
  depth: number,
  seen: Set<Json>,
): unknown {
  if (depth > MAX_DEPTH || seen.has(schema)) return undefined;
  const s = flatten(schema);
  const constant = s.const ?? (Array.isArray(s.enum) && s.enum.length === 1 ? s.enum[0] : undefined);
  if (constant !== undefined) return constant;
  const type = typeName(s);
  const inner = new Set(seen).add(schema);
  if (type === 'object' || (type === undefined && s.properties)) {
    const properties = propertiesOf(s);
    const required = requiredOf(s);
    const keys = Object.keys(properties).filter((k) => required.size === 0 || required.has(k));
    const out: Json = {};
    for (const key of keys) {
      const value = payloadTree(record(properties[key]) ?? {}, path ? `${path}.${key}` : key, key, names, variables, depth + 1, inner);
      if (value !== undefined) out[key] = value;
    }
    for (const key of Object.keys(properties).filter((k) => !keys.includes(k))) {
      variables.push({
        ...variable(
          'body',
          path ? `${path}.${key}` : key,
          record(properties[key]),
          false,
          attributeNameOf(key),
          record(properties[key])?.example,
          false,
        ),
        templated: false,
      });
    }
    return out;
  }
  if (type === 'array') {
    const item = payloadTree(record(s.items) ?? {}, `${path}[0]`, parent, names, variables, depth + 1, inner);
    return item === undefined ? [] : [item];
  }
  const name = uniqueName(parent || 'value', '', names);
  variables.push(variable('body', path, s, true, name, s.example ?? (Array.isArray(s.examples) ? s.examples[0] : undefined), true));
  return `{{ attributes.${name} }}`;
}

/** The first 2xx JSON response's schema, as the card's contract (JSON Schema 2020-12). */
function responseContract(operation: Json, warnings: string[]): CardContract | undefined {
  const responses = record(operation.responses) ?? {};
  const status = Object.keys(responses)
    .sort()
    .find((code) => /^2(\d\d|XX)$/i.test(code));
  if (!status) return undefined;
  const content = record(record(responses[status])?.content);
  const type = content && Object.keys(content).find((t) => /^application\/([\w.-]+\+)?json\b/i.test(t));
  const schema = type ? record(record(content[type])?.schema) : undefined;
  if (!schema) {
    if (content) warnings.push(`the ${status} response is not JSON: no contract`);
    return undefined;
  }
  const body = toJsonSchema(schema, 0, new Set());
  return { body: typeof body === 'object' && body !== null ? (body as Json) : {} };
}

/** OpenAPI 3.0's schema dialect as JSON Schema: `nullable` as a null type; documentation-only keywords dropped; cycles and deep levels left open. */
function toJsonSchema(schema: unknown, depth: number, seen: Set<unknown>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, depth, seen));
  const s = record(schema);
  if (!s) return schema;
  if (seen.has(s) || depth > MAX_DEPTH) return {};
  const inner = new Set(seen).add(s);
  const out: Json = {};
  for (const [key, value] of Object.entries(s)) {
    if (
      [
        'nullable',
        'discriminator',
        'xml',
        'externalDocs',
        'example',
        'examples',
        'description',
        'title',
        'deprecated',
        'readOnly',
        'writeOnly',
      ].includes(key) ||
      key.startsWith('x-')
    )
      continue;
    if (key === 'properties' || key === 'patternProperties' || key === '$defs') {
      out[key] = Object.fromEntries(Object.entries(record(value) ?? {}).map(([k, v]) => [k, toJsonSchema(v, depth + 1, inner)]));
    } else if (['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf', 'prefixItems', 'contains'].includes(key)) {
      out[key] = typeof value === 'boolean' ? value : toJsonSchema(value, depth + 1, inner);
    } else out[key] = value;
  }
  if (s.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

/** The paths a follow-up may read: `response.body.tickets[].title`, with their types. */
export function fieldsOf(
  schema: Json,
  at: string,
  depth = 0,
  out: Array<{ path: string; type?: string }> = [],
): Array<{ path: string; type?: string }> {
  if (out.length >= MAX_FIELDS || depth > MAX_DEPTH) return out;
  const s = flatten(schema);
  const type = typeName(s);
  if (depth > 0) out.push({ path: at, ...(type ? { type } : {}) });
  if (type === 'array') fieldsOf(record(s.items) ?? {}, `${at}[]`, depth + 1, out);
  else for (const [key, property] of Object.entries(propertiesOf(s))) fieldsOf(record(property) ?? {}, `${at}.${key}`, depth + 1, out);
  return out;
}

/** allOf merged; the first of oneOf / anyOf (a payload and a picker show one shape). */
function flatten(schema: Json): Json {
  let s = schema;
  if (Array.isArray(s.allOf)) {
    const parts = (s.allOf as unknown[]).map((part) => flatten(record(part) ?? {}));
    s = {
      ...s,
      ...Object.assign({}, ...parts.map(({ properties: _p, required: _r, ...rest }) => rest)),
      properties: Object.assign({}, ...parts.map((p) => record(p.properties) ?? {}), record(s.properties) ?? {}),
      required: [...parts.flatMap((p) => (Array.isArray(p.required) ? p.required : [])), ...(Array.isArray(s.required) ? s.required : [])],
    };
    delete s.allOf;
  }
  const alternatives = (Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : undefined) as unknown[] | undefined;
  if (alternatives?.length) {
    const firstNonNull = alternatives.map((a) => record(a) ?? {}).find((a) => a.type !== 'null') ?? {};
    const { oneOf: _o, anyOf: _a, ...rest } = s;
    s = { ...rest, ...flatten(firstNonNull) };
  }
  return s;
}

function propertiesOf(schema: Json): Record<string, unknown> {
  return record(flatten(schema).properties) ?? {};
}

function requiredOf(schema: Json): Set<string> {
  const required = flatten(schema).required;
  return new Set(Array.isArray(required) ? required.filter((r): r is string => typeof r === 'string') : []);
}

function typeName(schema: Json): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((t): t is string => typeof t === 'string' && t !== 'null');
  return undefined;
}

function typeOf(schema: Json | undefined): { type?: string } {
  const type = schema ? typeName(flatten(schema)) : undefined;
  return type ? { type } : {};
}

function variable(
  where: VariableOffer['in'],
  path: string,
  schema: Json | undefined,
  templated: boolean,
  name: string,
  example: unknown,
  required?: boolean,
): VariableOffer {
  const value = typeof example === 'string' || typeof example === 'number' || typeof example === 'boolean' ? example : undefined;
  return {
    in: where,
    path,
    ...(value !== undefined ? { value } : {}),
    ...typeOf(schema),
    ...(required !== undefined ? { required } : {}),
    suggested: `attributes.${name}`,
    templated,
  };
}

/** An attribute name for a field, made unique within the card (`id`, then `recipient_id`-style with a number). */
function uniqueName(field: string, _parent: string, names: Set<string>): string {
  const base = attributeNameOf(field);
  let name = base;
  for (let n = 2; names.has(name); n++) name = `${base}_${n}`;
  names.add(name);
  return name;
}

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

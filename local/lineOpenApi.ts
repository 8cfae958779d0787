import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

/**
 * Validates request bodies against LINE's official Messaging API OpenAPI file
 * (`local/line-openapi/messaging-api.yml`, Apache-2.0), so the local stand-in rejects
 * exactly what the real API would reject on shape, and tests catch payload mistakes early.
 *
 * The file is OpenAPI 3.0, not plain JSON Schema. Two things need translating:
 *
 * - `discriminator` + `mapping`: a base schema (e.g. `Message`) names its subtypes by the value of
 *   `type`, and each subtype is `allOf: [$ref base, {...own fields}]`. JSON Schema ignores
 *   `discriminator`, so validating against `Message` alone would accept a text message without
 *   `text` or a Flex bubble with a made-up component. Each base is therefore split into
 *   `<Base>__common` (its own fields) and a dispatcher `<Base>` that requires the tag, restricts it
 *   to the mapped values and applies the mapped subtype with `if`/`then`. Subtypes point at
 *   `<Base>__common` instead of `<Base>`, which would otherwise dispatch back to themselves forever,
 *   and pin the tag to their own mapped value(s) so a directly referenced subtype (a carousel's
 *   `FlexBubble` items) still checks `type`.
 * - `nullable: true` becomes a `null` member of `type` (and of `enum`).
 */

/** The LINE API calls our executor makes. */
export type LineOperation = 'reply' | 'push' | 'loading';

/** One validation problem, located both as a JSON pointer and in LINE's `messages[0].text` style. */
export interface LineProblem {
  /** JSON pointer into the request body, `''` for the body itself. */
  path: string;
  /** The same location written the way LINE's error `details[].property` writes it. */
  property: string;
  message: string;
}

type JsonObject = Record<string, unknown>;

const SPEC_FILE = path.join(__dirname, 'line-openapi', 'messaging-api.yml');
const SCHEMA_ID = 'https://callcard.local/line-openapi/messaging-api.json';
const REF_PREFIX = '#/components/schemas/';

const OPERATION_SCHEMAS: Record<LineOperation, string> = {
  reply: 'ReplyMessageRequest',
  push: 'PushMessageRequest',
  loading: 'ShowLoadingAnimationRequest',
};

/**
 * Limits LINE documents only in prose (descriptions, reference pages), not as schema keywords.
 * Each entry is added to the named schema with `allOf`, so the original stays untouched.
 */
const DOCUMENTED_CONSTRAINTS: Record<string, JsonObject> = {
  // "It must be a multiple of 5" (description of loadingSeconds).
  ShowLoadingAnimationRequest: { properties: { loadingSeconds: { multipleOf: 5 } } },
  // Text message: "Max character limit: 5000"; an empty text is rejected.
  TextMessage: { properties: { text: { minLength: 1, maxLength: 5000 } } },
  // Flex message: altText "Max character limit: 1500".
  FlexMessage: { properties: { altText: { minLength: 1, maxLength: 1500 } } },
  // Flex carousel: "Max: 12 bubbles".
  FlexCarousel: { properties: { contents: { minItems: 1, maxItems: 12 } } },
};

/** True for plain JSON objects (not arrays, not null). */
function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A discriminator that names its subtypes explicitly, the only form the LINE file uses. */
interface Discriminator {
  propertyName: string;
  /** Tag value → `#/components/schemas/...` reference. */
  mapping: Record<string, string>;
}

/** Reads an OpenAPI `discriminator` with an explicit mapping, or undefined. */
function readDiscriminator(schema: JsonObject): Discriminator | undefined {
  const raw = schema['discriminator'];
  if (!isRecord(raw) || typeof raw['propertyName'] !== 'string' || !isRecord(raw['mapping'])) return undefined;
  const mapping: Record<string, string> = {};
  for (const [tag, target] of Object.entries(raw['mapping'])) {
    // OpenAPI allows a bare schema name as well as a reference.
    if (typeof target === 'string') mapping[tag] = target.startsWith('#') ? target : REF_PREFIX + target;
  }
  return { propertyName: raw['propertyName'], mapping };
}

/** `#/components/schemas/Foo` → `Foo`; undefined for references elsewhere. */
function schemaNameOf(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
}

function commonName(baseName: string): string {
  return `${baseName}__common`;
}

/** Recursively rewrites OpenAPI 3.0 `nullable: true` into JSON Schema `type: [..., 'null']`. */
export function convertNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (!isRecord(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = convertNullable(value);
  // `=== true` (not truthiness) so a property that happens to be *named* "nullable" is left alone.
  if (out['nullable'] === true) {
    delete out['nullable'];
    const type = out['type'];
    if (typeof type === 'string') out['type'] = [type, 'null'];
    else if (Array.isArray(type) && !type.includes('null')) out['type'] = [...type, 'null'];
    const allowed = out['enum'];
    if (Array.isArray(allowed) && !allowed.includes(null)) out['enum'] = [...allowed, null];
  }
  return out;
}

/** For each subtype schema name: the bases that map to it and the tag values they use for it. */
function subtypeIndex(bases: Map<string, Discriminator>): Map<string, Map<string, string[]>> {
  const index = new Map<string, Map<string, string[]>>();
  for (const [baseName, discriminator] of bases) {
    for (const [tag, ref] of Object.entries(discriminator.mapping)) {
      const subtype = schemaNameOf(ref);
      if (subtype === undefined) continue;
      const byBase = index.get(subtype) ?? new Map<string, string[]>();
      byBase.set(baseName, [...(byBase.get(baseName) ?? []), tag]);
      index.set(subtype, byBase);
    }
  }
  return index;
}

/**
 * Points a subtype's `allOf: [$ref Base]` at `Base__common` and pins the tag to the subtype's own
 * value(s), so validating the subtype never re-enters the dispatcher.
 */
function detachSubtype(schema: JsonObject, bases: Map<string, string[]>, discriminators: Map<string, Discriminator>): JsonObject {
  const allOf = Array.isArray(schema['allOf']) ? schema['allOf'] : [];
  const pins: JsonObject[] = [];
  const rewritten = allOf.map((part: unknown) => {
    if (!isRecord(part)) return part;
    const baseName = schemaNameOf(part['$ref']);
    const tags = baseName === undefined ? undefined : bases.get(baseName);
    const discriminator = baseName === undefined ? undefined : discriminators.get(baseName);
    if (baseName === undefined || tags === undefined || discriminator === undefined) return part;
    pins.push({ properties: { [discriminator.propertyName]: { enum: tags } } });
    return { ...part, $ref: REF_PREFIX + commonName(baseName) };
  });
  return { ...schema, allOf: [...rewritten, ...pins] };
}

/**
 * The dispatcher that replaces a discriminated base: the common fields, a required tag limited to
 * the mapped values, and one `if tag = X then <subtype X>` per mapping entry. The tag is required
 * (OpenAPI expects the discriminator property in every payload, and LINE rejects objects without
 * `type`); it is also required inside each `if`, because an `if` on a missing property would pass
 * and apply every `then`.
 */
function dispatcher(baseName: string, discriminator: Discriminator): JsonObject {
  const tag = discriminator.propertyName;
  const branches = Object.entries(discriminator.mapping).map(([value, ref]) => ({
    if: { properties: { [tag]: { const: value } }, required: [tag] },
    then: { $ref: ref },
  }));
  return {
    allOf: [
      { $ref: REF_PREFIX + commonName(baseName) },
      { required: [tag], properties: { [tag]: { enum: Object.keys(discriminator.mapping) } } },
      ...branches,
    ],
  };
}

/** Turns OpenAPI `components.schemas` into JSON Schemas ajv validates the way OpenAPI means them. */
export function translateSchemas(openApiSchemas: JsonObject): Record<string, JsonObject> {
  const schemas: Record<string, JsonObject> = {};
  for (const [name, schema] of Object.entries(openApiSchemas)) {
    const converted = convertNullable(schema);
    if (isRecord(converted)) schemas[name] = converted;
  }

  const discriminators = new Map<string, Discriminator>();
  for (const [name, schema] of Object.entries(schemas)) {
    const discriminator = readDiscriminator(schema);
    if (discriminator !== undefined) discriminators.set(name, discriminator);
  }

  // Pass 1: detach every subtype from the dispatcher of its base(s).
  for (const [subtype, bases] of subtypeIndex(discriminators)) {
    const schema = schemas[subtype];
    if (schema !== undefined) schemas[subtype] = detachSubtype(schema, bases, discriminators);
  }
  // Pass 2: split each base into its common part and a dispatcher.
  for (const [baseName, discriminator] of discriminators) {
    const base = schemas[baseName];
    if (base === undefined) continue;
    const { discriminator: _dropped, ...common } = base;
    schemas[commonName(baseName)] = common;
    schemas[baseName] = dispatcher(baseName, discriminator);
  }

  for (const [name, constraint] of Object.entries(DOCUMENTED_CONSTRAINTS)) {
    const schema = schemas[name];
    if (schema === undefined) continue;
    const allOf = Array.isArray(schema['allOf']) ? schema['allOf'] : [];
    schemas[name] = { ...schema, allOf: [...allOf, constraint] };
  }
  return schemas;
}

/** Reads `components.schemas` from the bundled OpenAPI file. */
function loadOpenApiSchemas(): JsonObject {
  const document: unknown = parseYaml(readFileSync(SPEC_FILE, 'utf8'));
  const components = isRecord(document) ? document['components'] : undefined;
  const schemas = isRecord(components) ? components['schemas'] : undefined;
  if (!isRecord(schemas)) throw new Error(`${SPEC_FILE} has no components.schemas`);
  return schemas;
}

let validators: Record<LineOperation, ValidateFunction> | undefined;

/** Compiles the three request validators once, on first use (the YAML is ~6k lines). */
function getValidators(): Record<LineOperation, ValidateFunction> {
  if (validators !== undefined) return validators;
  // strict: false because OpenAPI keywords (example, externalDocs...) are not JSON Schema;
  // logger: false so nothing is printed about them.
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  ajv.addSchema({ $id: SCHEMA_ID, components: { schemas: translateSchemas(loadOpenApiSchemas()) } });
  const compile = (operation: LineOperation): ValidateFunction =>
    ajv.compile({ $ref: `${SCHEMA_ID}${REF_PREFIX}${OPERATION_SCHEMAS[operation]}` });
  validators = { reply: compile('reply'), push: compile('push'), loading: compile('loading') };
  return validators;
}

/** `/messages/0/contents/type` → `messages[0].contents.type` (LINE's `details[].property` style). */
export function pointerToProperty(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, segment) => (/^\d+$/.test(segment) ? `${acc}[${segment}]` : acc === '' ? segment : `${acc}.${segment}`), '');
}

function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Turns one ajv error into a problem; undefined for errors that only repeat their inner errors. */
export function toProblem(error: ErrorObject): LineProblem | undefined {
  // A failed `then` is reported twice: by the subtype's own errors and by a summary `if` error.
  if (error.keyword === 'if') return undefined;
  let pointer = error.instancePath;
  let message = error.message ?? 'is invalid';
  const params: Record<string, unknown> = error.params;
  const missing = params['missingProperty'];
  const extra = params['additionalProperty'];
  const allowed = params['allowedValues'];
  // Point at the offending field itself, the way LINE's `details[].property` does.
  if (error.keyword === 'required' && typeof missing === 'string') {
    pointer = `${pointer}/${escapePointerSegment(missing)}`;
    message = 'is required';
  } else if (error.keyword === 'additionalProperties' && typeof extra === 'string') {
    pointer = `${pointer}/${escapePointerSegment(extra)}`;
    message = 'is not allowed';
  } else if (error.keyword === 'enum' && Array.isArray(allowed)) {
    message = `${message}: ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  return { path: pointer, property: pointerToProperty(pointer), message };
}

/**
 * Validates a request body LINE would receive, with locations for each problem.
 * Returns [] when the body is valid.
 */
export function lineRequestProblems(operation: LineOperation, body: unknown): LineProblem[] {
  const validate = getValidators()[operation];
  if (validate(body)) return [];
  const seen = new Set<string>();
  const problems: LineProblem[] = [];
  for (const error of validate.errors ?? []) {
    const problem = toProblem(error);
    if (problem === undefined) continue;
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

/** Validate a request body LINE would receive; returns human-readable problems ("/messages/0/contents/type: ..."), [] when valid. */
export function validateLineRequest(operation: LineOperation, body: unknown): string[] {
  return lineRequestProblems(operation, body).map((problem) => `${problem.path === '' ? '/' : problem.path}: ${problem.message}`);
}

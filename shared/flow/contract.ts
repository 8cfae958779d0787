import type Ajv2020Type from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { re2RegExp } from './conditionPattern';
import { isReservedKey } from './reservedKeys';
import type { CardContract } from './schema';

/**
 * A card's response contract (README "Response contracts"): the JSON Schema (draft 2020-12) of the
 * answer's body. Here: learning one from an answer, checking an answer against one (a compiled
 * validator, cached per contract), wording the first mismatch, and whether a path a follow-up reads is
 * one the contract has. Mismatches name paths and types only, never the answer's values.
 */

type Json = Record<string, unknown>;
type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

/** Deeper levels of an answer are left open (`{}`) in a learnt contract. */
const LEARN_DEPTH = 16;

/**
 * The contract of one answer's body: its types; an object's present keys as its properties, all
 * required; an array's item shapes merged across its items (a key every item has is required, one
 * some items lack is not; a key null in some items takes `["string", "null"]`). An array carries no
 * `minItems`: a member with no tickets answers `[]` and must not break the card ("must not be empty"
 * is the admin's to add, README "Response contracts").
 */
export function learnContract(body: unknown, depth = 0): Json {
  if (depth >= LEARN_DEPTH) return {};
  if (body === null) return { type: 'null' };
  if (Array.isArray(body)) {
    if (body.length === 0) return { type: 'array' };
    const items = body.map((item) => learnContract(item, depth + 1)).reduce(mergeSchemas);
    return { type: 'array', items };
  }
  switch (typeof body) {
    case 'string':
      return { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'number':
      return { type: Number.isInteger(body) ? 'integer' : 'number' };
    case 'object': {
      const properties: Json = {};
      for (const [key, value] of Object.entries(body as Json)) {
        // A flow refuses these keys anywhere in its document: a contract holding one could not be saved.
        if (!isReservedKey(key)) properties[key] = learnContract(value, depth + 1);
      }
      return { type: 'object', required: Object.keys(properties), properties };
    }
    default:
      return {};
  }
}

/** Two learnt schemas as one that both answers meet. */
function mergeSchemas(a: Json, b: Json): Json {
  // An open schema (too deep) stays open.
  if (a.type === undefined || b.type === undefined) return {};
  const types = new Set<SchemaType>([...typesOf(a), ...typesOf(b)]);
  // An integer in one item and a fraction in another: a number.
  if (types.has('number')) types.delete('integer');
  const merged: Json = { type: types.size === 1 ? [...types][0] : [...types] };
  if (types.has('object')) {
    const left = objectPart(a);
    const right = objectPart(b);
    const properties: Json = {};
    for (const key of new Set([...Object.keys(left.properties), ...Object.keys(right.properties)])) {
      const l = left.properties[key] as Json | undefined;
      const r = right.properties[key] as Json | undefined;
      properties[key] = l && r ? mergeSchemas(l, r) : (l ?? r ?? {});
    }
    // Required where both objects had the key (a schema without an object part required nothing of one).
    const required =
      left.has && right.has ? left.required.filter((key) => right.required.includes(key)) : left.has ? left.required : right.required;
    merged.required = required;
    merged.properties = properties;
  }
  if (types.has('array')) {
    const left = a.items as Json | undefined;
    const right = b.items as Json | undefined;
    // An empty array says nothing of its items: the other's shape holds.
    const items = left && right ? mergeSchemas(left, right) : (left ?? right);
    if (items) merged.items = items;
  }
  return merged;
}

function typesOf(schema: Json): SchemaType[] {
  return (Array.isArray(schema.type) ? schema.type : [schema.type]) as SchemaType[];
}

function objectPart(schema: Json): { has: boolean; required: string[]; properties: Json } {
  const has = typesOf(schema).includes('object');
  return {
    has,
    required: has ? ((schema.required as string[] | undefined) ?? []) : [],
    properties: has ? ((schema.properties as Json | undefined) ?? {}) : {},
  };
}

/**
 * One compiler: draft 2020-12 (as OpenAPI 3.1 writes it), the first mismatch only (`allErrors` off:
 * the check stops there), formats not checked (a contract is about shape and types), keywords it does
 * not know (OpenAPI's `example`, `xml`) ignored, patterns on RE2. `verbose` hands the failing value to
 * the wording, which keeps only its type.
 */
let ajv: Ajv2020Type | undefined;
function compiler(): Ajv2020Type {
  // Loaded on the first contract: no turn without one pays for it. Lambda bundles leave it out of
  // index.js and ship it beside (infra/bundling.ts, SHIPPED_BESIDE): its code generator names its
  // runtime modules in text (`require("ajv/dist/runtime/equal")`), which index.js must not hold.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, on purpose
  const Ajv2020 = (require('ajv/dist/2020') as { default: typeof Ajv2020Type }).default;
  // Patterns (`pattern`, `patternProperties`) run on RE2, never on JavaScript's backtracking RegExp:
  // an admin's pattern must not let a brand's answer stall the executor.
  // ajv keeps each compiled pattern under its toString() (a RegExp's is its source): without one of
  // their own, every pattern would be taken for the first.
  const regExp = Object.assign((pattern: string) => ({ ...re2RegExp(pattern), toString: () => `re2:${pattern}` }), {
    code: 're2RegExp (shared/flow/conditionPattern.ts)',
  });
  ajv ??= new Ajv2020({ strict: false, validateFormats: false, allErrors: false, verbose: true, code: { regExp } });
  return ajv;
}

/** Compiled validators by the contract's JSON text: a flow's contracts are few and run on every answer. Bounded, oldest out first. */
const MAX_COMPILED = 500;
const compiledByText = new Map<string, ValidateFunction>();
/** The same, by the contract object itself: a flow version kept in memory does not pay for the text either. */
const compiledByObject = new WeakMap<object, ValidateFunction>();

/** How many contracts were compiled in this process (tests and the bench see the cache work). */
export const contractStats = { compiled: 0 };

/** The contract's validator, compiled once per contract; throws when it is not a valid JSON Schema. */
export function contractValidator(body: CardContract['body']): ValidateFunction {
  const known = compiledByObject.get(body);
  if (known) return known;
  const text = JSON.stringify(body);
  let validate = compiledByText.get(text);
  if (!validate) {
    validate = compiler().compile(body);
    // ajv keeps every schema it compiled, by the schema object: removing it keeps the process's memory bounded.
    compiler().removeSchema(body);
    contractStats.compiled += 1;
    if (compiledByText.size >= MAX_COMPILED) compiledByText.delete(compiledByText.keys().next().value ?? '');
    compiledByText.set(text, validate);
  }
  compiledByObject.set(body, validate);
  return validate;
}

/** Why a contract cannot be checked (not a valid JSON Schema), if it cannot. */
export function contractProblem(body: CardContract['body']): string | undefined {
  try {
    contractValidator(body);
    return undefined;
  } catch (error) {
    return `not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The result of checking an answer's body: its first mismatch, worded (`response.body.tickets: expected array, got undefined`). */
export type ContractCheck = { ok: true } | { ok: false; mismatch: string };

/** Check an answer's body against the card's contract. Throws when the contract is not a valid JSON Schema. */
export function checkContract(contract: CardContract, body: unknown): ContractCheck {
  const validate = contractValidator(contract.body);
  if (validate(body)) return { ok: true };
  const error = validate.errors?.[0];
  return { ok: false, mismatch: error ? describeMismatch(contract.body, error) : 'response.body: does not match the contract' };
}

/**
 * The first mismatch as the execution log says it: where (`response.body.tickets[0].title`) and what
 * was expected against the type that came. A key the contract does not name (a map's key, which may be
 * personal) is shown as `*`; a value, never.
 */
export function describeMismatch(schema: Json, error: ErrorObject): string {
  const segments =
    error.instancePath === ''
      ? []
      : error.instancePath
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const { path, at } = pathIn(schema, segments);
  const got = error.data;
  switch (error.keyword) {
    case 'required': {
      const missing = String((error.params as { missingProperty?: unknown }).missingProperty ?? '');
      const property = at ? propertySchema(at, missing) : undefined;
      return `${path}${fieldSegment(missing, property !== undefined)}: expected ${expectedOf(property) ?? 'a value'}, got undefined`;
    }
    case 'type':
      return `${path}: expected ${[(error.params as { type?: unknown }).type].flat().join(' or ')}, got ${typeName(got)}`;
    case 'minItems': {
      const limit = Number((error.params as { limit?: unknown }).limit);
      const length = Array.isArray(got) ? got.length : 0;
      return limit === 1
        ? `${path}: expected a non-empty array, got an empty array`
        : `${path}: expected at least ${limit} items, got ${length}`;
    }
    case 'maxItems':
      return `${path}: expected at most ${Number((error.params as { limit?: unknown }).limit)} items, got ${Array.isArray(got) ? got.length : 0}`;
    case 'enum':
    case 'const':
      return `${path}: expected one of the contract's values, got another ${typeName(got)}`;
    case 'additionalProperties':
      return `${path}: expected no other fields, got one more`;
    default:
      return `${path}: expected ${error.keyword} ${JSON.stringify(error.params)}, got ${typeName(got)}`.slice(0, 300);
  }
}

/** The type of a value as a mismatch names it: `array`, `null`, `integer` (a whole number), `undefined`. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The path of an answer's value, walking the contract beside it: names it declares kept, indexes as `[i]`, any other key as `*`. */
function pathIn(schema: Json, segments: string[]): { path: string; at: Json | undefined } {
  let path = 'response.body';
  let at: Json | undefined = schema;
  for (const segment of segments) {
    const items: Json | undefined = at && isRecord(at.items) ? at.items : undefined;
    const property = at ? propertySchema(at, segment) : undefined;
    if (/^\d+$/.test(segment) && (items || (at && typesOf(at).includes('array')))) {
      path += `[${segment}]`;
      at = items;
    } else {
      path += fieldSegment(segment, property !== undefined);
      at = property;
    }
  }
  return { path, at };
}

/** `.name` for a field the contract names, `.*` for one it does not. */
function fieldSegment(name: string, declared: boolean): string {
  return declared && /^[A-Za-z_][\w-]*$/.test(name) ? `.${name}` : declared ? `[${JSON.stringify(name)}]` : '.*';
}

function propertySchema(schema: Json, name: string): Json | undefined {
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  const property = properties && Object.hasOwn(properties, name) ? properties[name] : undefined;
  return isRecord(property) ? property : undefined;
}

function expectedOf(schema: Json | undefined): string | undefined {
  if (!schema || schema.type === undefined) return undefined;
  return [schema.type].flat().join(' or ');
}

/**
 * Whether the contract has the path a follow-up reads (segments after `response.body`: names, and
 * numbers for an index or `[]`): undefined when it has, else the first segment it lacks. A level the
 * contract leaves open (`{}`, `$ref`, `anyOf`, ...) has anything below it; Liquid's `size`, `first` and
 * `last` are read on an array (`size` on a string too).
 */
export function missingInContract(schema: Json, segments: Array<string | number>): string | undefined {
  let at: Json = schema;
  for (const segment of segments) {
    if (!isRecord(at) || at.type === undefined || ['$ref', 'anyOf', 'oneOf', 'allOf', '$dynamicRef'].some((key) => key in at))
      return undefined;
    const types = typesOf(at);
    if (types.includes('array') && (typeof segment === 'number' || segment === 'first' || segment === 'last')) {
      if (!isRecord(at.items)) return undefined;
      at = at.items;
      continue;
    }
    if (segment === 'size' && (types.includes('array') || types.includes('string') || types.includes('object'))) return undefined;
    // An object whose fields the contract does not list says nothing of them.
    if (types.includes('object') && !isRecord(at.properties)) return undefined;
    const property = typeof segment === 'string' && types.includes('object') ? propertySchema(at, segment) : undefined;
    if (!property) return String(segment);
    at = property;
  }
  return undefined;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

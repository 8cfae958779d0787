import type { VariableOffer } from '../../shared/import/importedCard';
import { isObject, type Json } from './json';

// The import dialog's pure parts (./cardImport.ts), no DOM (unit-tested in node): an offered value
// read from where the customer gives it instead, and the sample body an imported contract gives the
// card form's pickers before any test.

/** A value the card sends that the admin may have read from an attribute (POST /admin/import/* answers it). */
export type { VariableOffer };

/**
 * A sample body shaped as the card's contract says (its JSON Schema): one item per array, the first
 * enum value or an empty value per leaf. The form's field pickers and the follow-up's carousel read it
 * as they read a test's response, so an imported card offers its fields before any test.
 */
export function contractSample(card: Json): unknown {
  const contract = isObject(card.contract) ? card.contract : undefined;
  return contract && isObject(contract.body) ? sampleOf(contract.body, 0) : undefined;
}

function sampleOf(schema: Json, depth: number): unknown {
  if (depth > 6) return {};
  const s = flatten(schema);
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (type === 'array') return [sampleOf(isObject(s.items) ? s.items : {}, depth + 1)];
  if (type === 'object' || isObject(s.properties)) {
    return Object.fromEntries(
      Object.entries(isObject(s.properties) ? s.properties : {}).map(([key, value]) => [
        key,
        sampleOf(isObject(value) ? value : {}, depth + 1),
      ]),
    );
  }
  return type === 'integer' || type === 'number' ? 0 : type === 'boolean' ? false : type === 'null' ? null : '';
}

/** allOf merged, the first of oneOf / anyOf: one shape, as the import's payload and pickers take it. */
function flatten(schema: Json): Json {
  let s = schema;
  if (Array.isArray(s.allOf)) {
    const parts = s.allOf.filter(isObject).map(flatten);
    s = {
      ...s,
      ...Object.assign({}, ...parts),
      properties: Object.assign(
        {},
        ...parts.map((p) => (isObject(p.properties) ? p.properties : {})),
        isObject(s.properties) ? s.properties : {},
      ),
    };
    delete s.allOf;
  }
  const alternatives = Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : undefined;
  if (alternatives?.length) {
    const { oneOf: _o, anyOf: _a, ...rest } = s;
    s = { ...rest, ...flatten(alternatives.filter(isObject).find((a) => a.type !== 'null') ?? {}) };
  }
  return s;
}

/** A value the card sends, read from `variable.suggested` instead (`{{ attributes.orderId }}`). */
export function readFrom(request: Json, variable: VariableOffer): void {
  const template = `{{ ${variable.suggested} }}`;
  const body = isObject(request.body) ? request.body : undefined;
  if (variable.in === 'body' && body?.type === 'json') body.value = setAt(body.value, pathParts(variable.path), template);
  else if (variable.in === 'form' && body?.type === 'form' && isObject(body.fields)) body.fields[variable.path] = template;
  else if (variable.in === 'header') request.headers = { ...(isObject(request.headers) ? request.headers : {}), [variable.path]: template };
  else if (variable.in === 'query') {
    const url = String(request.url);
    const name = encodeURIComponent(variable.path);
    const param = new RegExp(`([?&])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=[^&#]*`);
    request.url = param.test(url)
      ? url.replace(param, `$1${name}=${template}`)
      : `${url}${url.includes('?') ? '&' : '?'}${name}=${template}`;
  }
}

/** `messages[1].text` → ['messages', 1, 'text']. */
function pathParts(path: string): Array<string | number> {
  return [...path.matchAll(/\[(\d+)\]|[^.[\]]+/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[0]));
}

/** `root` with `value` at `parts` (objects and arrays made on the way). */
function setAt(root: unknown, parts: Array<string | number>, value: unknown): unknown {
  const [first, ...rest] = parts;
  if (first === undefined) return value;
  if (typeof first === 'number') {
    const list = Array.isArray(root) ? root : [];
    list[first] = setAt(list[first], rest, value);
    return list;
  }
  const object = isObject(root) ? root : {};
  object[first] = setAt(object[first], rest, value);
  return object;
}

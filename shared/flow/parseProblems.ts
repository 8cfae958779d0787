import * as z from 'zod';

/**
 * One problem in a document or request, with where it is: `blocks.ask_phone.next`, `path.flowId`. Declared
 * here only: the admin API's answers and the console import this type.
 */
export interface Problem {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; problems: Problem[] };

/**
 * Parse a document with a strict schema, every issue a problem at its path. An unknown key is a
 * problem at its own path (`blocks.verify.onSucess`), with "did you mean" when a key of that object is
 * close, or when a nested object takes it (`body` on a card: `request.body`); an unknown `type` (or
 * other discriminator) value likewise.
 */
export function parseWithProblems<T extends z.ZodType>(schema: T, input: unknown): Parsed<z.output<T>> {
  // Zod reports which input object had unknown keys (reportInput), not which schema refused them:
  // the error map, which sees the schema, remembers its shape for that object (or, for a map whose
  // keys are a fixed list, like `onReason`, that list).
  const shapes = new Map<unknown, z.ZodRawShape>();
  const keyLists = new Map<unknown, readonly string[]>();
  const parsed = schema.safeParse(input, {
    reportInput: true,
    error: (issue) => {
      if (issue.code === 'unrecognized_keys' && issue.inst instanceof z.ZodObject) shapes.set(issue.input, issue.inst.shape);
      if (issue.code === 'unrecognized_keys' && issue.inst instanceof z.ZodRecord && issue.inst.keyType instanceof z.ZodEnum)
        keyLists.set(issue.input, issue.inst.keyType.options.map(String));
      return undefined;
    },
  });
  if (parsed.success) return { ok: true, data: parsed.data };
  const problems = parsed.error.issues.flatMap((issue): Problem[] => {
    if (issue.code === 'unrecognized_keys') {
      const list = keyLists.get(issue.input);
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: list ? unknownListedKeyMessage(key, list) : unknownKeyMessage(key, shapes.get(issue.input) ?? {}),
      }));
    }
    // A map key its key schema refuses (`onStatus: {"4xx": …}`): that schema's own words.
    if (issue.code === 'invalid_key')
      return [
        { path: formatPath(issue.path), message: `key ${JSON.stringify(issue.input)}: ${issue.issues[0]?.message ?? issue.message}` },
      ];
    const unmatched = unmatchedDiscriminator(issue);
    if (unmatched) return [{ path: formatPath(issue.path), message: unknownValueMessage(unmatched.value, unmatched.options) }];
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
  return { ok: false, problems };
}

/** `unknown key "onSucess": did you mean "onSuccess"?`, or the keys the object takes. */
export function unknownKeyMessage(key: string, shape: z.ZodRawShape): string {
  const known = Object.keys(shape);
  const close = closest(key, known);
  if (close !== undefined) return `unknown key "${key}": did you mean "${close}"?`;
  const nested = known.find((field) => Object.hasOwn(objectShape(shape[field]) ?? {}, key));
  if (nested !== undefined) return `unknown key "${key}": did you mean "${nested}.${key}"?`;
  return `unknown key "${key}": expected one of ${known.join(', ')}`;
}

/** A key of a map that takes a fixed list of keys: always the list, and the close one first when there is one. */
function unknownListedKeyMessage(key: string, list: readonly string[]): string {
  const close = closest(key, list);
  return `unknown key "${key}": ${close !== undefined ? `did you mean "${close}"? ` : ''}expected one of ${list.join(', ')}`;
}

/**
 * The input without the keys its strict objects do not know (`onSucess`), however deep, and where
 * each was: what the rest of a document is checked on when its shape has problems, so that an unknown
 * key hides no other problem. The input is not changed.
 */
export function withoutUnknownKeys(schema: z.ZodType, input: unknown): { value: unknown; removed: PropertyKey[][] } {
  let value: unknown;
  try {
    value = structuredClone(input);
  } catch {
    return { value: input, removed: [] };
  }
  const removed: PropertyKey[][] = [];
  // Keys of an object inside a union branch chosen only once another key is gone: a few rounds.
  for (let round = 0; round < 4; round += 1) {
    const parsed = schema.safeParse(value);
    if (parsed.success) break;
    let changed = false;
    for (const issue of parsed.error.issues) {
      if (issue.code !== 'unrecognized_keys') continue;
      const holder = issue.path.reduce<unknown>(
        (at, key) => (typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[key] : undefined),
        value,
      );
      if (typeof holder !== 'object' || holder === null) continue;
      for (const key of issue.keys) {
        if (!Object.hasOwn(holder, key)) continue;
        delete (holder as Record<string, unknown>)[key];
        removed.push([...issue.path, key]);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return { value, removed };
}

function unknownValueMessage(value: string, options: string[]): string {
  const close = closest(value, options);
  return close !== undefined
    ? `unknown ${JSON.stringify(value)}: did you mean "${close}"?`
    : `unknown ${JSON.stringify(value)}: expected one of ${options.join(', ')}`;
}

/** The value and the expected values of a "no matching discriminator" issue, when the value is a string. */
function unmatchedDiscriminator(issue: z.core.$ZodIssue): { value: string; options: string[] } | undefined {
  if (issue.code !== 'invalid_union' || typeof issue.discriminator !== 'string' || !('options' in issue) || !Array.isArray(issue.options))
    return undefined;
  const input: unknown = issue.input;
  const value: unknown = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[issue.discriminator] : undefined;
  return typeof value === 'string' ? { value, options: issue.options.map(String) } : undefined;
}

/** The shape of an object schema, through `.optional()` and `.default()`; undefined for anything else. */
function objectShape(schema: unknown): z.ZodRawShape | undefined {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return objectShape(schema.unwrap());
  return schema instanceof z.ZodObject ? schema.shape : undefined;
}

/**
 * The candidate closest to `word` (case aside), when close enough to be the likely intent: one edit
 * for words up to 5 letters, two for longer ones.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const allowed = word.length > 5 ? 2 : 1;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= allowed && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Edits (insert, delete, replace, or swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  // Three rows of the classic table: the one two back is for swaps.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, (before[j - 2] ?? 0) + 1);
      row.push(distance);
    }
    [before, previous] = [previous, row];
  }
  return previous[b.length] ?? 0;
}

/** `blocks.ask_phone.next`; `(root)` for the document itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(root)';
}

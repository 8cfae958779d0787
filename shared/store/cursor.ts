import * as z from 'zod';

/** A page of items and the opaque cursor of the next page (absent on the last page). */
export interface Page<T> {
  items: T[];
  cursor?: string;
}

/** A cursor that was not issued for this query: tampered with, truncated, or from another listing. */
export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

/** Cursors are short: a DynamoDB key of a few strings. Anything longer was not issued by us. */
const MAX_CURSOR_LENGTH = 2048;
const keySchema = z.record(z.string(), z.string());

/** A DynamoDB `LastEvaluatedKey` as an opaque, URL-safe cursor (base64url of its JSON). */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * The key a cursor holds, checked before it reaches DynamoDB: exactly the attributes `names`, all
 * strings, and `accept` says the key belongs to the query it is used with (its partition). A bad
 * cursor throws {@link InvalidCursorError} (a client mistake, not a server failure).
 */
export function decodeCursor(
  cursor: string,
  names: readonly string[],
  accept: (key: Record<string, string>) => boolean,
): Record<string, string> {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const parsed = keySchema.safeParse(json);
  if (!parsed.success) throw new InvalidCursorError();
  const key = parsed.data;
  const keys = Object.keys(key).sort();
  if (keys.length !== names.length || ![...names].sort().every((name, i) => keys[i] === name)) throw new InvalidCursorError();
  if (!accept(key)) throw new InvalidCursorError();
  return key;
}

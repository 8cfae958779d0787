/**
 * Names that are never keys of a map callcard keeps: `__proto__`, `constructor` and `prototype`.
 * JavaScript objects give them meaning (`obj.__proto__ = v` replaces the prototype; `constructor` is
 * every object's inherited property), so a block id, attribute, header, JSON body key, form field or
 * secret so named either vanished or broke the save. Flow documents and secret names refuse them at
 * validation, with the same check on validate and save; data that is not the admin's (brand answers,
 * customer events) is kept in maps without a prototype or by own keys only.
 */
export const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Whether `key` is reserved. Header names are compared in lower case, as they are sent. */
export function isReservedKey(key: string, options: { anyCase?: boolean } = {}): boolean {
  return (RESERVED_KEYS as readonly string[]).includes(options.anyCase ? key.toLowerCase() : key);
}

/** A pattern (for schemas and JSON Schema) that refuses exactly the reserved names. */
export const NOT_RESERVED = /^(?!(?:__proto__|constructor|prototype)$)/;

/** The problem's message for a name that is reserved. */
export const RESERVED_NAME = '__proto__, constructor and prototype are reserved names';

/** The problem's message for a reserved key. */
export function reservedKeyMessage(key: string): string {
  return `"${key}" is reserved (as are __proto__, constructor, prototype)`;
}

/** A record without a prototype: any key, `__proto__` too, is its own data. */
export function nullRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

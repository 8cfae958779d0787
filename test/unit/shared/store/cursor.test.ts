import { decodeCursor, encodeCursor, InvalidCursorError } from '../../../../shared/store/cursor';

const KEY = { pk: 'LOG#ws#line:c:U1', sk: '2026-01-01T00:00:00.000Z#job#card#1' };
const samePartition = (k: Record<string, string>) => k.pk === KEY.pk;

describe('cursors', () => {
  test('round-trip a key as URL-safe text', () => {
    const cursor = encodeCursor(KEY);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['pk', 'sk'], samePartition)).toEqual(KEY);
  });

  test.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['not an object of strings', encodeCursor({ pk: KEY.pk, sk: 5 })],
    ['a JSON array', Buffer.from('["a"]').toString('base64url')],
    ['missing attribute', encodeCursor({ pk: KEY.pk })],
    ['extra attribute', encodeCursor({ ...KEY, gsi1pk: 'x' })],
    ['another partition (workspace)', encodeCursor({ ...KEY, pk: 'LOG#other#line:c:U1' })],
    ['too long', 'a'.repeat(5000)],
  ])('refuses a cursor that is %s', (_what, cursor) => {
    expect(() => decodeCursor(cursor, ['pk', 'sk'], samePartition)).toThrow(InvalidCursorError);
  });
});

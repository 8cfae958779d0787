import { INBOUND_LIMITS, isId, isToken } from '../../../../shared/domain/ids';

describe('ids and tokens that may become keys', () => {
  test.each([
    'U3d3edab4f36c6292e6d8a8131f141b8b',
    '1254477777772919',
    '01HMQGW40RZJPJM3RAJP7BHC2Q',
    'U-alice',
    'demo-line',
    'a',
    'x'.repeat(INBOUND_LIMITS.id),
  ])('%s is an id', (id) => {
    expect(isId(id)).toBe(true);
  });

  test.each(['', 'x'.repeat(INBOUND_LIMITS.id + 1), 'x'.repeat(100_000), 'U#1', 'U 1', '-U1', 'ü', 'U1\n', 42, null, undefined])(
    '%j is not',
    (id) => {
      expect(isId(id)).toBe(false);
    },
  );

  test('tokens are printable ASCII up to their bound', () => {
    for (const token of [
      'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P',
      'mid.$cAAJsujCd2ORj_1qmrFdzhVa-4cvO',
      'mid.1457764197618:41d102a3e1ae206a38',
      'x'.repeat(INBOUND_LIMITS.token),
    ]) {
      expect(isToken(token)).toBe(true);
    }
    for (const token of ['', 'a b', 'x'.repeat(INBOUND_LIMITS.token + 1), '中文', 7]) expect(isToken(token)).toBe(false);
  });
});

import { forLog } from '../../../../shared/logging/logValues';

describe('values for a log line', () => {
  test('forLog keeps short plain values and never a long or odd one', () => {
    expect(forLog('U-alice')).toBe('U-alice');
    expect(forLog('x'.repeat(100_000))).toBe('<string of 100000 characters>');
    expect(forLog('a\nb')).toBe('<string of 3 characters>');
    expect(forLog({ secret: 'x' })).toBe('<object>');
    expect(forLog([1])).toBe('<array>');
    expect(forLog(undefined)).toBe('undefined');
  });
});

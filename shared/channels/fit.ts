/**
 * Helpers that fit strings into a channel's limits without ever throwing.
 *
 * Lengths are counted in UTF-16 code units (`string.length`). That is how LINE counts, and it is
 * never less than the number of characters (code points or graphemes) that Messenger counts, so a
 * string fitted here passes both. Cuts never fall between the two halves of a surrogate pair: a
 * lone surrogate makes the JSON body invalid UTF-8 and the channel rejects the whole request.
 */

/** Appended to truncated text: one UTF-16 code unit, so it costs one unit of the limit. */
export const ELLIPSIS = '…';

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** The largest cut position ≤ `index` that does not split a surrogate pair. */
function safeCut(text: string, index: number): number {
  if (index <= 0) return 0;
  if (index >= text.length) return text.length;
  return isHighSurrogate(text.charCodeAt(index - 1)) && isLowSurrogate(text.charCodeAt(index)) ? index - 1 : index;
}

/** True when the string has something to show (channels reject empty and blank texts). */
export function hasText(text: string | undefined): boolean {
  return text !== undefined && text.trim() !== '';
}

/**
 * Shortens `text` to at most `max` UTF-16 code units, ending it with '…' when it was cut.
 *
 * @example
 * truncate('Wireless headphones', 10); // 'Wireless…'
 * truncate('OK', 20); // 'OK'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < ELLIPSIS.length) return '';
  // Trailing spaces before the ellipsis would waste the limit and look like a typo.
  return text.slice(0, safeCut(text, max - ELLIPSIS.length)).trimEnd() + ELLIPSIS;
}

/**
 * Shortens machine-read data (LINE postback `data`, Messenger `payload`) to at most `max` UTF-16
 * code units, without an ellipsis. When the data uses the `key=value&key=value` syntax it drops
 * whole trailing parameters rather than cutting one in the middle: `id=12345` cut to `id=12` would
 * silently point at another record, while a missing `id` is detectable by the bot.
 *
 * @example
 * truncateData('action=buy&id=12345', 14); // 'action=buy'
 */
export function truncateData(data: string, max: number): string {
  if (data.length <= max) return data;
  const lastAmpersand = data.lastIndexOf('&', max);
  if (lastAmpersand > 0) return data.slice(0, lastAmpersand);
  return data.slice(0, safeCut(data, max));
}

/** Index of the last character in `text[from, to)` that satisfies `test`, or -1. */
function lastIndexWhere(text: string, from: number, to: number, test: (char: string) => boolean): number {
  for (let i = to - 1; i >= from; i--) {
    if (test(text.charAt(i))) return i;
  }
  return -1;
}

const isNewline = (char: string): boolean => char === '\n';
const isWhitespace = (char: string): boolean => /\s/.test(char);

/**
 * Splits `text` into parts of at most `max` UTF-16 code units, for channels that cap one message's
 * text. It prefers to cut at a line break, then at a space (the separator is dropped), and cuts
 * inside a word only when a part has neither. A boundary in the second half of a part is preferred
 * to one near its start so that parts stay roughly the same size. Blank parts are dropped.
 *
 * @example
 * splitText('first line\nsecond line', 15); // ['first line', 'second line']
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  // `max > 1` guarantees progress: a cut that backs off a surrogate pair still keeps one unit.
  while (rest.length > max && max > 1) {
    // A separator at index `max` is fine: the part before it is exactly `max` long.
    const end = Math.min(rest.length, max + 1);
    const half = Math.floor(max / 2);
    const separator = [
      lastIndexWhere(rest, half, end, isNewline),
      lastIndexWhere(rest, half, end, isWhitespace),
      lastIndexWhere(rest, 1, half, isNewline),
      lastIndexWhere(rest, 1, half, isWhitespace),
    ].find((index) => index > 0);
    if (separator === undefined) {
      const cut = safeCut(rest, max);
      parts.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    } else {
      parts.push(rest.slice(0, separator));
      rest = rest.slice(separator + 1);
    }
  }
  parts.push(rest);
  return parts.filter(hasText);
}

/**
 * Normalizes a URL and checks it against what a channel accepts: an absolute URL with one of
 * `protocols` (e.g. `['https:']`) that is at most `max` characters once normalized. Returns
 * `undefined` when it cannot be used, so callers drop the image or button instead of sending a
 * request the channel would reject. Normalizing percent-encodes spaces and non-ASCII characters
 * (and punycodes host names), which both channels require.
 *
 * @example
 * fitUrl('https://example.com/a b.png', ['https:'], 2000); // 'https://example.com/a%20b.png'
 * fitUrl('http://example.com/a.png', ['https:'], 2000); // undefined
 */
export function fitUrl(url: string | undefined, protocols: readonly string[], max: number): string | undefined {
  if (url === undefined || !hasText(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (!protocols.includes(parsed.protocol)) return undefined;
  return parsed.href.length <= max ? parsed.href : undefined;
}

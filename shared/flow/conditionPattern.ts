import type * as Re2 from 're2js';
import type { RE2JS } from 're2js';

/**
 * re2js (about 150 KB) is loaded on the first pattern, not at cold start: most turns have no `matches`
 * condition. Lambda bundles leave it out and ship it beside index.js (infra/bundling.ts, SHIPPED_BESIDE).
 */
let re2: typeof RE2JS | undefined;
function engine(): typeof RE2JS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, on purpose
  re2 ??= (require('re2js') as typeof Re2).RE2JS;
  return re2;
}

/**
 * `matches` conditions: the pattern is the admin's, the value is often the customer's. Patterns run on
 * RE2 (re2js), which matches in time linear in the value whatever the pattern, so no pattern can be
 * made to backtrack for seconds (JavaScript's RegExp took 22 s on 200 digits against `(\d|\d)+$`-like
 * patterns). The syntax is RE2's (https://github.com/google/re2/wiki/Syntax); for patterns written for
 * JavaScript, `\uXXXX` / `\u{X}`, `\p{Script=Han}` and JavaScript's Unicode `\s` / `\S` keep their
 * meaning. Not supported (refused by {@link conditionPatternProblem}): lookahead, lookbehind and
 * backreferences. Known differences from JavaScript that remain: `.` also matches `\r`, U+2028 and
 * U+2029 (only `\n` is excluded), and `\S` inside a character class is ASCII whitespace's complement.
 */

/** Values longer than this never match (no customer text comes close: LINE allows 5,000 characters). */
export const MATCHES_MAX_LENGTH = 20_000;

/** Compiled patterns kept per process: a flow has a handful, so this bounds memory, not speed. */
const CACHE_SIZE = 1_000;
const cache = new Map<string, RE2JS | { problem: string }>();

/** What is wrong with a `matches` pattern (a sentence for the admin), or undefined when it compiles. */
export function conditionPatternProblem(pattern: string): string | undefined {
  const compiled = compile(pattern);
  return !('problem' in compiled) ? undefined : compiled.problem;
}

/**
 * Whether `value` matches `pattern` anywhere (like `RegExp.prototype.test`). Only strings of at most
 * {@link MATCHES_MAX_LENGTH} characters can match; a pattern that does not compile matches nothing
 * (validation refuses it before a flow is saved).
 */
export function testPattern(pattern: string, value: unknown): boolean {
  if (typeof value !== 'string' || value.length > MATCHES_MAX_LENGTH) return false;
  const compiled = compile(pattern);
  return !('problem' in compiled) && compiled.test(value);
}

/**
 * A pattern as a RegExp-like on RE2, for response contracts' `pattern` and `patternProperties` (ajv's
 * `code.regExp`, shared/flow/contract.ts): the contract is the admin's (or an OpenAPI document's), the
 * value the brand's, so it runs in linear time like a `matches` condition. Throws the admin's sentence
 * when the pattern does not compile (the contract is then refused when the flow is saved).
 */
export function re2RegExp(pattern: string): { test: (value: string) => boolean } {
  const compiled = compile(pattern);
  if ('problem' in compiled) throw new Error(`pattern ${JSON.stringify(pattern)}: ${compiled.problem}`);
  return { test: (value) => compiled.test(value) };
}

function compile(pattern: string): RE2JS | { problem: string } {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let compiled: RE2JS | { problem: string };
  try {
    compiled = engine().compile(toRe2Syntax(pattern));
  } catch (error) {
    compiled = { problem: explain(error) };
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
  cache.set(pattern, compiled);
  return compiled;
}

const LINEAR_TIME = 'patterns run on RE2, which matches in linear time and has no';

/** re2js's syntax error as a sentence for the admin, naming the unsupported features plainly. */
function explain(error: unknown): string {
  const detail = (error instanceof Error ? error.message : String(error)).replace(/^error parsing regexp: /, '');
  if (detail.includes('`(?=') || detail.includes('`(?!')) return `lookahead ((?= or (?!) is not supported: ${LINEAR_TIME} lookaround`;
  if (detail.includes('`(?<=') || detail.includes('`(?<!')) return `lookbehind ((?<= or (?<!) is not supported: ${LINEAR_TIME} lookaround`;
  if (/invalid escape sequence: `\\([1-9]|k)/.test(detail))
    return `backreferences (\\1, \\k<name>) are not supported: ${LINEAR_TIME} backreferences`;
  if (detail.startsWith('invalid repeat count')) return `not a valid regular expression: ${detail} (repeat counts go up to 1000)`;
  return `not a valid regular expression: ${detail}`;
}

/** JavaScript's `\s`: ASCII whitespace plus the Unicode spaces (the ideographic space U+3000 among them). */
const JS_SPACE = '\\t\\n\\x0B\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';

/**
 * A pattern written for JavaScript (`u` flag) in RE2 syntax, where the two differ only in spelling:
 * `\uXXXX` (a surrogate pair of them too) and `\u{X}` become `\x{X}`, `\p{Script=X}` / `\p{sc=X}`
 * becomes `\p{X}`, and `\s` / `\S` take JavaScript's Unicode whitespace. Everything else is passed on
 * for RE2 to accept or refuse; escapes and character classes are followed so that only real escapes
 * are rewritten.
 */
export function toRe2Syntax(pattern: string): string {
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) {
        out += c;
        i += 1;
        continue;
      }
      const rest = pattern.slice(i);
      if (next === 'Q') {
        // \Q...\E is literal text in RE2: copied untouched.
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end === -1 ? pattern.length : end + 2;
        out += pattern.slice(i, stop);
        i = stop;
        continue;
      }
      if (next === 'u') {
        const braced = /^\\u\{([0-9A-Fa-f]{1,6})\}/.exec(rest);
        if (braced) {
          out += `\\x{${braced[1]}}`;
          i += braced[0].length;
          continue;
        }
        const pair = /^\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})/i.exec(rest);
        if (pair) {
          const high = parseInt(pair[1] as string, 16);
          const low = parseInt(pair[2] as string, 16);
          out += `\\x{${((high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000).toString(16)}}`;
          i += pair[0].length;
          continue;
        }
        const four = /^\\u([0-9A-Fa-f]{4})/.exec(rest);
        if (four) {
          out += `\\x{${four[1]}}`;
          i += four[0].length;
          continue;
        }
      }
      if (next === 'p' || next === 'P') {
        const script = /^\\([pP])\{(?:Script|sc|General_Category|gc)=([A-Za-z_]+)\}/.exec(rest);
        if (script) {
          out += `\\${script[1]}{${script[2]}}`;
          i += script[0].length;
          continue;
        }
      }
      if (next === 's') {
        out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
        i += 2;
        continue;
      }
      if (next === 'S' && !inClass) {
        out += `[^${JS_SPACE}]`;
        i += 2;
        continue;
      }
      out += c + next;
      i += 2;
      continue;
    }
    if (inClass) {
      const posix = c === '[' ? /^\[:\^?[a-z]+:\]/.exec(pattern.slice(i)) : null;
      if (posix) {
        out += posix[0];
        i += posix[0].length;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      i += 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i += 1;
      // A `]` right after `[` or `[^` is a literal in RE2, not the end of the class.
      if (pattern[i] === '^') {
        out += '^';
        i += 1;
      }
      if (pattern[i] === ']') {
        out += ']';
        i += 1;
      }
      continue;
    }
    out += c;
    i += 1;
  }
  return out;
}

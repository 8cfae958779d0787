import { ENVIRONMENTS } from '../../shared/connections/connection';
import { tokenKeyOf } from '../../shared/connections/oauth2';
import type { Store } from '../../shared/store/store';

/** What stands for a secret, or for the part of one that is not shown. */
export const MASK = '••••';

/** Secrets shorter than this are shown as the mask alone: their last 4 would give too much away. */
const SHOW_TAIL_FROM = 12;

/**
 * A write-only value as admins see it: the mask and, for long values, the last 4 characters, so
 * they can tell which key is set without it ever being readable (`••••cret`).
 */
export function maskSecret(value: string): string {
  return value.length >= SHOW_TAIL_FROM ? `${MASK}${value.slice(-4)}` : MASK;
}

/** Hides known secret values in text and JSON (see {@link secretMasker}). */
export interface SecretMasker {
  /** The text with every secret value replaced by the mask. */
  text(value: string): string;
  /**
   * The same for every string of a JSON-like value, keys included; a secret cut across the string
   * values that follow one another (keys and `type` values aside) is masked in each of them.
   */
  deep(value: unknown): unknown;
}

/** What a brand may put between a secret's characters: spaces, punctuation, symbols, control characters. */
const SEPARATOR = /[\s\p{P}\p{S}\p{C}]/u;
const SEPARATORS = new RegExp(`${SEPARATOR.source}+`, 'gu');

/**
 * The masker of a workspace's secrets, for every answer that may carry what a brand sent back: the
 * dry run, the chat simulator's answers, the execution log, a contact's attributes.
 */
export async function workspaceMasker(store: Store, workspaceId: string): Promise<SecretMasker> {
  const [secrets, tokens] = await Promise.all([store.secrets.list(workspaceId), liveAccessTokens(store, workspaceId)]);
  return secretMasker([...secrets.map((s) => s.value), ...tokens]);
}

/**
 * The access tokens the workspace's OAuth 2.0 connections hold now, in either environment: a brand
 * that echoes the token it was sent shows it to nobody (the chat simulator, the log, a contact). Read
 * only to be masked; never answered.
 */
async function liveAccessTokens(store: Store, workspaceId: string): Promise<string[]> {
  const connections = (await store.connections.list(workspaceId)).filter((c) => c.connection.auth.type === 'oauth2ClientCredentials');
  const held = await Promise.all(
    connections.flatMap((c) =>
      ENVIRONMENTS.map((environment) => store.connectionTokens.get(workspaceId, tokenKeyOf(c.name, environment)).catch(() => undefined)),
    ),
  );
  return held.flatMap((token) => (token ? [token.accessToken] : []));
}

/** A text's letters and digits (marks too), lower case: what {@link secretMasker} compares. */
const lettersOf = (text: string) => text.replace(SEPARATORS, '').toLowerCase();

/**
 * Masks secret values wherever a brand's answer holds them, in the spellings this knows: as is or
 * reversed, each of those URL- or form-encoded, hex, or base64 (standard or URL-safe, at any offset
 * in a longer base64 text), in any letter case, with any separators (spaces, punctuation, symbols,
 * control characters, JSON escapes) between their characters, and across consecutive strings (see
 * {@link SecretMasker.deep}): letters and digits are compared, so `S-k_1 2` is `sk12`. A brand that
 * transforms a secret otherwise (encrypts it, cuts it into strings that are not consecutive) is not
 * caught: only `allowedHosts` keeps a secret from such a brand. Secrets under 4 characters, and
 * spellings with fewer than 4 letters and digits, are left alone: masking them would blank out
 * ordinary text.
 */
export function secretMasker(secrets: readonly string[]): SecretMasker {
  // Each spelling by its letters and digits, and as written (so its own punctuation is masked too).
  const cores = new Set<string>();
  const spellings = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const spelled of [secret, [...secret].reverse().join('')]) {
      const bytes = Buffer.from(spelled);
      const forms = [spelled, encodeURIComponent(spelled), new URLSearchParams({ s: spelled }).toString().slice(2), bytes.toString('hex')];
      // Base64 at each offset in a longer text: only the characters made of the secret's bits alone.
      for (const k of [0, 1, 2])
        forms.push(
          Buffer.concat([Buffer.alloc(k), bytes])
            .toString('base64')
            .slice(Math.ceil((k * 4) / 3), Math.floor(((k + bytes.length) * 4) / 3)),
        );
      for (const form of forms) {
        if (lettersOf(form).length < 4) continue;
        cores.add(lettersOf(form));
        spellings.add(form);
      }
    }
  }
  if (!cores.size) return { text: (value) => value, deep: (value) => value };
  const corePattern = anyOf(cores, 'g');
  const spellingPattern = anyOf(spellings, 'gi');

  const maskAll = (strings: string[]): string[] => {
    const ranges = strings.map((s) => matches(spellingPattern, s));
    const letters = strings.map(lettersOf);
    const bases: number[] = [];
    let total = 0;
    for (const part of letters) {
      bases.push(total);
      total += part.length;
    }
    const where = new Map<number, ReturnType<typeof positions>>();
    let first = 0;
    for (const [at, end] of matches(corePattern, letters.join(''))) {
      // The match, cut at the strings' boundaries: each string masks its own part.
      while ((bases[first + 1] ?? Infinity) <= at) first += 1;
      for (let i = first; i < strings.length && (bases[i] ?? Infinity) < end; i += 1) {
        const base = bases[i] ?? 0;
        const from = Math.max(at - base, 0);
        const to = Math.min(end - base, letters[i]?.length ?? 0);
        if (from >= to) continue;
        const found = where.get(i) ?? positions(strings[i] ?? '');
        where.set(i, found);
        ranges[i]?.push([found.from[from] ?? 0, found.to[to - 1] ?? 0]);
      }
    }
    return strings.map((s, i) => {
      let out = '';
      let end = 0;
      for (const [from, to] of (ranges[i] ?? []).sort((a, b) => a[0] - b[0])) {
        if (from >= end) out += s.slice(end, from) + MASK;
        end = Math.max(end, to);
      }
      return out + s.slice(end);
    });
  };
  const text = (value: string) => maskAll([value])[0] ?? value;
  const deep = (value: unknown): unknown => {
    const strings: string[] = [];
    // Keys and types repeat: each masked once.
    const known = new Map<string, string>();
    const alone = (s: string) => known.get(s) ?? (known.set(s, text(s)).get(s) as string);
    // Walked twice in the same order: to gather the strings, then to put them back masked.
    const walk = (v: unknown, key: string, put?: (s: string) => string): unknown => {
      if (typeof v === 'string') return key === 'type' ? put && alone(v) : put ? put(v) : strings.push(v);
      if (typeof v !== 'object' || v === null) return v;
      const entries = Object.entries(v).map(([k, child]) => [put ? alone(k) : k, walk(child, k, put)]);
      return put ? (Array.isArray(v) ? entries.map((e) => e[1]) : Object.fromEntries(entries)) : v;
    };
    walk(value, '');
    const masked = maskAll(strings);
    let next = 0;
    return walk(value, '', () => masked[next++] ?? '');
  };
  return { text, deep };
}

/** One pattern for all the texts, longest first (a secret holding another is masked whole). */
function anyOf(texts: Set<string>, flags: string): RegExp {
  return new RegExp(
    [...texts]
      .sort((a, b) => b.length - a.length)
      .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    flags,
  );
}

/** Where each match starts and ends, overlapping ones included. */
function matches(pattern: RegExp, text: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    found.push([match.index, match.index + match[0].length]);
    pattern.lastIndex = match.index + 1;
  }
  return found;
}

/** Where each of a text's letters and digits, as {@link lettersOf} gives them, starts and ends in it. */
function positions(text: string): { from: number[]; to: number[] } {
  const from: number[] = [];
  const to: number[] = [];
  let at = 0;
  for (const char of text) {
    if (!SEPARATOR.test(char)) {
      for (let unit = char.toLowerCase().length; unit > 0; unit -= 1) {
        from.push(at);
        to.push(at + char.length);
      }
    }
    at += char.length;
  }
  return { from, to };
}

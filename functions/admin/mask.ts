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
  /** The same for every string of a JSON-like value, keys included. */
  deep(value: unknown): unknown;
}

/**
 * Masks secret values wherever they appear, in any letter case, and the forms a brand may echo them
 * in: URL-encoded (`%20` or `+` for a space), JSON-escaped and base64. Secrets only ever reach a
 * request whole (`{{ secrets.NAME }}` in a header, never through a filter), so these are the spellings
 * a response can hold; this is defence in depth, not what keeps secrets out of templates. Values under
 * 4 characters are left alone, as `maskUrl` does: masking them would blank out ordinary text.
 */
export function secretMasker(secrets: readonly string[]): SecretMasker {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    needles.add(secret);
    needles.add(encodeURIComponent(secret));
    needles.add(new URLSearchParams({ s: secret }).toString().slice(2));
    needles.add(JSON.stringify(secret).slice(1, -1));
    needles.add(Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, ''));
  }
  // Longest first, so a secret containing another is masked whole.
  const sorted = [...needles].filter((n) => n.length >= 4).sort((a, b) => b.length - a.length);
  const pattern = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'gi') : undefined;
  const text = (value: string) => (pattern ? value.replace(pattern, MASK) : value);
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(deep);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), deep(v)]));
    return value;
  };
  return { text, deep };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

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
 * Masks secret values (and their URL-encoded forms) wherever they appear. Values under 4 characters
 * are left alone, as `maskUrl` does: masking them would blank out ordinary text.
 */
export function secretMasker(secrets: readonly string[]): SecretMasker {
  // Longest first, so a secret containing another is masked whole.
  const needles = [...new Set(secrets.filter((s) => s.length >= 4).flatMap((s) => [s, encodeURIComponent(s)]))].sort((a, b) => b.length - a.length);
  const text = (value: string) => needles.reduce((out, needle) => out.split(needle).join(MASK), value);
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(deep);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), deep(v)]));
    return value;
  };
  return { text, deep };
}

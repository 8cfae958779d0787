// Personal data as callcard shows it to admins (issue 19, privacy by default): the values of the
// attributes a workspace marks personal, and everything of a customer's verified binding, are masked
// in the execution log (as stored and as served), in a contact's view and in the console. One module,
// used by every path: the executor (the log entry and its log line), the admin API (contacts, logs).

/** Attributes personal in every workspace that has not chosen its own list (workspace settings: personalAttributes). */
export const DEFAULT_PERSONAL_ATTRIBUTES: readonly string[] = ['phone', 'email', 'memberId'];

/** What stands for a personal value, or for the part of one that is not shown. */
export const PERSONAL_MASK = '••••';

/** Values shorter than this are not masked inside text: masking `M1` everywhere would blank ordinary text. */
const MIN_MASKED_IN_TEXT = 3;
/** From this length the last 2 characters are shown (`••••78`), so an admin can tell two customers apart. */
const SHOW_TAIL_FROM = 8;

/** One personal value as an admin sees it: the mask, and for long texts and numbers their last 2 characters (anything else: the mask alone). */
export function maskPersonalValue(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  return text.length >= SHOW_TAIL_FROM ? `${PERSONAL_MASK}${text.slice(-2)}` : PERSONAL_MASK;
}

/** A customer's personal data as the turn or the admin API knows it: attributes (by name) and binding. */
export interface PersonalSource {
  attributes?: Record<string, unknown> | undefined;
  binding?: { memberId: string; attributes?: Record<string, string> | undefined } | undefined;
}

/**
 * The names whose values are personal: the workspace's list, and the attributes a flow's cards bind
 * (`bind.attributes`: what a brand says of a verified member is personal by nature).
 */
export function personalNames(workspaceList: readonly string[] | undefined, bindNames: Iterable<string> = []): Set<string> {
  return new Set([...(workspaceList ?? DEFAULT_PERSONAL_ATTRIBUTES), ...bindNames]);
}

/** The attribute names a flow's cards bind (their `bind.attributes`), personal by nature. */
export function bindAttributeNames(blocks: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const block of Object.values(blocks)) {
    const bind = (block as { bind?: { attributes?: Record<string, unknown> } }).bind;
    if (bind?.attributes) names.push(...Object.keys(bind.attributes));
  }
  return names;
}

/**
 * Every personal value of a customer: the values of personal attributes, and the binding's member id
 * and attributes. Strings and numbers only (what can appear in a URL or a text), each once.
 */
export function personalValues(source: PersonalSource, names: ReadonlySet<string>): string[] {
  const values = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' || typeof value === 'number') values.add(String(value));
  };
  for (const [name, value] of Object.entries(source.attributes ?? {})) if (names.has(name)) add(value);
  if (source.binding) {
    add(source.binding.memberId);
    for (const value of Object.values(source.binding.attributes ?? {})) add(value);
  }
  return [...values];
}

/** Masks a customer's personal values wherever a text holds them. */
export interface PersonalMasker {
  /** The text with each personal value (as is, or URL-encoded) replaced by its mask. */
  text(value: string): string;
  /** A URL masked as {@link text}; with `everyQueryValue` (a personal card's request), every query value too. */
  url(value: string, options?: { everyQueryValue?: boolean }): string;
}

/** The masker of these personal values (see {@link personalValues}). */
export function personalMasker(values: readonly string[]): PersonalMasker {
  // Each value as written and URL-encoded (an email's `@` is `%40` in a query), longest first: a value holding another is masked whole.
  const forms = new Map<string, string>();
  for (const value of values) {
    if (value.length < MIN_MASKED_IN_TEXT) continue;
    const masked = maskPersonalValue(value);
    for (const form of [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)]) forms.set(form, masked);
  }
  const pattern = forms.size
    ? new RegExp(
        [...forms.keys()]
          .sort((a, b) => b.length - a.length)
          .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('|'),
        'g',
      )
    : undefined;
  const text = (value: string) => (pattern ? value.replace(pattern, (found) => forms.get(found) ?? PERSONAL_MASK) : value);
  const url = (value: string, options: { everyQueryValue?: boolean } = {}) => {
    const masked = text(value);
    if (!options.everyQueryValue) return masked;
    const at = masked.indexOf('?');
    if (at < 0) return masked;
    const hash = masked.indexOf('#', at);
    const query = masked.slice(at + 1, hash < 0 ? undefined : hash);
    // Names kept, values masked: `?phone=••••&page=••••`.
    const pairs = query.split('&').map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=${PERSONAL_MASK}` : pair));
    return `${masked.slice(0, at)}?${pairs.join('&')}${hash < 0 ? '' : masked.slice(hash)}`;
  };
  return { text, url };
}

/** A customer's attributes as an admin sees them: personal ones masked (see {@link maskPersonalValue}). */
export function maskAttributes(attributes: Record<string, unknown>, names: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      names.has(name) && value !== null && value !== undefined ? maskPersonalValue(value) : value,
    ]),
  );
}

/** A verified binding as an admin sees it: the member id and the brand's attributes masked; how and when in clear. */
export function maskBinding<B extends { memberId: string; attributes?: Record<string, string> | undefined }>(binding: B): B {
  return {
    ...binding,
    memberId: maskPersonalValue(binding.memberId),
    ...(binding.attributes
      ? { attributes: Object.fromEntries(Object.entries(binding.attributes).map(([name, value]) => [name, maskPersonalValue(value)])) }
      : {}),
  };
}

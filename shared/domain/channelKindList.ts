/**
 * The channel kinds callcard answers on, and how each is named to people: the lowest layer's list,
 * free of zod so the console may import it as a value. Every kind has its adapter in
 * shared/channels/registry.ts (what the channel is: signatures, webhooks, rendering, sending); a
 * unit test (test/unit/shared/channels/registry.test.ts) fails when this list and the registry differ.
 */
export const CHANNEL_KIND_LIST = ['line', 'messenger'] as const;
export type ChannelKind = (typeof CHANNEL_KIND_LIST)[number];

/** Each kind's name in the console, logs and answers. */
export const CHANNEL_LABELS: Readonly<Record<ChannelKind, string>> = { line: 'LINE', messenger: 'Messenger' };

/** Whether a string is a channel kind (a path segment, a CLI argument, a select's value). */
export function isChannelKind(value: unknown): value is ChannelKind {
  return typeof value === 'string' && (CHANNEL_KIND_LIST as readonly string[]).includes(value);
}

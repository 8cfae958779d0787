import type { ChannelKind } from '../domain/channelKindList';
import type { ChannelAdapter } from './adapter';
import { lineAdapter } from './line/lineAdapter';
import { messengerAdapter } from './messenger/messengerAdapter';

export { channelKindSchema, type ChannelKind } from '../domain/channelKinds';

/**
 * The one registry of channels: each kind's adapter (shared/channels/adapter.ts). Code that differs
 * by channel asks here instead of branching on the kind; a new channel is a folder beside line/ and
 * messenger/, its adapter here, and its kind in shared/domain/channelKindList.ts (the test
 * test/unit/shared/channels/registry.test.ts fails when the two differ).
 */
export const CHANNEL_ADAPTERS: { readonly [K in ChannelKind]: ChannelAdapter<K> } = {
  line: lineAdapter,
  messenger: messengerAdapter,
};

/** The kinds the registry has an adapter for, in the registry's order (never empty). */
export const CHANNEL_KINDS = Object.keys(CHANNEL_ADAPTERS) as [ChannelKind, ...ChannelKind[]];

/** The adapter of a kind. */
export function adapterFor<K extends ChannelKind>(kind: K): ChannelAdapter<K> {
  return CHANNEL_ADAPTERS[kind] as ChannelAdapter<K>;
}

/** One value per channel kind, keyed by kind (e.g. the dry run's previews). */
export function byKind<T>(make: (adapter: ChannelAdapter) => T): Record<ChannelKind, T> {
  return Object.fromEntries(CHANNEL_KINDS.map((kind) => [kind, make(adapterFor(kind))])) as Record<ChannelKind, T>;
}

import * as z from 'zod';
import { CHANNEL_KIND_LIST } from './channelKindList';

export type { ChannelKind } from './channelKindList';

/** The channels callcard answers on (a LINE official account, a Messenger page): one adapter each (shared/channels/registry.ts). */
export const channelKindSchema = z.enum(CHANNEL_KIND_LIST);

/**
 * The kind of chat a conversation is: one-to-one with a customer (`user`, every Messenger chat), or a
 * LINE group or multi-person chat (`group`, `room`), whose members all see every answer.
 */
export const chatTypeSchema = z.enum(['user', 'group', 'room']);
export type ChatType = z.infer<typeof chatTypeSchema>;

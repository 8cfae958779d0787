import * as z from 'zod';

/** The channels callcard answers on: a LINE official account or a Messenger page. */
export const channelKindSchema = z.enum(['line', 'messenger']);
export type ChannelKind = z.infer<typeof channelKindSchema>;

/**
 * The kind of chat a conversation is: one-to-one with a customer (`user`, every Messenger chat), or a
 * LINE group or multi-person chat (`group`, `room`), whose members all see every answer.
 */
export const chatTypeSchema = z.enum(['user', 'group', 'room']);
export type ChatType = z.infer<typeof chatTypeSchema>;

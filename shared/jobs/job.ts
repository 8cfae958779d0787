import * as z from 'zod';

export const channelKindSchema = z.enum(['line', 'messenger']);
export type ChannelKind = z.infer<typeof channelKindSchema>;

/** What a customer did, independent of the channel. */
export const inboundEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  /** LINE postback data or Messenger postback / quick-reply payload: `action=my_tickets&id=1`. */
  z.object({ type: z.literal('postback'), data: z.string() }),
  z.object({ type: z.literal('follow') }),
]);
export type InboundEvent = z.infer<typeof inboundEventSchema>;

/**
 * One conversation turn, queued by a webhook and run by the executor. Jobs of one conversation share a
 * FIFO message group, so they never overtake each other.
 */
export const turnJobSchema = z.object({
  v: z.literal(1),
  jobId: z.string().min(1),
  workspaceId: z.string().min(1),
  channel: z.object({ kind: channelKindSchema, id: z.string().min(1) }),
  userId: z.string().min(1),
  event: inboundEventSchema,
  replyToken: z.string().optional(),
  /** When callcard received the event (ms): the reply token's life counts from here. */
  receivedAt: z.number(),
  /** The flow version that was active when the event arrived. */
  flow: z.object({ flowId: z.string().min(1), version: z.number().int().min(1) }),
});
export type TurnJob = z.infer<typeof turnJobSchema>;

/** The FIFO group of a conversation: one customer on one channel. */
export function conversationKey(job: Pick<TurnJob, 'channel' | 'userId'>): string {
  return `${job.channel.kind}:${job.channel.id}:${job.userId}`;
}

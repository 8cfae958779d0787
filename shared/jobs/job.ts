import * as z from 'zod';
import { channelKindSchema, chatTypeSchema } from '../domain/channelKinds';
import { INBOUND_LIMITS } from '../domain/ids';
import { inboundEventSchema } from '../domain/inboundEvents';

/**
 * One conversation turn, queued by a webhook and run by the executor. Jobs of one conversation share a
 * FIFO message group, so they never overtake each other. Every field is bounded, so a job stays far
 * below SQS's 256 KiB ({@link turnJobProblem} checks the serialised size as well).
 */
export const turnJobSchema = z.object({
  v: z.literal(1),
  /** `kind:channelId:eventId`. */
  jobId: z.string().min(1).max(1_024),
  workspaceId: z.string().min(1).max(256),
  channel: z.object({ kind: channelKindSchema, id: z.string().min(1).max(INBOUND_LIMITS.id) }),
  /** The conversation: the customer in a one-to-one chat, the LINE group or room id in a group or room chat. */
  userId: z.string().min(1).max(INBOUND_LIMITS.id),
  /** The kind of chat `userId` is; absent: one-to-one (`user`). */
  chat: chatTypeSchema.optional(),
  /** In a group or room chat, the LINE user who spoke, when LINE names them (`trigger.speakerId` in templates). */
  speakerId: z.string().min(1).max(INBOUND_LIMITS.id).optional(),
  event: inboundEventSchema,
  replyToken: z.string().max(INBOUND_LIMITS.token).optional(),
  /** When callcard received the event (ms): the reply token's life counts from here. */
  receivedAt: z.number(),
  /** The flow version that was active when the event arrived. */
  flow: z.object({ flowId: z.string().min(1).max(256), version: z.number().int().min(1) }),
  /**
   * A turn played in the console's chat simulator (functions/admin/simulatorRoutes.ts): the flow runs
   * for real, brand calls included, but its answers are kept for the console (shared/store/simulator.ts)
   * instead of being sent to LINE or Meta. Its customer is always a simulated one (`sim-…`).
   */
  simulator: z.literal(true).optional(),
});
export type TurnJob = z.infer<typeof turnJobSchema>;

/** SQS's largest message body. */
export const MAX_TURN_JOB_BYTES = 256 * 1024;

/** Why a job cannot be queued (a field past its bound, or too large for SQS), or undefined when it can. */
export function turnJobProblem(job: TurnJob): string | undefined {
  const parsed = turnJobSchema.safeParse(job);
  if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  const bytes = Buffer.byteLength(JSON.stringify(job), 'utf8');
  return bytes > MAX_TURN_JOB_BYTES ? `${bytes} bytes, more than SQS's ${MAX_TURN_JOB_BYTES}` : undefined;
}

/** The FIFO group of a conversation: one customer, or one LINE group or room, on one channel. */
export function conversationKey(job: Pick<TurnJob, 'channel' | 'userId'>): string {
  return `${job.channel.kind}:${job.channel.id}:${job.userId}`;
}

import * as z from 'zod';

/** Where a conversation waits: which flow version and block, and how often the answer was invalid. */
export const sessionSchema = z.object({
  flowId: z.string(),
  version: z.number().int(),
  waitingOn: z.string(),
  attempts: z.number().int().default(0),
  /** The trigger's parameters stay available to templates until the conversation ends. */
  trigger: z.record(z.string(), z.string()).default({}),
  /** Waiting on a card's callback (`waitingOn` is the card): the one callback id that resumes it. */
  callbackId: z.string().optional(),
  expiresAt: z.number(),
});
export type Session = z.infer<typeof sessionSchema>;

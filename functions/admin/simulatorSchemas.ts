import * as z from 'zod';
import { channelKindSchema } from '../../shared/domain/channelKinds';
import { INBOUND_LIMITS } from '../../shared/domain/ids';
import { followEventSchema, postbackEventSchema, textEventSchema } from '../../shared/domain/inboundEvents';
import { entryKeySchema, SIMULATED_USER_PATTERN, simulatorEntrySchema } from '../../shared/store/simulator';
import { channelIdSchema } from './schemas';

// The chat simulator's requests and answers (functions/admin/simulatorRoutes.ts).

export const simulatorParams = z.object({
  kind: channelKindSchema,
  channelId: channelIdSchema,
  userId: z
    .string()
    .regex(SIMULATED_USER_PATTERN, 'a simulated customer is sim- and 1-60 letters, digits, _ or -')
    .describe('The simulated customer: `sim-` and an id of your choosing (never a real customer, whose data stays out of reach)'),
});

/** What the simulated customer does: types, taps (a quick reply, a carousel or rich-menu button: LINE's postback data, Messenger's payload) or follows. */
export const simulatorSendBody = z
  .object({
    // The events a webhook makes (shared/domain/inboundEvents.ts), but the end of a conversation, which only a channel can say.
    event: z.discriminatedUnion('type', [
      textEventSchema.extend({ text: textEventSchema.shape.text.min(1) }).strict(),
      postbackEventSchema.extend({ data: postbackEventSchema.shape.data.min(1) }).strict(),
      followEventSchema.strict(),
      /**
       * Messenger: a tapped quick reply's or postback button's payload, read as the Messenger webhook reads
       * it (shared/channels/messenger/payload.ts fromPayload: `action=…` is a postback, anything
       * else the text of a "message" button).
       */
      z.object({ type: z.literal('payload'), payload: z.string().min(1).max(INBOUND_LIMITS.data) }).strict(),
    ]),
  })
  .strict();

export const simulatorSentSchema = z.object({
  jobId: z.string(),
  key: z.string().describe("The customer's entry in the conversation: read on with `after` set to it"),
  answered: z.boolean().describe('Whether a flow takes the event (a trigger, an open question, a fallback); false: nobody will answer'),
});

export const simulatorQuery = z.object({
  after: entryKeySchema.optional().describe('The key of the last entry already read: only later ones are returned'),
});

export const simulatorConversationSchema = z.object({
  entries: z.array(z.intersection(simulatorEntrySchema, z.object({ key: z.string() }))),
});

export const simulatorClearedSchema = z.object({
  deleted: z.object({
    entries: z.number().int(),
    profile: z.boolean(),
    binding: z.boolean(),
    session: z.boolean(),
    logEntries: z.number().int(),
    outbox: z.number().int(),
  }),
});

/** The answers' types, for the console (`import type`: no zod in its bundle). */
export type SimulatorSent = z.infer<typeof simulatorSentSchema>;
export type SimulatorConversation = z.infer<typeof simulatorConversationSchema>;
export type SimulatorCleared = z.infer<typeof simulatorClearedSchema>;

import * as z from 'zod';
import { channelKindSchema } from '../jobs/job';

/** One flow version, as a channel runs it and as a session remembers it. */
export const flowRefSchema = z.object({ flowId: z.string().min(1), version: z.number().int().min(1) });
export type FlowRef = z.infer<typeof flowRefSchema>;

/**
 * A connected LINE channel or Messenger page, and the flow versions it runs. An item written before
 * channels ran several flows has `activeFlow` (one flow) instead of `activeFlows`: it reads as a set of
 * one, and the next change to the set writes the new shape.
 */
export const channelSchema = z
  .object({
    workspaceId: z.string().min(1),
    kind: channelKindSchema,
    /** LINE channel id or Messenger page id: the `{channelId}` of the webhook URL. */
    channelId: z.string().min(1),
    name: z.string().default(''),
    /** LINE channel secret or Meta app secret: verifies webhook signatures. Write-only. */
    secret: z.string().min(1),
    /** LINE channel access token or Messenger page access token. Write-only. */
    accessToken: z.string().min(1),
    /** Messenger only: the subscription check's verify token. */
    verifyToken: z.string().optional(),
    /**
     * Every flow published to the channel, one version each, in the order they were first published
     * there: the triggers of all of them answer; no two share a trigger (checked at publish).
     */
    activeFlows: z.array(flowRefSchema).optional(),
    /** How many times the active set changed: each change is conditioned on it (absent: never). */
    activeFlowsRevision: z.number().int().min(1).optional(),
    /** The old single-flow shape, read as a set of one. */
    activeFlow: flowRefSchema.optional(),
  })
  .transform(({ activeFlow, activeFlows, ...channel }) => ({ ...channel, activeFlows: activeFlows ?? (activeFlow ? [activeFlow] : []) }));
export type Channel = z.output<typeof channelSchema>;
/** A channel as written by seeds and tests: `activeFlows` may be left out (or given in the old shape). */
export type ChannelInput = z.input<typeof channelSchema>;

import * as z from 'zod';
import { channelKindSchema, type ChannelKind } from '../domain/channelKinds';
import { flowRefSchema } from '../domain/flowRef';
import { adapterFor } from './registry';

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
    /**
     * LINE channel secret or Meta app secret: verifies webhook signatures. Write-only. Absent on a
     * Messenger page registered under an app (`appId`): its app's secret verifies it.
     */
    secret: z.string().min(1).optional(),
    /** LINE channel access token or Messenger page access token. Write-only. */
    accessToken: z.string().min(1),
    /** Messenger only: the subscription check's verify token (absent under an app: the app's applies). */
    verifyToken: z.string().optional(),
    /**
     * Messenger only: the Meta app the page is subscribed through (shared/channels/messenger/messengerApp.ts).
     * Its deliveries come to the app's webhook URL, signed with the app's secret.
     */
    appId: z.string().min(1).optional(),
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
  // Every channel can verify its webhooks: by its own secret, or (a Messenger page: a kind with apps) by its app's.
  .refine((channel) => channel.secret !== undefined || (adapterFor(channel.kind).features.apps && channel.appId !== undefined), {
    message: 'a channel needs its secret, unless it is a Messenger page registered under an app',
    path: ['secret'],
  })
  .transform(({ activeFlow, activeFlows, ...channel }) => ({ ...channel, activeFlows: activeFlows ?? (activeFlow ? [activeFlow] : []) }));
export type Channel = z.output<typeof channelSchema>;
/** A channel as written by seeds and tests: `activeFlows` may be left out (or given in the old shape). */
export type ChannelInput = z.input<typeof channelSchema>;

/** A LINE channel always has its secret (the schema refuses one without); a Messenger page may leave it to its app. */
export type LineChannel = Channel & { kind: 'line'; secret: string };
/** The channel type of a kind: what `store.channels.get('line', …)` gives the LINE webhook. */
export type ChannelOf<K extends ChannelKind> = K extends 'line' ? LineChannel : Channel;

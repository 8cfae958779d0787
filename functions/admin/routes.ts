import type * as z from 'zod';
import * as s from './schemas';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 503;

/** One route of the admin API: what the router validates and what the OpenAPI document says. */
export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** OpenAPI path syntax: `/admin/flows/{flowId}`. */
  path: `/admin/${string}`;
  summary: string;
  description?: string;
  /** Whether the route needs the bearer admin key; only the API's own documents do not. */
  auth: boolean;
  /** Path parameters, by the names in `path`. */
  params: P;
  query: Q;
  /** The JSON request body; `noBody` for routes that take none. */
  body: B;
  /** The success body. The router parses what a handler returns with it, so unknown keys never leave. */
  response: R;
  status: 200 | 201;
  /** The error statuses the route documents (401 and 413 are added for every authenticated route). */
  errors: readonly ErrorStatus[];
}

/** Largest request body the admin API reads: a flow must fit one DynamoDB item (400 KB). */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Every admin route, once: the router matches and validates requests against this table, and the
 * OpenAPI document is generated from it.
 */
export const ADMIN_ROUTES = {
  openApi: {
    method: 'GET',
    path: '/admin/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    auth: false,
    params: s.noParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.jsonDocumentSchema,
    status: 200,
    errors: [],
  },
  flowSchema: {
    method: 'GET',
    path: '/admin/flow.schema.json',
    summary: 'The flow document JSON Schema, for editors',
    auth: false,
    params: s.noParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.jsonDocumentSchema,
    status: 200,
    errors: [],
  },
  listFlows: {
    method: 'GET',
    path: '/admin/flows',
    summary: "The workspace's flows",
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.flowListSchema,
    status: 200,
    errors: [],
  },
  createFlow: {
    method: 'POST',
    path: '/admin/flows',
    summary: 'Create a flow (version 1)',
    description:
      'The flow must pass validation; every problem is reported with its path (an unknown key is one, with "did you mean" when a known key is close). 409 when the flow id is taken. A header naming a secret the workspace does not have is saved, with a warning.',
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.createFlowBody,
    response: s.savedFlowSchema,
    status: 201,
    errors: [400, 409],
  },
  validateFlow: {
    method: 'POST',
    path: '/admin/flows/validate',
    summary: 'Validate a flow without saving it',
    description: '400 lists every problem with its path (`flow.blocks.ask_phone.next`). A valid flow may come with warnings, as a save would give them.',
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.validateFlowBody,
    response: s.validatedFlowSchema,
    status: 200,
    errors: [400],
  },
  getFlow: {
    method: 'GET',
    path: '/admin/flows/{flowId}',
    summary: 'The latest version of a flow',
    auth: true,
    params: s.flowParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.flowVersionSchema,
    status: 200,
    errors: [400, 404],
  },
  updateFlow: {
    method: 'PUT',
    path: '/admin/flows/{flowId}',
    summary: 'Save a new version of a flow',
    description:
      'Creates version baseVersion + 1. When another version was saved since baseVersion, nothing is written and the answer is 409 with latestVersion: reload, merge, retry. A document equal to the latest version (defaults applied) creates no version: the answer is the latest version with unchanged: true. Channels keep running their published version. A header naming a secret the workspace does not have is saved, with a warning.',
    auth: true,
    params: s.flowParams,
    query: s.noQuery,
    body: s.updateFlowBody,
    response: s.savedFlowSchema,
    status: 200,
    errors: [400, 404, 409],
  },
  deleteFlow: {
    method: 'DELETE',
    path: '/admin/flows/{flowId}',
    summary: 'Delete a flow and all its versions',
    description: '409 (with the channels) while a channel runs any version of it: unpublish it there first.',
    auth: true,
    params: s.flowParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.deletedSchema,
    status: 200,
    errors: [400, 404, 409],
  },
  listFlowVersions: {
    method: 'GET',
    path: '/admin/flows/{flowId}/versions',
    summary: 'Every version of a flow, newest first',
    auth: true,
    params: s.flowParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.flowVersionListSchema,
    status: 200,
    errors: [400, 404],
  },
  getFlowVersion: {
    method: 'GET',
    path: '/admin/flows/{flowId}/versions/{version}',
    summary: 'One version of a flow',
    auth: true,
    params: s.flowVersionParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.flowVersionSchema,
    status: 200,
    errors: [400, 404],
  },
  publishFlow: {
    method: 'POST',
    path: '/admin/flows/{flowId}/publish',
    summary: 'Publish a version on channels, beside the flows already there',
    description:
      "A channel runs every flow published to it: the triggers of all of them answer. Publishing adds the flow to each channel's active flows, or replaces the version of it already there (also how to roll back: publish an earlier version). A flow may not share a trigger (a keyword as customers' text is compared, a postback action, follow, the fallback) with another flow of the channel: then the answer is 409 with every shared trigger and both flows, and nothing changes. Every channel is checked before any changes; the answer gives each channel's active flows before and after. New conversations start on it at once; conversations waiting on a question finish on the version they started on.",
    auth: true,
    params: s.flowParams,
    query: s.noQuery,
    body: s.publishBody,
    response: s.publishResultSchema,
    status: 200,
    errors: [400, 404, 409],
  },
  unpublishFlow: {
    method: 'POST',
    path: '/admin/flows/{flowId}/unpublish',
    summary: "Take a flow off channels' active flows",
    description:
      "Its triggers stop answering there; conversations it started finish on their version. 409 (with the channels) when the flow is not active on one of them, and nothing changes; 404 for an unknown channel. The answer gives each channel's active flows before and after.",
    auth: true,
    params: s.flowParams,
    query: s.noQuery,
    body: s.unpublishBody,
    response: s.unpublishResultSchema,
    status: 200,
    errors: [400, 404, 409],
  },
  listChannels: {
    method: 'GET',
    path: '/admin/channels',
    summary: "The workspace's LINE channels and Messenger pages (secrets masked)",
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.channelListSchema,
    status: 200,
    errors: [],
  },
  getChannel: {
    method: 'GET',
    path: '/admin/channels/{kind}/{channelId}',
    summary: 'One channel (secrets masked)',
    auth: true,
    params: s.channelParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.channelViewSchema,
    status: 200,
    errors: [400, 404],
  },
  putChannel: {
    method: 'PUT',
    path: '/admin/channels/{kind}/{channelId}',
    summary: 'Add or update a LINE channel or a Messenger page',
    description:
      'A new LINE channel needs secret and accessToken; a new Messenger page also verifyToken. On update, a secret left out keeps its stored value. Secrets are write-only. 409 when the id belongs to another workspace.',
    auth: true,
    params: s.channelParams,
    query: s.noQuery,
    body: s.putChannelBody,
    response: s.savedChannelSchema,
    status: 200,
    errors: [400, 409],
  },
  listSecrets: {
    method: 'GET',
    path: '/admin/secrets',
    summary: "The workspace's secrets: names, masked values and allowed hosts",
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.secretListSchema,
    status: 200,
    errors: [],
  },
  putSecret: {
    method: 'PUT',
    path: '/admin/secrets/{name}',
    summary: 'Set a secret for card headers ({{ secrets.NAME }})',
    description:
      'Replaces the secret, allowedHosts included. The value is write-only (answers show it masked). A secret may only be used in a header value, written whole as {{ secrets.NAME }}; with allowedHosts, a card whose request would send it to any other host fails before connecting.',
    auth: true,
    params: s.secretParams,
    query: s.noQuery,
    body: s.putSecretBody,
    response: s.secretViewSchema,
    status: 200,
    errors: [400],
  },
  deleteSecret: {
    method: 'DELETE',
    path: '/admin/secrets/{name}',
    summary: 'Delete a secret',
    auth: true,
    params: s.secretParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.deletedSchema,
    status: 200,
    errors: [400, 404],
  },
  getSettings: {
    method: 'GET',
    path: '/admin/settings',
    summary: "The workspace's settings: the ports its cards may call besides 443, and the language of callcard's own texts to customers",
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.settingsSchema,
    status: 200,
    errors: [],
  },
  putSettings: {
    method: 'PUT',
    path: '/admin/settings',
    summary: "Change the workspace's settings (fields left out keep their value)",
    description:
      'Cards call port 443 only, unless their URL names a port listed in allowedPorts (the local stack\'s allow-listed http hosts aside). A card whose request, or a redirect, names any other port fails before connecting, with the reason "port N not allowed (workspace settings: allowedPorts)". Dry runs apply the same rule. language (zh-TW, the default, or en) is the language of the texts callcard itself writes to customers: the apology when a card fails with no failure block, and the re-ask of a question without its own reask; a flow\'s texts reword them.',
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.putSettingsBody,
    response: s.settingsSchema,
    status: 200,
    errors: [400],
  },
  dryRun: {
    method: 'POST',
    path: '/admin/dry-run',
    summary: 'Run one Call an API card for real and show what would happen',
    description:
      "Calls the brand exactly as the executor would (same guarded caller, templates and the workspace's secrets) and returns the request (secrets masked), the response, the outcome and the follow-up messages rendered for LINE and Messenger. Nothing is saved, queued or sent to a channel; later cards are not called.",
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.dryRunBody,
    response: s.dryRunResultSchema,
    status: 200,
    errors: [400, 404],
  },
  getContact: {
    method: 'GET',
    path: '/admin/contacts/{kind}/{channelId}/{userId}',
    summary: "A customer's attributes and open conversation",
    auth: true,
    params: s.contactParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.contactSchema,
    status: 200,
    errors: [400, 404],
  },
  deleteContact: {
    method: 'DELETE',
    path: '/admin/contacts/{kind}/{channelId}/{userId}',
    summary: "Erase a customer: profile, session and execution log (on request, e.g. GDPR)",
    auth: true,
    params: s.contactParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.contactDeletedSchema,
    status: 200,
    errors: [400, 404],
  },
  listLogs: {
    method: 'GET',
    path: '/admin/logs',
    summary: 'Execution log of Call an API cards, newest first',
    description: 'By customer (`customer=line:channelId:userId`) or by card (`flowId` and `blockId`). Paginated with `limit` (1-100, default 50) and the opaque `cursor` of the previous page.',
    auth: true,
    params: s.noParams,
    query: s.logsQuery,
    body: s.noBody,
    response: s.logPageSchema,
    status: 200,
    errors: [400, 404],
  },
  listFailedJobs: {
    method: 'GET',
    path: '/admin/failed-jobs',
    summary: "The workspace's jobs in the dead-letter queue",
    description: 'A peek (nothing is removed), up to 100 jobs.',
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.noBody,
    response: s.failedJobListSchema,
    status: 200,
    errors: [503],
  },
  redriveFailedJobs: {
    method: 'POST',
    path: '/admin/failed-jobs/redrive',
    summary: 'Send failed jobs back to the jobs queue',
    description:
      'One job (`{messageId}`) or all of the workspace\'s (`{all: true}`). A job resumes where it stopped: messages already delivered are not sent again. Other failed jobs may stay hidden from listings for a few seconds.',
    auth: true,
    params: s.noParams,
    query: s.noQuery,
    body: s.redriveBody,
    response: s.redriveResultSchema,
    status: 200,
    errors: [400, 404, 503],
  },
} satisfies Record<string, RouteSpec>;

/** The route table's exact type: each route keeps its own schemas. */
export type AdminRoutes = typeof ADMIN_ROUTES;
export type RouteId = keyof AdminRoutes;

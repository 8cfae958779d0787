import * as z from 'zod';
import { connectionSchema, environmentSchema } from '../../shared/connections/connection';
import { BINDING_METHODS } from '../../shared/domain/binding';
import { byKind, channelKindSchema, CHANNEL_KINDS } from '../../shared/channels/registry';
import { triggerConflictSchema } from '../../shared/engine/activeFlows';
import { NOT_RESERVED, RESERVED_NAME } from '../../shared/flow/reservedKeys';
import { cardContractSchema, connectionNameSchema } from '../../shared/flow/schema';
import { languageSchema } from '../../shared/flow/texts';
import {
  alertStateSchema,
  cardAlertRuleSchema,
  FAILURE_KINDS,
  healthBucketSchema,
  healthWindowSchema,
  versionHealthSchema,
} from '../../shared/health/cardHealth';
import { executionLogEntrySchema } from '../../shared/store/executionLog';
import { allowedPortsSchema, bindingLapseDaysSchema, personalAttributesSchema, RETENTION_DAYS } from '../../shared/store/workspaceSettings';
import { normalizeHost } from '../../shared/templating/secretHosts';
import type { Problem } from '../../shared/flow/parseProblems';

/**
 * The admin API's request and response shapes. The router validates with them and the OpenAPI
 * document is generated from them: what is documented is what is enforced.
 */

/** Ids end up inside table keys (`WS#ws#FLOW#id`): a restricted charset keeps `#` and friends out. */
export const flowIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'flow ids are 1-64 letters, digits, _ or -, starting with a letter or digit')
  .describe('Flow id');
export const channelIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'channel ids are 1-128 letters, digits, ., _ or -')
  .describe('LINE channel id or Messenger page id');
/** Meta's app ids are numbers; the same charset as channel ids keeps every key plain. */
export const messengerAppIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'app ids are 1-128 letters, digits, ., _ or -')
  .describe("Meta app id (the app's dashboard shows it)");
export const userIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'user ids are 1-128 letters, digits, ., _ or -')
  .describe('LINE user id or Messenger page-scoped id (PSID)');
/** Written in header templates as `{{ secrets.NAME }}` (callcard substitutes it; Liquid never sees it). */
export const secretNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'secret names are 1-64 letters, digits or _, not starting with a digit')
  .regex(NOT_RESERVED, RESERVED_NAME)
  .describe('Secret name, used in header templates as {{ secrets.NAME }}');
const blockIdSchema = z.string().regex(/^[A-Za-z][\w-]{0,63}$/, 'not a block id');
/** A positive integer as it appears in a path or query string. */
const positiveIntText = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, 'a positive integer')
  .transform(Number);

/**
 * A flow document: its shape and references are checked with `validateFlow` (every problem with its
 * path), so here it is only "an object"; the OpenAPI document points at the Flow schema instead.
 */
export const flowDocumentSchema = z.record(z.string(), z.unknown());

export const problemSchema = z.object({ path: z.string(), message: z.string() }) satisfies z.ZodType<Problem>;
export const errorSchema = z.object({
  error: z.string(),
  problems: z.array(problemSchema).optional(),
  latestVersion: z.number().int().optional(),
  channels: z.array(z.object({ kind: channelKindSchema, channelId: z.string() })).optional(),
  conflicts: z
    .array(triggerConflictSchema.extend({ channel: z.object({ kind: channelKindSchema, channelId: z.string() }) }))
    .optional()
    .describe('Publish: each trigger the flow would share with a flow already active on a channel (the active flow first)'),
  limitBytes: z.number().int().optional(),
});

export const noParams = z.object({});
export const noQuery = z.object({});
/** Routes without a request body: whatever is sent is ignored. */
export const noBody = z.undefined();

export const flowParams = z.object({ flowId: flowIdSchema });
export const flowVersionParams = z.object({ flowId: flowIdSchema, version: positiveIntText });
export const channelParams = z.object({ kind: channelKindSchema, channelId: channelIdSchema });
export const contactParams = z.object({ kind: channelKindSchema, channelId: channelIdSchema, userId: userIdSchema });
export const secretParams = z.object({ name: secretNameSchema });
export const messengerAppParams = z.object({ appId: messengerAppIdSchema });

export const channelRefSchema = z.object({ kind: channelKindSchema, channelId: channelIdSchema });
const flowRefSchema = z.object({ flowId: z.string(), version: z.number().int() });

export const createFlowBody = z.object({ flowId: flowIdSchema, flow: flowDocumentSchema });
export const updateFlowBody = z.object({
  flow: flowDocumentSchema,
  baseVersion: z.number().int().min(1).describe('The version this edit started from: a newer saved version makes the update a 409'),
});
export const validateFlowBody = z.object({ flow: flowDocumentSchema });
export const publishBody = z.object({
  version: z.number().int().min(1),
  channels: z.array(channelRefSchema).min(1).max(50),
});
export const unpublishBody = z.object({
  channels: z.array(channelRefSchema).min(1).max(50),
});

const secretText = z.string().min(1).max(4096);
export const putChannelBody = z
  .object({
    name: z.string().max(200).optional(),
    secret: secretText
      .optional()
      .describe('LINE channel secret or Meta app secret (verifies webhook signatures). Write-only; kept when left out'),
    accessToken: secretText.optional().describe('LINE channel access token or page access token. Write-only; kept when left out'),
    verifyToken: secretText.optional().describe('Messenger only: the subscription check verify token. Write-only; kept when left out'),
    appId: messengerAppIdSchema
      .optional()
      .describe(
        "Messenger only: the Meta app the page is subscribed through (add it first with PUT /admin/messenger-apps/{appId}). The app's secret and verify token then verify the page's webhooks, at the app's URL /webhooks/messenger/apps/{appId} and the page's own; the page keeps no secret or verify token of its own",
      ),
  })
  .strict();
export const putMessengerAppBody = z
  .object({
    name: z.string().max(200).optional(),
    secret: secretText
      .optional()
      .describe('The app secret (verifies X-Hub-Signature-256 on every delivery). Write-only; kept when left out'),
    verifyToken: secretText.optional().describe("What Meta's subscription check sends as hub.verify_token. Write-only; kept when left out"),
  })
  .strict();
/** A host a secret may be sent to: a bare name (`api.brand.example`), stored as a URL would compare it. */
const allowedHostSchema = z
  .string()
  .max(253)
  .refine((host) => normalizeHost(host) !== undefined, 'a host name like api.example.com: no scheme, port, path or wildcard')
  .transform((host) => normalizeHost(host) ?? host);
export const allowedHostsSchema = z
  .array(allowedHostSchema)
  .min(1)
  .max(50)
  .transform((hosts) => [...new Set(hosts)])
  .describe(
    'The only hosts a card may send this secret to (exact host names); a card whose request would send it elsewhere fails before connecting. Required, except for CALLCARD_SIGNING_SECRET (never sent): a secret any card could send to any host could be echoed back by that host',
  );
export const putSecretBody = z
  .object({
    value: z
      .string()
      .min(4)
      .max(4096)
      .optional()
      .describe(
        'Write-only: never returned, shown masked. Required for a new secret; left out, the stored value is kept (to bind a secret to hosts)',
      ),
    allowedHosts: allowedHostsSchema.optional(),
  })
  .strict();

/** Each field left out keeps its saved value (its default if never saved). */
export const putSettingsBody = z
  .object({
    allowedPorts: allowedPortsSchema
      .optional()
      .describe(
        'Ports (1-65535, at most 20) a card URL may name besides 443, the default. A card whose request (or a redirect) names any other port fails before connecting',
      ),
    language: languageSchema
      .optional()
      .describe(
        "The language of callcard's own texts to customers (the apology when a card fails, the re-ask of a question): zh-TW (the default) or en. A flow's texts reword them",
      ),
    bindingLapseDays: bindingLapseDaysSchema
      .nullable()
      .optional()
      .describe(
        'Days after which a verified binding lapses (1-3650): personal cards then ask the customer to verify again. null: bindings never lapse (the default)',
      ),
    personalAttributes: personalAttributesSchema
      .optional()
      .describe(
        'Attributes whose values are personal (at most 50 names; the default: phone, email, memberId): masked in the execution log and in contacts. The binding (member id, the attributes a card binds) always is',
      ),
    retention: z
      .object({
        logDays: RETENTION_DAYS.logDays.optional().describe('Days an execution log entry is kept (1-365; default 30)'),
        simulatorDays: RETENTION_DAYS.simulatorDays
          .optional()
          .describe("Days the console simulator's conversations and simulated customers are kept (1-30; default 1)"),
        idleCustomerDays: RETENTION_DAYS.idleCustomerDays
          .optional()
          .describe("Days a customer's profile (attributes, binding) is kept after their last message (1-3650; default 365)"),
      })
      .strict()
      .optional()
      .describe(
        'How long what callcard keeps of customers lives (fields left out keep their value); entries already written keep their expiry',
      ),
  })
  .strict();

/** A sample verified customer, for a personal card's test or a preview (`binding.*` in templates). */
const sampleBindingSchema = z
  .object({
    memberId: z.string().min(1).max(200),
    attributes: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z_]\w{0,63}$/)
          .regex(NOT_RESERVED, RESERVED_NAME),
        z.string().max(1000),
      )
      .optional(),
  })
  .strict()
  .describe(
    'A sample verified customer (binding.memberId, binding.attributes.NAME in templates). Required to test a personal card: without it the customer is not verified',
  );

export const dryRunBody = z
  .object({
    flow: flowDocumentSchema.optional().describe('A flow document to try (unsaved); or name a saved one with flowId (+ version)'),
    flowId: flowIdSchema.optional(),
    version: z.number().int().min(1).optional().describe('With flowId; the latest version when left out'),
    blockId: blockIdSchema.describe('The Call an API card to run'),
    attributes: z.record(z.string(), z.unknown()).default({}).describe('Customer attributes the templates see'),
    trigger: z.object({ params: z.record(z.string(), z.string()).default({}) }).optional(),
    binding: sampleBindingSchema.optional(),
    environment: environmentSchema
      .default('staging')
      .describe("Which environment of the card's connection to call: staging by default (production when the connection has none)"),
    learnContract: z
      .boolean()
      .default(false)
      .describe(
        "Learn the card's response contract from a successful answer (learntContract in the result): its types, the keys present as required, arrays' item shapes",
      ),
  })
  .superRefine((body, ctx) => {
    if ((body.flow === undefined) === (body.flowId === undefined))
      ctx.addIssue({ code: 'custom', path: ['flow'], message: 'give either flow, or flowId (and version)' });
    if (body.version !== undefined && body.flowId === undefined)
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'version goes with flowId' });
  });

/** `POST /admin/preview`: a message block rendered for both channels with sample values. */
export const previewBody = z.object({
  flow: flowDocumentSchema.describe('The flow document as edited (unsaved): only the block previewed must be valid'),
  blockId: blockIdSchema.describe('The message block to preview'),
  attributes: z.record(z.string(), z.string()).default({}).describe('Sample customer attributes the templates see'),
  trigger: z
    .object({ params: z.record(z.string(), z.string()).default({}) })
    .optional()
    .describe('Sample trigger parameters (postback data)'),
  response: z
    .unknown()
    .optional()
    .describe(
      'A sample response body, read as response.body (repeats over response.body.…): e.g. the last test response of the card leading here',
    ),
  binding: sampleBindingSchema.optional(),
});

const deadLetterIdSchema = z.string().min(1).max(200);
export const redriveBody = z.union([z.object({ messageId: deadLetterIdSchema }).strict(), z.object({ all: z.literal(true) }).strict()]);
export const failedJobParams = z.object({ messageId: deadLetterIdSchema.describe("The failed job's messageId, as listed") });
export const deleteAllFailedJobsQuery = z.object({ all: z.literal('true').describe("Required: all of the workspace's failed jobs") });

/** A UTC time as the execution log writes it (`toISOString`), so that it compares with the log's sort keys. */
const isoTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/, 'an ISO 8601 UTC time, e.g. 2026-05-01T09:00:00.000Z')
  .transform((text) => new Date(text).toISOString());
const limitQuery = positiveIntText.pipe(z.number().max(100, 'at most 100')).optional().describe('Entries per page, 1-100 (default 50)');
export const logsQuery = z
  .object({
    customer: z
      .string()
      .regex(
        new RegExp(`^(${CHANNEL_KINDS.join('|')}):[A-Za-z0-9][A-Za-z0-9._-]{0,127}:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`),
        'kind:channelId:userId, e.g. line:demo-line:U1234',
      )
      .optional()
      .describe('A customer: kind:channelId:userId'),
    flowId: flowIdSchema.optional(),
    blockId: blockIdSchema.optional().describe('With flowId: the card whose calls to list'),
    limit: limitQuery,
    cursor: z.string().max(2048).optional().describe('From the previous page'),
    from: isoTime.optional().describe("With a card: only calls at or after this time (ISO 8601, e.g. a health chart point's start)"),
    to: isoTime.optional().describe('With a card: only calls before this time (ISO 8601)'),
    version: positiveIntText
      .optional()
      .describe('With a card: only the calls of this flow version (a page may hold fewer entries than limit)'),
  })
  .superRefine((query, ctx) => {
    if ((query.from !== undefined || query.to !== undefined || query.version !== undefined) && query.customer !== undefined)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'from, to and version go with a card (flowId and blockId)' });
    const byCard = query.flowId !== undefined || query.blockId !== undefined;
    if ((query.customer !== undefined) === byCard)
      ctx.addIssue({ code: 'custom', path: ['customer'], message: 'give either customer, or flowId and blockId' });
    else if (byCard && (query.flowId === undefined || query.blockId === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [query.flowId === undefined ? 'flowId' : 'blockId'],
        message: 'flowId and blockId go together',
      });
  });

// Responses.
export const okSchema = z.object({ ok: z.literal(true) });
export const deletedSchema = z.object({ deleted: z.literal(true) });
export const jsonDocumentSchema = z.record(z.string(), z.unknown());

export const flowSummarySchema = z.object({ flowId: z.string(), name: z.string(), latestVersion: z.number().int(), updatedAt: z.string() });
export const flowListSchema = z.object({ flows: z.array(flowSummarySchema) });
export const flowVersionSchema = z.object({
  flowId: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  flow: flowDocumentSchema.describe(
    'The document as saved: as it was written, the defaults it leaves out not filled in (they apply when it runs)',
  ),
});
const flowWarningsSchema = z
  .array(problemSchema)
  .optional()
  .describe(
    'Present when there is something to fix: each header naming a secret this workspace does not have (publishing refuses the flow until it is set), or a secret bound to no host (saved before allowedHosts was required: it works, but any card could send it anywhere)',
  );
/** What a save answers: the version saved, or the latest one when the document equals it. */
export const savedFlowSchema = flowVersionSchema.extend({
  unchanged: z
    .literal(true)
    .optional()
    .describe('Present when the document equals the latest version (defaults applied): no version was created, and version is the latest'),
  warnings: flowWarningsSchema,
});
export const validatedFlowSchema = okSchema.extend({ warnings: flowWarningsSchema });
export const flowVersionListSchema = z.object({
  flowId: z.string(),
  versions: z.array(z.object({ version: z.number().int(), name: z.string(), createdAt: z.string() })),
});
/** A channel's active flows before and after a publish or an unpublish. */
const activeFlowsChangeSchema = channelRefSchema.extend({
  before: z.array(flowRefSchema).describe("The channel's active flows before"),
  after: z.array(flowRefSchema).describe('And after'),
});
export const publishResultSchema = z.object({ flowId: z.string(), version: z.number().int(), channels: z.array(activeFlowsChangeSchema) });
export const unpublishResultSchema = z.object({ flowId: z.string(), channels: z.array(activeFlowsChangeSchema) });

export const channelViewSchema = z.object({
  kind: channelKindSchema,
  channelId: z.string(),
  name: z.string(),
  activeFlows: z
    .array(flowRefSchema)
    .describe(
      'Every flow version published to the channel, in the order the flows were first published there; the triggers of all of them answer',
    ),
  secret: z.string().optional().describe("Masked; absent for a Messenger page under an app (the app's applies)"),
  accessToken: z.string().describe('Masked'),
  verifyToken: z.string().optional().describe('Masked'),
  appId: z.string().optional().describe('Messenger: the Meta app the page is subscribed through'),
  verifiedAt: z
    .string()
    .optional()
    .describe(
      "When the channel's webhook URL last passed a verification (LINE's Verify button: a signed delivery without events; Meta's subscription check at the page's URL or, for a page under an app, at the app's). Absent: never",
    ),
});
export const channelListSchema = z.object({ channels: z.array(channelViewSchema) });
export const savedChannelSchema = channelViewSchema.extend({ created: z.boolean() });

export const messengerAppViewSchema = z.object({
  appId: z.string(),
  name: z.string(),
  secret: z.string().describe('Masked'),
  verifyToken: z.string().describe('Masked'),
  pages: z.array(z.string()).describe("The workspace's pages registered under the app"),
  webhookPath: z.string().describe("The app's callback URL path, after the API's base URL"),
  verifiedAt: z.string().optional().describe("When Meta's subscription check last passed at the app's callback URL. Absent: never"),
});
export const messengerAppListSchema = z.object({ apps: z.array(messengerAppViewSchema) });
export const savedMessengerAppSchema = messengerAppViewSchema.extend({ created: z.boolean() });

export const secretViewSchema = z.object({
  name: z.string(),
  value: z.string().describe('Masked'),
  allowedHosts: z.array(z.string()).optional().describe('The only hosts a card may send it to; absent: any host'),
  updatedAt: z.string().optional(),
  unbound: z
    .literal(true)
    .optional()
    .describe('A secret saved before allowedHosts was required: cards still send it, to any host, until it is bound (warning says how)'),
  warning: z.string().optional(),
  purpose: z
    .literal('signing')
    .optional()
    .describe(
      "signing: CALLCARD_SIGNING_SECRET, which signs callcard's calls to the brand (webhook-signature) and is never sent, so no card header may name it. Absent: a secret for card headers",
    ),
});
export const secretListSchema = z.object({ secrets: z.array(secretViewSchema) });

export const settingsSchema = z.object({
  allowedPorts: z.array(z.number().int()).describe('Ports a card URL may name besides 443; empty: 443 only'),
  language: languageSchema.describe("The language of callcard's own texts to customers: zh-TW or en"),
  bindingLapseDays: z.number().int().optional().describe('Days after which a verified binding lapses; absent: never'),
  personalAttributes: z.array(z.string()).describe('Attributes whose values are personal: masked in the execution log and in contacts'),
  retention: z
    .object({ logDays: z.number().int(), simulatorDays: z.number().int(), idleCustomerDays: z.number().int() })
    .describe('Days kept: execution log entries, simulator conversations, customers after their last message'),
});

export const connectionParams = z.object({ name: connectionNameSchema });
export const putConnectionBody = connectionSchema;
export const connectionViewSchema = z.object({
  name: z.string(),
  connection: connectionSchema,
  updatedAt: z.string().optional(),
  warnings: z
    .array(problemSchema)
    .optional()
    .describe(
      "What would make its cards fail, without refusing the save: a secret it names that the workspace lacks, or one not allowed for its base URL's host",
    ),
});
export const connectionListSchema = z.object({ connections: z.array(connectionViewSchema) });

export const egressSchema = z.object({
  fixed: z.boolean().describe('Whether calls to brands leave from fixed addresses (deployed with staticEgress)'),
  addresses: z.array(z.string()).describe("The addresses brands' APIs see callcard's calls come from; empty when not fixed"),
});

export const contactSchema = z.object({
  kind: channelKindSchema,
  channelId: z.string(),
  userId: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  firstSeenAt: z.string().optional(),
  lastInboundAt: z.string().optional(),
  session: z
    .object({ flowId: z.string(), version: z.number().int(), waitingOn: z.string(), attempts: z.number().int(), expiresAt: z.number() })
    .nullable()
    .describe('The open conversation, if one waits on a question'),
  binding: z
    .object({
      memberId: z.string(),
      attributes: z.record(z.string(), z.string()).optional(),
      method: z.enum(BINDING_METHODS),
      verifiedAt: z.string(),
      lapsesAt: z.string().optional(),
      lapsed: z.boolean().describe('Whether it has lapsed: then it is no binding (personal cards ask to verify again)'),
    })
    .nullable()
    .optional()
    .describe('Who the customer verifiably is at the brand, how and when it was verified; null when not bound'),
});
export const bindingDeletedSchema = z.object({
  unbound: z.boolean().describe('Whether there was a binding to remove'),
});
export const contactDeletedSchema = z.object({
  deleted: z
    .object({
      profile: z.boolean(),
      binding: z.boolean().describe('Whether the profile held a verified binding'),
      session: z.boolean(),
      logEntries: z.number().int(),
      outbox: z.number().int().describe("The outboxes of the customer's turns (messages sent, what each turn changed)"),
      simulatorEntries: z.number().int().describe("The console simulator's conversation (simulated customers only)"),
    })
    .describe('What was erased'),
});
export const contactExportSchema = z.object({
  exportedAt: z.string(),
  kind: channelKindSchema,
  channelId: z.string(),
  userId: z.string(),
  profile: z
    .object({ attributes: z.record(z.string(), z.unknown()), firstSeenAt: z.string(), lastInboundAt: z.string() })
    .nullable()
    .describe('Attributes in clear (the workspace secrets masked); null when none is kept'),
  binding: z
    .object({
      memberId: z.string(),
      attributes: z.record(z.string(), z.string()).optional(),
      method: z.enum(BINDING_METHODS),
      verifiedAt: z.string(),
      lapsesAt: z.string().optional(),
    })
    .nullable(),
  session: z
    .object({
      flowId: z.string(),
      version: z.number().int(),
      waitingOn: z.string(),
      attempts: z.number().int(),
      trigger: z.record(z.string(), z.string()),
      expiresAt: z.number(),
    })
    .nullable(),
  logEntries: z.array(executionLogEntrySchema.omit({ workspaceId: true })).describe('Every execution log entry kept, newest first'),
  outbox: z
    .array(
      z.object({
        jobId: z.string(),
        deliveries: z.array(z.object({ messages: z.array(z.unknown()) })),
        sent: z.number().int(),
        done: z.boolean(),
        effects: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .describe("The outboxes of the customer's turns kept (15 days): the messages sent and what each turn changed"),
});

export const logPageSchema = z.object({
  entries: z.array(executionLogEntrySchema.omit({ workspaceId: true })),
  cursor: z.string().optional().describe('Pass as ?cursor= for the next page; absent on the last page'),
});

/** `GET /admin/health`: one card's health over a window. */
export const healthQuery = z.object({
  flowId: flowIdSchema,
  blockId: blockIdSchema.describe('The Call an API card'),
  window: healthWindowSchema.default('hour').describe('hour (12 × 5 min), day (24 × 1 h) or week (7 × 1 day); default hour'),
  version: positiveIntText
    .optional()
    .describe('Only the calls of this flow version (the buckets and totals; `versions` still lists them all)'),
});
export const healthSchema = z.object({
  flowId: z.string(),
  blockId: z.string(),
  window: healthWindowSchema,
  version: z.number().int().optional().describe('The flow version the buckets and totals are of; absent: all'),
  from: z.string().describe('Start of the first bucket (included)'),
  to: z.string().describe('End of the last bucket (excluded; the last bucket holds now)'),
  bucketMs: z.number().int(),
  kinds: z.array(z.enum(FAILURE_KINDS)).describe('The failure kinds counted in byKind, in order'),
  buckets: z.array(healthBucketSchema),
  totals: healthBucketSchema.omit({ from: true, to: true }),
  versions: z.array(versionHealthSchema).describe('The window per flow version that ran the card, newest first'),
  complete: z
    .boolean()
    .describe('false: the card made more calls than one query reads (5000); the oldest buckets count only the newest calls'),
  alert: z
    .object({ rule: cardAlertRuleSchema, state: alertStateSchema })
    .optional()
    .describe("The card's alert rules and their state now; absent when it has none"),
});

export const alertParams = z.object({ flowId: flowIdSchema, blockId: blockIdSchema });
export const putAlertBody = cardAlertRuleSchema;
export const alertViewSchema = z.object({ flowId: z.string(), blockId: z.string(), rule: cardAlertRuleSchema, state: alertStateSchema });
export const alertListSchema = z.object({ alerts: z.array(alertViewSchema) });

export const failedJobSchema = z.object({
  messageId: z.string(),
  jobId: z.string(),
  channel: z.object({ kind: channelKindSchema, id: z.string() }),
  userId: z.string(),
  event: z.record(z.string(), z.unknown()),
  flow: flowRefSchema,
  receivedAt: z.number(),
  queuedAt: z.string().optional().describe('When the job was first queued'),
});
export const failedJobListSchema = z.object({ jobs: z.array(failedJobSchema) });
export const redriveResultSchema = z.object({ redriven: z.array(z.string()).describe('Message ids sent back to the jobs queue') });
export const deletedFailedJobsSchema = z.object({
  deleted: z.array(z.string()).describe('Message ids deleted from the dead-letter queue'),
});

const cardRequestSchema = z.object({
  method: z.string(),
  url: z.string().describe('Secret values and credential-like query values masked'),
  headers: z.record(z.string(), z.string()).describe('Secret values replaced by ••••'),
  body: z.string().optional(),
});
const cardResponseSchema = z.object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.unknown() });
export const previewResultSchema = z.object({
  blockId: z.string(),
  // One list per channel kind of the registry: `line`, `messenger`.
  ...byKind((adapter) => z.array(z.unknown()).describe(`The messages rendered for the ${adapter.apiName}`)),
  empty: z.boolean().describe("A repeat had nothing to repeat over: a turn goes to the block's empty outlet when it has one"),
});
export const dryRunResultSchema = z.object({
  blockId: z.string(),
  request: cardRequestSchema.nullable().describe('The request as sent (the last attempt); null when none could be built'),
  response: cardResponseSchema.nullable().describe('The brand response (the last attempt); null when none came'),
  outcome: z.object({
    ok: z.boolean(),
    reason: z.string().optional(),
    warning: z.string().optional().describe('A success its contract only warns about (onMismatch: warn): the first mismatch'),
    attempts: z.number().int(),
  }),
  environment: environmentSchema
    .optional()
    .describe("Which environment of the card's connection was called (a card naming a connection only)"),
  learntContract: cardContractSchema
    .optional()
    .describe(
      "With learnContract and a 2xx answer of JSON: the contract learnt from it, for the card's contract (the card's onMismatch kept)",
    ),
  followUp: z.object({
    messages: z.array(z.unknown()).describe('Channel-neutral messages the customer would get'),
    // One list per channel kind of the registry: `line`, `messenger`.
    ...byKind((adapter) => z.array(z.unknown()).describe(`The same, rendered for the ${adapter.apiName}`)),
    attributes: z.record(z.string(), z.unknown()).describe('Attributes the turn would save (nothing is saved)'),
    waitingOn: z.string().optional().describe('A question the conversation would then wait on'),
    stoppedBefore: z.string().optional().describe('The next card the customer would wait for: a dry run calls only the card under test'),
    skipped: z.array(z.string()).optional().describe('Fire-and-forget cards on the way, not called'),
    binding: z
      .object({ memberId: z.string(), attributes: z.record(z.string(), z.string()).optional(), method: z.string() })
      .nullable()
      .optional()
      .describe("The verified binding the card's bind would make (null: an unbind on the way would remove it); nothing is saved"),
  }),
});

/**
 * The answers' types, for the console: it imports them with `import type` (no zod in its bundle), so
 * that what it reads is what these schemas document. `z.infer` (the output): the router parses each
 * handler's answer with its route's response schema before sending it (./bindRoute.ts), defaults
 * filled in, and the OpenAPI document describes that output.
 */
export type { Problem };
export type ErrorBody = z.infer<typeof errorSchema>;
export type FlowRef = z.infer<typeof flowRefSchema>;
export type FlowSummary = z.infer<typeof flowSummarySchema>;
export type FlowList = z.infer<typeof flowListSchema>;
export type FlowVersion = z.infer<typeof flowVersionSchema>;
export type SavedFlow = z.infer<typeof savedFlowSchema>;
export type ValidatedFlow = z.infer<typeof validatedFlowSchema>;
export type ChannelView = z.infer<typeof channelViewSchema>;
export type ChannelList = z.infer<typeof channelListSchema>;
export type SavedChannel = z.infer<typeof savedChannelSchema>;
export type LogPage = z.infer<typeof logPageSchema>;
export type LogEntry = LogPage['entries'][number];
export type PreviewResult = z.infer<typeof previewResultSchema>;
export type DryRunResult = z.infer<typeof dryRunResultSchema>;
export type Deleted = z.infer<typeof deletedSchema>;
export type FlowVersionList = z.infer<typeof flowVersionListSchema>;
export type PublishResult = z.infer<typeof publishResultSchema>;
export type UnpublishResult = z.infer<typeof unpublishResultSchema>;
export type MessengerAppView = z.infer<typeof messengerAppViewSchema>;
export type MessengerAppList = z.infer<typeof messengerAppListSchema>;
export type SecretView = z.infer<typeof secretViewSchema>;
export type SecretList = z.infer<typeof secretListSchema>;
export type ConnectionView = z.infer<typeof connectionViewSchema>;
export type ConnectionList = z.infer<typeof connectionListSchema>;
export type Egress = z.infer<typeof egressSchema>;
export type Settings = z.infer<typeof settingsSchema>;
export type ContactExport = z.infer<typeof contactExportSchema>;
export type ContactDeleted = z.infer<typeof contactDeletedSchema>;
export type CardHealth = z.infer<typeof healthSchema>;
export type AlertView = z.infer<typeof alertViewSchema>;
export type AlertList = z.infer<typeof alertListSchema>;
export type FailedJob = z.infer<typeof failedJobSchema>;
export type FailedJobList = z.infer<typeof failedJobListSchema>;
export type RedriveResult = z.infer<typeof redriveResultSchema>;
export type DeletedFailedJobs = z.infer<typeof deletedFailedJobsSchema>;

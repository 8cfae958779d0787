import * as z from 'zod';
import { channelKindSchema, chatTypeSchema } from '../domain/channelKinds';
import { messageSchema } from '../messages/message';
import { CALLBACK_TIMEOUT_SECONDS, CARD_DEFAULTS, CARD_TIMEOUT_MS, DEFAULT_HTTP_METHOD, HTTP_METHODS } from './cardDefaults';
import { FAILURE_REASONS } from './failureReasons';
import { NOT_RESERVED, RESERVED_NAME } from './reservedKeys';
import { flowTextsSchema } from './texts';

// Every object of a flow document is strict: a key the schema does not know (`onSucess`) is a problem
// at its path, never silently dropped. Only maps stay open: headers, the JSON body, form fields and
// attribute maps (`saveToAttributes`, `set`).

/** A block id: also used in error paths (`blocks.ask_phone.next`), so kept to a readable charset. */
const blockId = z
  .string()
  .regex(/^[A-Za-z][\w-]{0,63}$/, 'block ids are letters, digits, _ or -, starting with a letter')
  .regex(NOT_RESERVED, RESERVED_NAME);
/** An attribute name: a key of the customer's attributes, so never one of the reserved names (./reservedKeys.ts). */
const attributeName = z
  .string()
  .regex(/^[A-Za-z_][\w]{0,63}$/, 'attribute names are letters, digits or _')
  .regex(NOT_RESERVED, RESERVED_NAME);

/** A connection's name, as cards write it (`request.connection`) and the admin API's path names it (shared/connections/connection.ts). */
export const connectionNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, _ or -, starting with a letter (at most 64)')
  .regex(NOT_RESERVED, RESERVED_NAME);

/**
 * The chats a trigger answers in: `user` (one-to-one), `group` and `room` (LINE group and multi-person
 * chats, where every member sees the answer). Only `user` unless the trigger or its flow says otherwise,
 * so that nothing personal is ever said in a group by default.
 */
export const chatsSchema = z
  .array(chatTypeSchema)
  .min(1)
  .refine((chats) => new Set(chats).size === chats.length, 'each chat type once')
  .describe('Where it answers: "user" (one-to-one), "group", "room" (LINE chats every member sees). ["user"] when left out');

export const triggerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('keyword'),
    /** `exact` compares the whole message; `contains` finds the keyword inside it. Both ignore case and full-width forms. */
    match: z.enum(['exact', 'contains']).default('exact'),
    keywords: z.array(z.string().min(1)).min(1),
    start: blockId,
    /** Overrides the flow's `chats` for this trigger. */
    chats: chatsSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('postback'),
    /** Matches postback data (LINE) or payload (Messenger) whose `action` parameter equals this. */
    action: z.string().min(1),
    start: blockId,
    chats: chatsSchema.optional(),
  }),
  /** A LINE follow: always one-to-one. */
  z.strictObject({ type: z.literal('follow'), start: blockId }),
  /** Text no other trigger took. In a group or room only when its `chats` (or the flow's) names it. */
  z.strictObject({ type: z.literal('fallback'), start: blockId, chats: chatsSchema.optional() }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const messageBlockSchema = z.strictObject({
  type: z.literal('message'),
  messages: z.array(messageSchema).min(1),
  /** Where to go when a `repeat` in these messages has nothing to repeat over (an empty array). */
  empty: blockId.optional(),
  next: blockId.optional(),
});

export const questionBlockSchema = z.strictObject({
  type: z.literal('question'),
  prompt: z.string().min(1),
  input: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('text') }),
    z.strictObject({ type: z.literal('number'), min: z.number().optional(), max: z.number().optional() }),
    z.strictObject({ type: z.literal('email') }),
    z.strictObject({ type: z.literal('phone') }),
    z.strictObject({ type: z.literal('date') }),
    z.strictObject({
      type: z.literal('choice'),
      choices: z
        .array(z.strictObject({ label: z.string().min(1), value: z.string().min(1) }))
        .min(1)
        .max(13),
    }),
  ]),
  saveAs: attributeName,
  /** Re-asks after an invalid answer (`{{ prompt }}` is the prompt); without it, the flow's `texts.reask` or the workspace language's. */
  reask: z.string().optional(),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** Where to go when the answer stays invalid after `maxAttempts`; the flow ends there otherwise. */
  onGiveUp: blockId.optional(),
  next: blockId.optional(),
});

const httpMethod = z.enum(HTTP_METHODS);

/** Why a card failed (`failure.reason`, the keys of `onReason`): the list and what each means are in ./failureReasons.ts. */
export const failureReasonSchema = z.enum(FAILURE_REASONS).describe('Why a card failed (failure.reason)');
export type FailureReason = z.infer<typeof failureReasonSchema>;

/** An HTTP status code a card routes by (`onStatus`): three digits, like "404". */
export const routedStatusSchema = z.string().regex(/^[1-5]\d\d$/, 'an HTTP status code, like "404"');

/** A path into a card's answer: `response.body.memberId`. */
const responsePath = z.string().regex(/^response\.[\w.[\]]+$/, 'a path into the response');

/**
 * A card that verifies the customer (the brand checked a one-time code, resolved an account link)
 * binds them to the member its answer names, on success: `memberId` and any `attributes` are paths
 * into the response. How the binding was verified: `oneTimeCode` unless the turn was started by an
 * account-link event, which says so itself.
 */
export const cardBindSchema = z.strictObject({
  memberId: responsePath.describe('The member (binding.memberId)'),
  attributes: z.record(attributeName, responsePath).optional().describe('More of the member (binding.attributes.NAME)'),
  /** Only `oneTimeCode` is declared: a turn started by an account-link event binds with the channel's method. */
  method: z.enum(['oneTimeCode']).optional(),
});

/**
 * A card's response contract: the JSON Schema (draft 2020-12, as OpenAPI 3.1 writes it) of the
 * answer's body, and whether an answer that breaks it fails the card (`fail`, the default) or is only
 * warned about in the execution log (`warn`).
 */
export const cardContractSchema = z.strictObject({
  body: z.record(z.string(), z.unknown()).describe('A JSON Schema of the response body'),
  onMismatch: z.enum(['fail', 'warn']).optional(),
});
export type CardContract = z.infer<typeof cardContractSchema>;

/** A callback card's `timeoutSeconds` bounds, and the card's other defaults: ./cardDefaults.ts (the console reads them too). */
export { CALLBACK_TIMEOUT_SECONDS };

export const callApiBlockSchema = z.strictObject({
  type: z.literal('callApi'),
  request: z.strictObject({
    method: httpMethod.default(DEFAULT_HTTP_METHOD),
    /**
     * The brand API this card calls, by name (`/admin/connections`): its base URL for the environment
     * the card runs in and its credentials. `url` is then a path under the base URL, starting with `/`.
     */
    connection: connectionNameSchema.optional(),
    /** A Liquid template; values placed in the path or query are URL-encoded. With a `connection`, a path (`/members/{{ attributes.memberId }}`). */
    url: z.string().min(1),
    /** Header values are Liquid templates; `{{ secrets.NAME }}` reads a workspace secret. */
    headers: z.record(z.string(), z.string()).default({}),
    body: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('none') }),
        /** A JSON structure whose string leaves are templates; customer input can never change its shape. */
        z.strictObject({ type: z.literal('json'), value: z.unknown() }),
        z.strictObject({ type: z.literal('form'), fields: z.record(z.string(), z.string()) }),
      ])
      .default({ type: 'none' }),
    /** Send the customer's profile and attributes as `customer` in a JSON body. */
    includeProfile: z.boolean().default(CARD_DEFAULTS.includeProfile),
  }),
  timeoutMs: z.number().int().min(CARD_TIMEOUT_MS.min).max(CARD_TIMEOUT_MS.max).default(CARD_TIMEOUT_MS.default),
  /** A Liquid condition on the response (`response.body.ok == true`); by default success is any 2xx. */
  successWhen: z.string().optional(),
  /** `data`: the response is data for templates. `messages`: the brand returns callcard messages to send as they are. */
  expect: z.enum(['data', 'messages']).default(CARD_DEFAULTS.expect),
  /**
   * The response the card expects: a JSON Schema of the answer's body (from an imported OpenAPI
   * operation, or learnt from a test). `expect` says how the answer is used; this says its shape.
   */
  contract: cardContractSchema.optional(),
  /**
   * Slow work at the brand (a booking, a registration that checks stock): the request carries a
   * single-use callback URL (header `Callcard-Callback-Url`, and `{{ callback.url }}` in the card's
   * templates); a `202` answer makes the conversation wait for the brand's signed POST to it, whose
   * JSON body is then the card's `response`. No valid callback within `timeoutSeconds`: the failure
   * path with reason `callback_timeout`. 10 s at least (the queue's delay is in whole seconds, and a
   * chat turn should not be promised less), 900 s at most (SQS's longest message delay).
   */
  callback: z
    .strictObject({
      timeoutSeconds: z
        .number()
        .int()
        .min(CALLBACK_TIMEOUT_SECONDS.min)
        .max(CALLBACK_TIMEOUT_SECONDS.max)
        .default(CALLBACK_TIMEOUT_SECONDS.default),
    })
    .optional(),
  /** Do not wait for the brand: the flow goes on at once and the outcome is only logged. */
  fireAndForget: z.boolean().default(CARD_DEFAULTS.fireAndForget),
  retry: z.boolean().default(CARD_DEFAULTS.retry),
  /**
   * Keep a successful answer in memory (per process) for `ttlSeconds`, and serve it for up to
   * `staleIfErrorSeconds` more when the brand fails. Non-personal data only (best sellers, opening
   * hours): refused on a card whose request uses `customer` or `attributes`, or sends the profile.
   */
  cache: z
    .strictObject({
      ttlSeconds: z.number().int().min(1).max(3600),
      staleIfErrorSeconds: z.number().int().min(0).max(86_400).optional(),
    })
    .optional(),
  /** Explicit response → attribute mapping (`memberId: response.body.memberId`); nothing is saved otherwise. */
  saveToAttributes: z.record(attributeName, z.string()).default({}),
  /**
   * Personal data: the card runs only for a customer with a live verified binding; for anyone else the
   * turn goes to the flow's `verify` start, or answers `texts.verifyFirst`. Never cached, never in a
   * group. Left out, the flow's `personal` applies (`false` here overrides a personal flow).
   */
  personal: z.boolean().optional(),
  /** On success, bind the customer to the member this answer names (a verified binding, shared/domain/binding.ts). */
  bind: cardBindSchema.optional(),
  onSuccess: blockId.optional(),
  /** Where a failure goes when neither `onStatus` nor `onReason` names it; the apology when left out. */
  onFailure: blockId.optional(),
  /** A failure with this HTTP status goes here (`{"404": "not_found"}`), before `onReason` and `onFailure`. */
  onStatus: z.record(routedStatusSchema, blockId).optional(),
  /** A failure for this reason goes here (`{"timeout": "try_later"}`), before `onFailure`. */
  onReason: z.partialRecord(failureReasonSchema, blockId).optional(),
});
export type CallApiBlock = z.infer<typeof callApiBlockSchema>;

const conditionTest = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('exists'), attribute: attributeName }),
  z.strictObject({ op: z.literal('equals'), attribute: attributeName, value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.strictObject({ op: z.literal('matches'), attribute: attributeName, pattern: z.string() }),
  z.strictObject({ op: z.enum(['lt', 'lte', 'gt', 'gte']), attribute: attributeName, value: z.number() }),
]);

export const conditionBlockSchema = z.strictObject({
  type: z.literal('condition'),
  branches: z.array(z.strictObject({ when: conditionTest, next: blockId })).min(1),
  otherwise: blockId.optional(),
});

export const setAttributesBlockSchema = z.strictObject({
  type: z.literal('setAttributes'),
  /** Values are Liquid templates. */
  set: z.record(attributeName, z.string()),
  next: blockId.optional(),
});

export const endBlockSchema = z.strictObject({ type: z.literal('end') });

/** Removes the customer's verified binding (a customer's "unlink" command), then goes on to `next`. */
export const unbindBlockSchema = z.strictObject({ type: z.literal('unbind'), next: blockId.optional() });

/**
 * Links the customer's chat account to their account at the brand, the channel vouching for who signs
 * in (LINE account link, Messenger account linking): sends `text` with a button to the brand's login
 * page and waits. On LINE the button's URL carries a link token callcard issues
 * (`?linkToken=…`); on Messenger it is a Log In button (`account_link`), Messenger adding
 * `account_linking_token` and `redirect_uri`. The channel's event resumes the flow: linked, at
 * `onLinked`, a card that resolves `{{ link.nonce }}` at the brand and binds (`bind`: the binding's
 * method is the channel's, `lineAccountLink` or `messengerAccountLink`); failed, at `onFailure` (or
 * callcard's `texts.linkFailed`). Anything else the customer says meanwhile (no trigger) brings the
 * button again.
 */
export const linkAccountBlockSchema = z.strictObject({
  type: z.literal('linkAccount'),
  /** The brand's login page: https (Meta requires it for the Log In button). A Liquid template, written by the admin. */
  loginUrl: z
    .string()
    .min(1)
    .describe("The brand's login page (https). On LINE callcard adds ?linkToken=…; Messenger adds account_linking_token and redirect_uri"),
  /** The message the button comes with (a Liquid template). */
  text: z.string().min(1),
  /** The button's label on LINE (Messenger's Log In button has its own); `texts.linkButton` when left out. */
  label: z.string().min(1).max(20).optional(),
  /** The channels it links on; both when left out. On another channel the turn goes to `elsewhere` (a one-time code, say). */
  channels: z.array(channelKindSchema).min(1).optional(),
  elsewhere: blockId.optional().describe('Where the turn goes on a channel not in channels'),
  /** Linked: the card that resolves `{{ link.nonce }}` at the brand and binds the customer. */
  onLinked: blockId,
  /** Not linked (the channel said failed, or no link token could be issued); `texts.linkFailed` when left out. */
  onFailure: blockId.optional(),
});
export type LinkAccountBlock = z.infer<typeof linkAccountBlockSchema>;

export const blockSchema = z.discriminatedUnion('type', [
  messageBlockSchema,
  questionBlockSchema,
  callApiBlockSchema,
  conditionBlockSchema,
  setAttributesBlockSchema,
  endBlockSchema,
  unbindBlockSchema,
  linkAccountBlockSchema,
]);
export type Block = z.infer<typeof blockSchema>;

/** Whether a card runs only for verified customers: its own `personal`, else the flow's. */
export function isPersonalCard(flow: { personal?: boolean | undefined }, block: Block): boolean {
  return block.type === 'callApi' && (block.personal ?? flow.personal ?? false);
}

export const FLOW_SCHEMA_VERSION = 1;

export const flowSchema = z.strictObject({
  /** The JSON Schema an editor checks the file with (`GET /admin/flow.schema.json`); callcard ignores it. */
  $schema: z.string().optional(),
  schemaVersion: z.literal(FLOW_SCHEMA_VERSION),
  name: z.string().min(1).max(200),
  triggers: z.array(triggerSchema).min(1),
  blocks: z.record(blockId, blockSchema),
  /** Where a conversation starts when a trigger names no block of its own (kept for editors). */
  start: blockId.optional(),
  /** callcard's own texts to customers (apology, re-ask) in this flow's words; otherwise in the workspace's language. */
  texts: flowTextsSchema.optional(),
  /**
   * The chats every trigger of this flow answers in, unless a trigger names its own (`["user"]` when
   * left out). A trigger that does not serve groups answers there only with `texts.oneToOneOnly`.
   */
  chats: chatsSchema.optional(),
  /** Every card of this flow is personal (`personal` on a card overrides it): see the card's `personal`. */
  personal: z.boolean().optional(),
  /** Where verification starts: a personal card met by a customer with no live binding goes here. */
  verify: blockId.optional(),
});
export type Flow = z.infer<typeof flowSchema>;
/** What admins write: defaults not yet applied. */
export type FlowInput = z.input<typeof flowSchema>;

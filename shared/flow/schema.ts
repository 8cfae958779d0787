import * as z from 'zod';
import { messageSchema } from '../messages/message';

/** A block id: also used in error paths (`blocks.ask_phone.next`), so kept to a readable charset. */
const blockId = z.string().regex(/^[A-Za-z][\w-]{0,63}$/, 'block ids are letters, digits, _ or -, starting with a letter');
const attributeName = z.string().regex(/^[A-Za-z_][\w]{0,63}$/, 'attribute names are letters, digits or _');

export const triggerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('keyword'),
    /** `exact` compares the whole message; `contains` finds the keyword inside it. Both ignore case and full-width forms. */
    match: z.enum(['exact', 'contains']).default('exact'),
    keywords: z.array(z.string().min(1)).min(1),
    start: blockId,
  }),
  z.object({
    type: z.literal('postback'),
    /** Matches postback data (LINE) or payload (Messenger) whose `action` parameter equals this. */
    action: z.string().min(1),
    start: blockId,
  }),
  z.object({ type: z.literal('follow'), start: blockId }),
  z.object({ type: z.literal('fallback'), start: blockId }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const messageBlockSchema = z.object({
  type: z.literal('message'),
  messages: z.array(messageSchema).min(1),
  /** Where to go when a `repeat` in these messages has nothing to repeat over (an empty array). */
  empty: blockId.optional(),
  next: blockId.optional(),
});

export const questionBlockSchema = z.object({
  type: z.literal('question'),
  prompt: z.string().min(1),
  input: z.discriminatedUnion('type', [
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('number'), min: z.number().optional(), max: z.number().optional() }),
    z.object({ type: z.literal('email') }),
    z.object({ type: z.literal('phone') }),
    z.object({ type: z.literal('date') }),
    z.object({
      type: z.literal('choice'),
      choices: z.array(z.object({ label: z.string().min(1), value: z.string().min(1) })).min(1).max(13),
    }),
  ]),
  saveAs: attributeName,
  reask: z.string().default('Sorry, I did not get that. {{ prompt }}'),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** Where to go when the answer stays invalid after `maxAttempts`; the flow ends there otherwise. */
  onGiveUp: blockId.optional(),
  next: blockId.optional(),
});

const httpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export const callApiBlockSchema = z.object({
  type: z.literal('callApi'),
  request: z.object({
    method: httpMethod.default('GET'),
    /** A Liquid template; values placed in the path or query are URL-encoded. */
    url: z.string().min(1),
    /** Header values are Liquid templates; `{{ secrets.NAME }}` reads a workspace secret. */
    headers: z.record(z.string(), z.string()).default({}),
    body: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('none') }),
        /** A JSON structure whose string leaves are templates; customer input can never change its shape. */
        z.object({ type: z.literal('json'), value: z.unknown() }),
        z.object({ type: z.literal('form'), fields: z.record(z.string(), z.string()) }),
      ])
      .default({ type: 'none' }),
    /** Send the customer's profile and attributes as `customer` in a JSON body. */
    includeProfile: z.boolean().default(false),
  }),
  timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
  /** A Liquid condition on the response (`response.body.ok == true`); by default success is any 2xx. */
  successWhen: z.string().optional(),
  /** `data`: the response is data for templates. `messages`: the brand returns callcard messages to send as they are. */
  expect: z.enum(['data', 'messages']).default('data'),
  /** Do not wait for the brand: the flow goes on at once and the outcome is only logged. */
  fireAndForget: z.boolean().default(false),
  retry: z.boolean().default(true),
  /**
   * Keep a successful answer in memory (per process) for `ttlSeconds`, and serve it for up to
   * `staleIfErrorSeconds` more when the brand fails. Non-personal data only (best sellers, opening
   * hours): refused on a card whose request uses `customer` or `attributes`, or sends the profile.
   */
  cache: z
    .object({
      ttlSeconds: z.number().int().min(1).max(3600),
      staleIfErrorSeconds: z.number().int().min(0).max(86_400).optional(),
    })
    .optional(),
  /** Explicit response → attribute mapping (`memberId: response.body.memberId`); nothing is saved otherwise. */
  saveToAttributes: z.record(attributeName, z.string()).default({}),
  onSuccess: blockId.optional(),
  onFailure: blockId.optional(),
});
export type CallApiBlock = z.infer<typeof callApiBlockSchema>;

const conditionTest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('exists'), attribute: attributeName }),
  z.object({ op: z.literal('equals'), attribute: attributeName, value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.object({ op: z.literal('matches'), attribute: attributeName, pattern: z.string() }),
  z.object({ op: z.enum(['lt', 'lte', 'gt', 'gte']), attribute: attributeName, value: z.number() }),
]);

export const conditionBlockSchema = z.object({
  type: z.literal('condition'),
  branches: z.array(z.object({ when: conditionTest, next: blockId })).min(1),
  otherwise: blockId.optional(),
});

export const setAttributesBlockSchema = z.object({
  type: z.literal('setAttributes'),
  /** Values are Liquid templates. */
  set: z.record(attributeName, z.string()),
  next: blockId.optional(),
});

export const endBlockSchema = z.object({ type: z.literal('end') });

export const blockSchema = z.discriminatedUnion('type', [
  messageBlockSchema,
  questionBlockSchema,
  callApiBlockSchema,
  conditionBlockSchema,
  setAttributesBlockSchema,
  endBlockSchema,
]);
export type Block = z.infer<typeof blockSchema>;

export const FLOW_SCHEMA_VERSION = 1;

export const flowSchema = z.object({
  schemaVersion: z.literal(FLOW_SCHEMA_VERSION),
  name: z.string().min(1).max(200),
  triggers: z.array(triggerSchema).min(1),
  blocks: z.record(blockId, blockSchema),
  /** Where a conversation starts when a trigger names no block of its own (kept for editors). */
  start: blockId.optional(),
});
export type Flow = z.infer<typeof flowSchema>;
/** What admins write: defaults not yet applied. */
export type FlowInput = z.input<typeof flowSchema>;

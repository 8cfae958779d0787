import * as z from 'zod';
import { callApiBlockSchema, type FlowInput } from '../flow/schema';
import { validateFlow } from '../flow/validateFlow';

// What an import (a `curl` line, an OpenAPI operation) gives the console and the CLI: a card that
// validates, the secrets it references (with the value to store, when the source had one), the values
// it sends that could come from the customer instead, and what the import left out or changed.

/** A secret the card references in a header: stored with PUT /admin/secrets/{name}, never left in the card. */
export const secretOfferSchema = z.object({
  name: z.string().describe('The secret name the card references ({{ secrets.NAME }})'),
  header: z.string().describe('The header it is sent in'),
  value: z
    .string()
    .optional()
    .describe(
      'The value the source held, to store as the secret; absent when it held only a placeholder (<TOKEN>, $TOKEN) or named a scheme without a value (OpenAPI)',
    ),
  allowedHosts: z.array(z.string()).describe("The hosts it may be sent to: the card URL's"),
  from: z.string().describe('Where it was found: "-H Authorization", "-u", "query access_token", "securityScheme bearerAuth"'),
});
export type SecretOffer = z.infer<typeof secretOfferSchema>;

/** A value the card sends that an admin may map to an attribute or a trigger parameter. */
export const variableOfferSchema = z.object({
  in: z.enum(['path', 'query', 'header', 'body', 'form']),
  /** `orderId` (path, query, form), `messages[0].text` (body). */
  path: z.string(),
  /** The value the source sent (a `curl` line), or the schema's example; absent for a placeholder. */
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  /** The JSON Schema type, when an OpenAPI document says it. */
  type: z.string().optional(),
  required: z.boolean().optional(),
  /** A context path the value could come from (`attributes.orderId`): a guess from its name. */
  suggested: z.string(),
  /** Whether the card already reads `suggested` there (an OpenAPI import fills each with its placeholder). */
  templated: z.boolean(),
});
export type VariableOffer = z.infer<typeof variableOfferSchema>;

export const importedCardSchema = z.object({
  card: callApiBlockSchema,
  secrets: z.array(secretOfferSchema),
  variables: z.array(variableOfferSchema),
  /** Paths into the response the follow-up may read (`response.body.tickets[].title`), from the contract. */
  responseFields: z.array(z.object({ path: z.string(), type: z.string().optional() })),
  /** What the import dropped or changed, one sentence each (`-k ignored: certificates are always verified`). */
  warnings: z.array(z.string()),
});
export type ImportedCard = z.infer<typeof importedCardSchema>;
/** A card as an import writes it: only what it sets (the schema's defaults apply when it is saved). */
export type ImportedCardInput = Omit<ImportedCard, 'card'> & { card: z.input<typeof callApiBlockSchema> };

/** Why a source cannot be imported, in words for the admin (never quoting a header value). */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly problems: ReadonlyArray<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

/**
 * The card checked as a flow would check it (shape, templates, secrets only in headers, an address the
 * outbound guard calls): inside a one-card flow, problems reported at paths relative to the card.
 */
export function checkImportedCard(card: z.input<typeof callApiBlockSchema>): void {
  const flow: FlowInput = {
    schemaVersion: 1,
    name: 'import',
    triggers: [{ type: 'keyword', keywords: ['import'], start: 'card' }],
    blocks: { card },
  };
  const result = validateFlow(flow);
  if (result.ok) return;
  const problems = result.problems.map((p) => ({ path: p.path.replace(/^blocks\.card\.?/, '') || '(card)', message: p.message }));
  throw new ImportError('the imported card does not validate', problems);
}

/** Text of the source as a template that renders to itself: Liquid markers in it are kept literal. */
export function literalTemplate(text: string): string {
  if (!/\{[{%]/.test(text)) return text;
  if (/\{%-?\s*endraw/.test(text)) throw new ImportError('a value holds "{% endraw": it cannot be kept literal in a template');
  return `{% raw %}${text}{% endraw %}`;
}

/** An attribute name (letters, digits, _) from a field name: `order-id` → `order_id`, `1st` → `_1st`. */
export function attributeNameOf(name: string): string {
  let out =
    name
      .replace(/[^\w]/g, '_')
      .replace(/_+/g, '_')
      .replace(/^_(?=.)|_$/g, '')
      .slice(0, 64) || 'value';
  if (/^\d/.test(out)) out = `_${out}`.slice(0, 64);
  return ['__proto__', 'constructor', 'prototype'].includes(out) ? `${out}_` : out;
}

/** A secret name (A-Z, 0-9, _) for `kind` on `host`: `api.stripe.com` + `BASIC_AUTH` → `STRIPE_BASIC_AUTH`. */
export function secretNameFor(host: string | undefined, kind: string, taken: ReadonlySet<string>): string {
  const ipOrLocal = host === undefined || /^[\d.]+$|:|^localhost$/.test(host);
  const labels = ipOrLocal ? [] : host.split('.').filter(Boolean);
  if (labels.length > 1) labels.pop();
  if (labels.length > 1 && ['com', 'co', 'org', 'net', 'gov', 'edu', 'ac', 'or', 'ne', 'go'].includes(labels.at(-1) ?? '')) labels.pop();
  const brand = labels.at(-1) ?? '';
  const upper = (s: string) =>
    s
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '');
  let base = [upper(brand), upper(kind)].filter(Boolean).join('_').slice(0, 56) || 'API_KEY';
  if (/^\d/.test(base)) base = `_${base}`;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}

/** Whether a header value is a documentation placeholder (`<TOKEN>`, `{channel access token}`, `$TOKEN`, `YOUR_KEY`), not a credential. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return (
    v === '' ||
    /^<[^<>]+>$/.test(v) ||
    /^\{[^{}]+\}$/.test(v) ||
    /^\{\{[^{}]+\}\}$/.test(v) ||
    /^\$\{?[A-Za-z_]\w*\}?$/.test(v) ||
    /^(your|my)[\s_-]/i.test(v) ||
    /^x{3,}$/i.test(v) ||
    /^\.{3}$|^…$/.test(v)
  );
}

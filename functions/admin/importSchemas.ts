import * as z from 'zod';
import { importedCardSchema, secretOfferSchema } from '../../shared/import/importedCard';
import { allowedHostsSchema, secretNameSchema } from './schemas';

// The import routes' schemas (issue 21): a curl line or an OpenAPI operation in, a card out.

/** Store an offered secret as the import answers: its value is taken from the source, never sent back. */
const storeSecretSchema = z
  .object({
    name: secretNameSchema.describe('The offered secret (secrets[].name of the answer without storeSecrets)'),
    storeAs: secretNameSchema
      .optional()
      .describe('The name to store it under (the card then references this name); the offered name when left out'),
    allowedHosts: allowedHostsSchema,
  })
  .strict();

const storeSecretsSchema = z
  .array(storeSecretSchema)
  .max(10)
  .optional()
  .describe('Store these offered secrets in the workspace (as PUT /admin/secrets would) with the values the source held');

export const importCurlBody = z
  .object({
    curl: z
      .string()
      .min(1)
      .max(65_536)
      .describe("A curl command, as the brand's documentation prints it (continuation lines and quotes included)"),
    storeSecrets: storeSecretsSchema,
  })
  .strict();

export const importOpenApiBody = z
  .object({
    document: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .optional()
      .describe('The OpenAPI 3.0 or 3.1 document: JSON or YAML text, or the parsed object'),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional()
      .describe("Where to fetch the document, through the cards' guarded outbound path (no private addresses)"),
    operationId: z
      .string()
      .min(1)
      .max(300)
      .optional()
      .describe('The operation to import (its operationId, or METHOD /path); left out: only the list of operations'),
    server: z.number().int().min(0).max(20).optional().describe("Which of the document's servers the card calls (0: the first)"),
  })
  .strict()
  .refine((body) => (body.document === undefined) !== (body.url === undefined), {
    message: 'give the document or its url, one of them',
    path: ['document'],
  });

/** An offered secret as the API answers it: its value never leaves. */
const answeredSecretSchema = secretOfferSchema.omit({ value: true }).extend({
  valueOffered: z.boolean().describe('Whether the source held a value (a placeholder does not): only then can storeSecrets store it'),
  stored: z.boolean().optional().describe('Stored in the workspace by this request (storeSecrets)'),
});

export const importedCardAnswerSchema = importedCardSchema.extend({ secrets: z.array(answeredSecretSchema) });

export const operationSummarySchema = z.object({
  operationId: z.string(),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z.string(),
  summary: z.string().optional(),
});

export const importedOpenApiSchema = z.object({
  title: z.string().optional(),
  operations: z.array(operationSummarySchema),
  imported: importedCardAnswerSchema.optional().describe('The card of operationId, when one was named'),
});

/** The answers' types, for the console (`import type`: no zod in its bundle). */
export type ImportedCardAnswer = z.infer<typeof importedCardAnswerSchema>;
export type ImportedOpenApi = z.infer<typeof importedOpenApiSchema>;

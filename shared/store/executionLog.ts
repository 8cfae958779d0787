import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { expiresIn, type Table } from './table';

/** One call of a Call an API card, as the admin sees it. Never holds header values or secrets. */
export const executionLogEntrySchema = z.object({
  at: z.string(),
  jobId: z.string(),
  workspaceId: z.string(),
  flowId: z.string(),
  blockId: z.string(),
  customer: z.string(),
  method: z.string(),
  /** The URL with secret values masked. */
  url: z.string(),
  status: z.number().int().optional(),
  latencyMs: z.number(),
  outcome: z.enum(['success', 'failure', 'fired']),
  /** Why the call failed: `http_500`, `timeout`, `network`, `blocked`, `invalid_response`, ... */
  reason: z.string().optional(),
  attempt: z.number().int(),
});
export type ExecutionLogEntry = z.infer<typeof executionLogEntrySchema>;

const LOG_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Execution log per customer (`pk`) and per card (`gsi1`), newest first, kept 30 days. */
export class ExecutionLogRepository {
  constructor(private readonly table: Table) {}

  async append(entry: ExecutionLogEntry): Promise<void> {
    const parsed = executionLogEntrySchema.parse(entry);
    const sk = `${parsed.at}#${parsed.jobId}#${parsed.blockId}#${parsed.attempt}`;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          pk: `LOG#${parsed.workspaceId}#${parsed.customer}`,
          sk,
          gsi1pk: `LOGCARD#${parsed.workspaceId}#${parsed.flowId}#${parsed.blockId}`,
          gsi1sk: sk,
          ...parsed,
          expiresAt: expiresIn(LOG_TTL_SECONDS),
        },
      }),
    );
  }

  async forCustomer(workspaceId: string, customer: string, limit = 50): Promise<ExecutionLogEntry[]> {
    const { Items = [] } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `LOG#${workspaceId}#${customer}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map((item) => executionLogEntrySchema.parse(item));
  }
}

import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';

/** A record's conversation: its FIFO message group (the record itself on a standard queue). */
export function groupOf(record: SQSRecord): string {
  return record.attributes.MessageGroupId ?? record.messageId;
}

/**
 * Process an SQS FIFO batch the way a chat needs it: conversations (message groups) in parallel, so one
 * customer's slow brand call never delays another customer's answer; records of one conversation in
 * order; and once a record of a conversation fails, its later records are not processed but reported
 * failed too, so they come back after it and the conversation's order holds.
 *
 * Powertools' SqsFifoPartialProcessorAsync keeps the order but runs the whole batch one record at a
 * time: with brand calls of a few hundred ms, the tenth customer of a batch would wait seconds.
 */
export async function processFifoBatch(
  records: SQSRecord[],
  processRecord: (record: SQSRecord) => Promise<void>,
): Promise<SQSBatchResponse> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = groupOf(record);
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  const failed: string[] = [];
  await Promise.all(
    [...groups.values()].map(async (groupRecords) => {
      for (let i = 0; i < groupRecords.length; i += 1) {
        const record = groupRecords[i];
        if (!record) continue;
        try {
          await processRecord(record);
        } catch {
          failed.push(...groupRecords.slice(i).map((r) => r.messageId));
          return;
        }
      }
    }),
  );
  // Report failures in the batch's order, as SQS expects for FIFO queues.
  const order = new Map(records.map((r, i) => [r.messageId, i]));
  failed.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { channelKindSchema, chatTypeSchema } from '../domain/channelKinds';
import { isConditionFailed, type Table } from './table';

/**
 * A conversation waiting for a brand's callback (issue 20): written with the effects of the turn whose
 * card the brand answered with 202, read and used once by the callback or by its timeout, whichever
 * comes first (a conditional update: exactly one of them resumes the conversation). Holds what the
 * resume job needs to be queued in the conversation's FIFO group; no message, no answer.
 */
export const callbackRecordSchema = z.object({
  workspaceId: z.string(),
  callbackId: z.string(),
  channel: z.object({ kind: channelKindSchema, id: z.string() }),
  userId: z.string(),
  chat: chatTypeSchema.optional(),
  /** The flow version and card the conversation waits on. */
  flow: z.object({ flowId: z.string(), version: z.number().int() }),
  blockId: z.string(),
  /** The turn that made it wait (its job id): for logs. */
  jobId: z.string(),
  /** The waiting turn's reply token when it sent nothing (LINE): a callback within the token's life answers by reply, later by push. */
  replyToken: z.string().optional(),
  /** When the waiting turn's event came (ms): the reply token's life counts from here. */
  receivedAt: z.number(),
  /** Past this (ms) a callback is refused; the timeout resumes the conversation down the failure path. */
  deadline: z.number(),
  /** `waiting` until the callback (`answered`) or the timeout (`timedOut`) uses it. */
  state: z.enum(['waiting', 'answered', 'timedOut']),
});
export type CallbackRecord = z.infer<typeof callbackRecordSchema>;

/** Why a callback was not taken: no such callback, already used (answered or timed out), past its deadline. */
export type CallbackRefusal = 'unknown' | 'used' | 'expired';

/** The record stays a day past its deadline (TTL), so a late or repeated callback is told it was used or expired, not unknown. */
const KEEP_AFTER_DEADLINE_SECONDS = 24 * 60 * 60;

const key = (workspaceId: string, callbackId: string) => ({ pk: `CALLBACK#${workspaceId}#${callbackId}`, sk: 'CALLBACK' });

export class CallbackRepository {
  constructor(private readonly table: Table) {}

  /**
   * Store a waiting callback. Only once: a retried job applying its effects again must not make a
   * used callback wait again.
   */
  async put(record: Omit<CallbackRecord, 'state'>): Promise<void> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...key(record.workspaceId, record.callbackId),
            ...record,
            state: 'waiting',
            expiresAt: Math.ceil(record.deadline / 1000) + KEEP_AFTER_DEADLINE_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  async get(workspaceId: string, callbackId: string): Promise<CallbackRecord | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: key(workspaceId, callbackId), ConsistentRead: true }),
    );
    const parsed = callbackRecordSchema.safeParse(Item);
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * Use the callback, once: `answered` by the brand's callback (only before its deadline), `timedOut`
   * by its timeout. Exactly one use wins; the others get why they were refused.
   */
  async use(
    workspaceId: string,
    callbackId: string,
    as: 'answered' | 'timedOut',
    now = Date.now(),
  ): Promise<{ ok: true; record: CallbackRecord } | { ok: false; refused: CallbackRefusal }> {
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(workspaceId, callbackId),
          UpdateExpression: 'SET #state = :as',
          ConditionExpression: as === 'answered' ? '#state = :waiting AND deadline > :now' : '#state = :waiting',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':as': as, ':waiting': 'waiting', ...(as === 'answered' ? { ':now': now } : {}) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { ok: true, record: callbackRecordSchema.parse(Attributes) };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const record = await this.get(workspaceId, callbackId);
      return { ok: false, refused: !record ? 'unknown' : record.state !== 'waiting' ? 'used' : 'expired' };
    }
  }

  /** Give a callback back (its resume job could not be queued), so the brand's retry or the timeout can use it. */
  async release(workspaceId: string, callbackId: string): Promise<void> {
    await this.table.doc
      .send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(workspaceId, callbackId),
          UpdateExpression: 'SET #state = :waiting',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':waiting': 'waiting' },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailed(error)) throw error;
      });
  }
}

import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { bindingSchema } from '../domain/binding';
import { sessionSchema } from '../domain/session';
import { deleteKeys, expiresIn, isConditionFailed, isExpired, queryAll, type Table } from './table';

/** One request to a channel API: the rendered messages of one reply or push, in flow order. */
export const deliverySchema = z.object({ messages: z.array(z.unknown()).min(1) });
export type Delivery = z.infer<typeof deliverySchema>;

/**
 * The outbox of a job. Once a turn has run, its messages are stored before anything is sent; a retried
 * job then resends only what was not sent yet, and never calls the brand or runs the flow twice.
 */
export const jobStateSchema = z.object({
  jobId: z.string(),
  deliveries: z.array(deliverySchema),
  /** How many deliveries went out. */
  sent: z.number().int(),
  /**
   * Whether a reply with the token was attempted (it may have landed). Within the token's minute, a
   * retry asks LINE again: a spent token then proves the earlier reply landed.
   */
  replyTokenSpent: z.boolean().default(false),
  /**
   * LINE refused the token before callcard could have spent it (expired): recorded before the push
   * that replaces the reply, so a retry pushes (same retry key) instead of counting the reply as landed.
   */
  replyRefused: z.boolean().default(false),
  /**
   * Deliveries Meta echoed back to the page's webhook (Messenger `message_echoes`, matched by the
   * `metadata` callcard puts on each message): proof they landed, so a retry does not send them again.
   */
  echoed: z.array(z.number().int()).default([]),
  done: z.boolean().default(false),
  /**
   * What the turn changes for the customer, stored with its messages and applied after them, so a
   * retried job re-applies the same changes instead of re-running the turn on a session it moved on.
   */
  effects: z
    .object({
      attributes: z.record(z.string(), z.unknown()),
      session: sessionSchema.omit({ expiresAt: true }).nullable(),
      /** Whether a session was open when the turn ran: only then is there one to clear. */
      hadSession: z.boolean().default(true),
      /** The verified binding the turn made, or null when it unbound the customer; absent: unchanged. */
      binding: bindingSchema.nullable().optional(),
    })
    .optional(),
});
export type JobState = z.infer<typeof jobStateSchema>;

/** Longer than the DLQ keeps a job (14 days): a redriven job still finds its outbox and sends nothing twice. */
const JOB_STATE_TTL_SECONDS = 15 * 24 * 60 * 60;
/** A job's outbox item key. */
export const jobStateKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' });
const key = jobStateKey;
/**
 * The index partition of a customer's outboxes (`gsi1`): a job's key names its event, not its customer,
 * so erasure and export find a customer's outboxes through it. `customer` is `kind:channelId:userId`.
 */
const customerJobsPk = (workspaceId: string, customer: string) => `JOBS#${workspaceId}#${customer}`;

/** Whose turn an outbox is: the index keys that list it under its customer. */
export interface OutboxOwner {
  workspaceId: string;
  /** `kind:channelId:userId`, as the execution log names the customer. */
  customer: string;
}

/** An outbox item as read, or undefined when it expired. */
export function jobStateOf(item: Record<string, unknown> | undefined): JobState | undefined {
  return !item || isExpired(item) ? undefined : jobStateSchema.parse(item);
}

export class JobStateRepository {
  constructor(private readonly table: Table) {}

  async get(jobId: string): Promise<JobState | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key(jobId), ConsistentRead: true }));
    return jobStateOf(Item);
  }

  /**
   * Store the outbox once; if another attempt stored one first, that one wins and is returned. With its
   * `owner`, the outbox is listed under its customer (gsi1) for erasure and export.
   */
  async create(state: JobState, owner?: OutboxOwner): Promise<JobState> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...key(state.jobId),
            ...(owner ? { gsi1pk: customerJobsPk(owner.workspaceId, owner.customer), gsi1sk: state.jobId } : {}),
            ...state,
            expiresAt: expiresIn(JOB_STATE_TTL_SECONDS),
          },
          // An expired outbox DynamoDB has not deleted yet (dynalite never does) counts as absent.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) },
        }),
      );
      return state;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const existing = await this.get(state.jobId);
      if (!existing) throw error;
      return existing;
    }
  }

  /** A customer's outboxes (those stored with their owner), expired ones left out: for an export. */
  async listForCustomer(workspaceId: string, customer: string, now = Date.now()): Promise<JobState[]> {
    const items = await queryAll(this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': customerJobsPk(workspaceId, customer) },
    });
    return items.filter((item) => !isExpired(item, now)).map((item) => jobStateSchema.parse(item));
  }

  /** Erase a customer's outboxes (their rendered messages and the turns' effects); returns how many. */
  async deleteForCustomer(workspaceId: string, customer: string): Promise<number> {
    const items = await queryAll(this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': customerJobsPk(workspaceId, customer) },
      ProjectionExpression: 'pk, sk',
    });
    await deleteKeys(
      this.table,
      items.map((item) => ({ pk: item.pk, sk: item.sk })),
    );
    return items.length;
  }

  async update(jobId: string, progress: Pick<JobState, 'sent' | 'replyTokenSpent' | 'done'>): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: key(jobId),
        UpdateExpression: 'SET sent = :s, replyTokenSpent = :r, done = :d',
        ExpressionAttributeValues: { ':s': progress.sent, ':r': progress.replyTokenSpent, ':d': progress.done },
      }),
    );
  }

  /** LINE refused the reply token on its first use: remembered before the push that replaces the reply. */
  async recordReplyRefused(jobId: string): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: key(jobId),
        UpdateExpression: 'SET replyRefused = :t, replyTokenSpent = :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':t': true },
      }),
    );
  }

  /**
   * Meta echoed delivery `index` of the job back to the page: it landed. One conditional write: only an
   * existing outbox (a Messenger outbox is stored before its first send), only the index of one of its
   * deliveries, and only once: `echoed` never holds more entries than the job has deliveries (whose
   * receipts only callcard can tag: echoReceipt.ts). Answers false when the outbox does not take it.
   */
  async recordEcho(jobId: string, index: number): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(jobId),
          UpdateExpression: 'SET echoed = list_append(if_not_exists(echoed, :none), :index)',
          ConditionExpression: 'attribute_exists(pk) AND size(deliveries) > :i AND NOT contains(echoed, :i)',
          ExpressionAttributeValues: { ':none': [], ':index': [index], ':i': index },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}

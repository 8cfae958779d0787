import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { bindingSchema, type Binding } from '../domain/binding';
import { channelKindSchema, type ChannelKind } from '../domain/channelKinds';
import { sessionSchema, type Session } from '../domain/session';
import { expiresIn, isConditionFailed, isExpired, type Table } from './table';

export const customerSchema = z.object({
  workspaceId: z.string(),
  channelKind: channelKindSchema,
  channelId: z.string(),
  userId: z.string(),
  attributes: z.record(z.string(), z.unknown()).default({}),
  firstSeenAt: z.string(),
  lastInboundAt: z.string(),
  /** On the profile item: who this customer verifiably is at the brand. */
  binding: bindingSchema.optional(),
});
export type Customer = z.infer<typeof customerSchema>;

export interface CustomerRef {
  channelKind: ChannelKind;
  channelId: string;
  userId: string;
}

const pk = (ref: CustomerRef) => `CUSTOMER#${ref.channelKind}#${ref.channelId}#${ref.userId}`;
/** The item keys of a customer's profile and session. */
export const profileKey = (ref: CustomerRef) => ({ pk: pk(ref), sk: 'PROFILE' });
export const sessionKey = (ref: CustomerRef) => ({ pk: pk(ref), sk: 'SESSION' });

/** A profile item as read, or undefined when there is none or it expired (an idle customer's, see `touch`). */
export function profileOf(item: Record<string, unknown> | undefined, now = Date.now()): Customer | undefined {
  return !item || isExpired(item, now) ? undefined : customerSchema.parse(item);
}

/** A customer idle this long is forgotten unless the workspace's settings say otherwise (retention.idleCustomerDays). */
export const IDLE_CUSTOMER_DAYS = 365;
const expiresAfterIdle = (now: number) => expiresIn(IDLE_CUSTOMER_DAYS * 86_400, now);

/** A session item as read, or undefined when it expired (DynamoDB deletes expired items lazily). */
export function sessionOf(item: Record<string, unknown> | undefined, now = Date.now()): Session | undefined {
  return !item || isExpired(item, now) ? undefined : sessionSchema.parse(item);
}

/** A session stays open this long without an answer, then the conversation starts over. */
export const SESSION_TTL_SECONDS = 30 * 60;

/** Customers (profile + custom attributes) and their conversation session, one partition per customer. */
export class CustomerRepository {
  constructor(private readonly table: Table) {}

  /**
   * Record that the customer wrote, creating the profile on first contact. `expiresAt` (epoch seconds:
   * the workspace's retention.idleCustomerDays after this turn) moves on with every turn; a profile
   * left idle past it is gone (DynamoDB TTL). A profile already past it, not deleted yet, is removed
   * first, so an idle customer who comes back starts afresh, as after the deletion.
   */
  async touch(ref: CustomerRef & { workspaceId: string }, now = new Date(), expiresAt = expiresAfterIdle(now.getTime())): Promise<void> {
    const update = () =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: pk(ref), sk: 'PROFILE' },
          UpdateExpression:
            'SET workspaceId = :ws, channelKind = :k, channelId = :c, userId = :u, lastInboundAt = :now, expiresAt = :exp, firstSeenAt = if_not_exists(firstSeenAt, :now), attributes = if_not_exists(attributes, :empty)',
          // One write as a rule; a profile past its expiry (not deleted yet) is deleted first, below.
          ConditionExpression: 'attribute_not_exists(expiresAt) OR expiresAt > :nowSeconds',
          ExpressionAttributeValues: {
            ':ws': ref.workspaceId,
            ':k': ref.channelKind,
            ':c': ref.channelId,
            ':u': ref.userId,
            ':now': now.toISOString(),
            ':exp': expiresAt,
            ':empty': {},
            ':nowSeconds': Math.floor(now.getTime() / 1000),
          },
        }),
      );
    try {
      await update();
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: { pk: pk(ref), sk: 'PROFILE' } }));
      await update();
    }
  }

  /** The profile, or undefined when there is none or it expired (an idle customer's record). */
  async get(ref: CustomerRef, now = Date.now()): Promise<Customer | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: { pk: pk(ref), sk: 'PROFILE' } }));
    return profileOf(Item, now);
  }

  /** Set custom attributes one by one, so concurrent writers of other attributes are not overwritten. */
  async setAttributes(ref: CustomerRef, attributes: Record<string, unknown>): Promise<void> {
    const names = Object.keys(attributes);
    if (names.length === 0) return;
    const sets = names.map((_, i) => `attributes.#a${i} = :v${i}`);
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: pk(ref), sk: 'PROFILE' },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
        ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, attributes[n]])),
      }),
    );
  }

  /**
   * What a turn changes on the profile: the customer wrote at `at` and the turn set `attributes`. One
   * write when the profile is known to exist; on first contact the profile is created first.
   */
  async recordTurn(
    ref: CustomerRef & { workspaceId: string },
    attributes: Record<string, unknown>,
    at: Date,
    profileExists: boolean,
    binding?: Binding | null,
    expiresAt = expiresAfterIdle(at.getTime()),
  ): Promise<void> {
    if (profileExists) {
      const names = Object.keys(attributes);
      const sets = [
        'lastInboundAt = :now',
        'expiresAt = :exp',
        ...names.map((_, i) => `attributes.#a${i} = :v${i}`),
        ...(binding ? ['binding = :binding'] : []),
      ];
      try {
        await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: { pk: pk(ref), sk: 'PROFILE' },
            UpdateExpression: `SET ${sets.join(', ')}${binding === null ? ' REMOVE binding' : ''}`,
            ConditionExpression: 'attribute_exists(pk)',
            ...(names.length ? { ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])) } : {}),
            ExpressionAttributeValues: {
              ':now': at.toISOString(),
              ':exp': expiresAt,
              ...Object.fromEntries(names.map((n, i) => [`:v${i}`, attributes[n]])),
              // Written by own keys (documentClient.ts): a brand's `__proto__` key is no attribute.
              ...(binding ? { ':binding': binding } : {}),
            },
          }),
        );
        return;
      } catch (error) {
        // Erased since the turn read it: create it again below.
        if (!isConditionFailed(error)) throw error;
      }
    }
    await this.touch(ref, at, expiresAt);
    await this.setAttributes(ref, attributes);
    if (binding) await this.bind(ref, binding);
    else if (binding === null) await this.unbind(ref);
  }

  /** Store a verified binding on an existing profile (replacing any earlier one). False when there is no profile. */
  async bind(ref: CustomerRef, binding: Binding): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: pk(ref), sk: 'PROFILE' },
          UpdateExpression: 'SET binding = :binding',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':binding': binding },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Remove the customer's binding (unlinking). False when there was none. */
  async unbind(ref: CustomerRef): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: pk(ref), sk: 'PROFILE' },
          UpdateExpression: 'REMOVE binding',
          ConditionExpression: 'attribute_exists(binding)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async getSession(ref: CustomerRef, now = Date.now()): Promise<Session | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: { pk: pk(ref), sk: 'SESSION' } }));
    return sessionOf(Item, now);
  }

  async putSession(ref: CustomerRef, session: Omit<Session, 'expiresAt'>, now = Date.now()): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { pk: pk(ref), sk: 'SESSION', ...session, expiresAt: expiresIn(SESSION_TTL_SECONDS, now) },
      }),
    );
  }

  async clearSession(ref: CustomerRef): Promise<void> {
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: { pk: pk(ref), sk: 'SESSION' } }));
  }

  /** Erase a customer's profile (their binding with it) and session (on request: GDPR). Says which existed. */
  async delete(ref: CustomerRef): Promise<{ profile: boolean; binding: boolean; session: boolean }> {
    const remove = async (sk: string) => {
      const { Attributes } = await this.table.doc.send(
        new DeleteCommand({ TableName: this.table.name, Key: { pk: pk(ref), sk }, ReturnValues: 'ALL_OLD' }),
      );
      return Attributes;
    };
    const [profile, session] = await Promise.all([remove('PROFILE'), remove('SESSION')]);
    return { profile: profile !== undefined, binding: profile?.binding !== undefined, session: session !== undefined };
  }
}

import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ChannelKind } from '../domain/channelKinds';
import { inboundEventSchema } from '../domain/inboundEvents';
import { deleteKeys, expiresIn, queryAll, type Table } from './table';

/**
 * The console's chat simulator keeps its conversations here: what the simulated customer did, and
 * what the flow answered (the channel's own payloads, as LINE or Messenger would have received them),
 * for the console to draw. The executor writes the answers of a simulator job (`job.simulator`) here
 * instead of calling the channel; the admin API writes the customer's side and reads it all back.
 */
export const simulatorEntrySchema = z.discriminatedUnion('from', [
  /** The customer's message, tap or follow. */
  z.object({ from: z.literal('customer'), at: z.number(), jobId: z.string(), event: inboundEventSchema }),
  /** The bot is working (LINE's loading animation, Messenger's typing indicator): a card is running. */
  z.object({ from: z.literal('waiting'), at: z.number(), jobId: z.string() }),
  /** Messages the bot sent, as the channel's API would have received them. */
  z.object({ from: z.literal('bot'), at: z.number(), jobId: z.string(), messages: z.array(z.unknown()) }),
]);
export type SimulatorEntry = z.infer<typeof simulatorEntrySchema>;

/** A simulated conversation: one simulated customer of one of the workspace's channels. */
export interface SimulatorRef {
  workspaceId: string;
  kind: ChannelKind;
  channelId: string;
  /** Always `sim-…` (see {@link isSimulatedUser}). */
  userId: string;
}

/** A simulated customer's id: `sim-` and a few more id characters, never a LINE or Messenger id. */
export const SIMULATED_USER_PATTERN = /^sim-[A-Za-z0-9_-]{1,60}$/;
export const isSimulatedUser = (userId: string): boolean => SIMULATED_USER_PATTERN.test(userId);

/** Where an entry sorts in its conversation: by the turn's arrival, then customer, waiting, messages. */
export type EntryPosition = { receivedAt: number; jobId: string } & ({ part: 'customer' | 'waiting' } | { part: 'bot'; index: number });

/** Simulated conversations are kept one day unless the workspace's settings say otherwise (retention.simulatorDays). */
export const SIMULATOR_TTL_SECONDS = 24 * 60 * 60;
/** One read gives at most this many entries (the console asks again with the last one's key). */
const PAGE = 100;

const pk = (ref: SimulatorRef) => `SIM#${ref.workspaceId}#${ref.kind}#${ref.channelId}#${ref.userId}`;

/**
 * The entry's sort key: deterministic, so a retried job writes the same items again rather than
 * adding copies, and ordered as the conversation happened (the turn's arrival, then its parts).
 */
export function entryKey(position: EntryPosition): string {
  const part = position.part === 'bot' ? `2-${String(position.index).padStart(4, '0')}` : position.part === 'customer' ? '0' : '1';
  return `${String(position.receivedAt).padStart(15, '0')}#${position.jobId}#${part}`;
}

/** A key the console may send back as `after`: the shape {@link entryKey} gives. */
export const entryKeySchema = z
  .string()
  .max(1_200)
  .regex(/^\d{15}#[!-~]+#(0|1|2-\d{4})$/, 'not an entry key');

export class SimulatorRepository {
  constructor(private readonly table: Table) {}

  /** `expiresAt`: epoch seconds (the workspace's retention.simulatorDays from now); one day when left out. */
  async put(
    ref: SimulatorRef,
    position: EntryPosition,
    entry: SimulatorEntry,
    expiresAt: number = expiresIn(SIMULATOR_TTL_SECONDS),
  ): Promise<string> {
    const sk = entryKey(position);
    await this.table.doc.send(
      new PutCommand({ TableName: this.table.name, Item: { pk: pk(ref), sk, ...simulatorEntrySchema.parse(entry), expiresAt } }),
    );
    return sk;
  }

  /** The conversation's entries after `after` (an entry key), oldest first, at most {@link PAGE}. */
  async list(ref: SimulatorRef, after?: string): Promise<Array<SimulatorEntry & { key: string }>> {
    const { Items = [] } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: after === undefined ? 'pk = :pk' : 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: { ':pk': pk(ref), ...(after === undefined ? {} : { ':after': after }) },
        Limit: PAGE,
      }),
    );
    return Items.flatMap((item) => {
      const parsed = simulatorEntrySchema.safeParse(item);
      return parsed.success ? [{ ...parsed.data, key: String(item.sk) }] : [];
    });
  }

  /** Forget the conversation (the console's "start over"); returns how many entries there were. */
  async clear(ref: SimulatorRef): Promise<number> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk(ref) },
      ProjectionExpression: 'pk, sk',
    });
    await deleteKeys(this.table, items);
    return items.length;
  }
}

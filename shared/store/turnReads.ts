import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { channelSchema, type Channel } from '../channels/channel';
import type { ChannelKind } from '../domain/channelKinds';
import type { Session } from '../domain/session';
import { channelKey } from './channels';
import { profileKey, profileOf, sessionKey, sessionOf, type Customer, type CustomerRef } from './customers';
import { jobStateKey, jobStateOf, type JobState } from './jobStates';
import type { Table } from './table';
import { workspaceSettingsKey, workspaceSettingsOf, type WorkspaceSettings } from './workspaceSettings';

/** Everything a turn job reads before it runs. */
export interface TurnSnapshot {
  jobState: JobState | undefined;
  channel: Channel | undefined;
  customer: Customer | undefined;
  session: Session | undefined;
  /** The workspace's settings (the defaults when it never saved any). */
  settings: WorkspaceSettings;
}

/**
 * The executor's reads before a turn, in one BatchGetItem (strongly consistent: the outbox must be
 * seen as written): one round trip and one SDK call instead of five.
 */
export class TurnReads {
  constructor(private readonly table: Table) {}

  async load(
    jobId: string,
    workspaceId: string,
    channel: { kind: ChannelKind; id: string },
    customer: CustomerRef,
    now = Date.now(),
  ): Promise<TurnSnapshot> {
    const keys = [
      jobStateKey(jobId),
      channelKey(channel.kind, channel.id),
      profileKey(customer),
      sessionKey(customer),
      workspaceSettingsKey(workspaceId),
    ];
    const found = new Map<string, Record<string, unknown>>();
    let pending: Record<string, unknown>[] = keys;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(500, 20 * 2 ** attempt)));
      if (attempt > 6) throw new Error('DynamoDB left reads unprocessed');
      const { Responses, UnprocessedKeys } = await this.table.doc.send(
        new BatchGetCommand({ RequestItems: { [this.table.name]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of Responses?.[this.table.name] ?? []) found.set(`${String(item.pk)}\u0000${String(item.sk)}`, item);
      pending = UnprocessedKeys?.[this.table.name]?.Keys ?? [];
    }
    const item = (key: { pk: string; sk: string }) => found.get(`${key.pk}\u0000${key.sk}`);
    const channelItem = item(channelKey(channel.kind, channel.id));
    const profileItem = item(profileKey(customer));
    return {
      jobState: jobStateOf(item(jobStateKey(jobId))),
      channel: channelItem ? channelSchema.parse(channelItem) : undefined,
      // An idle customer's profile past its expiry is gone (DynamoDB deletes lazily, dynalite never).
      customer: profileOf(profileItem, now),
      session: sessionOf(item(sessionKey(customer)), now),
      settings: workspaceSettingsOf(item(workspaceSettingsKey(workspaceId))),
    };
  }
}

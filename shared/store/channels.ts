import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { channelSchema, type Channel } from '../channels/channel';
import type { ChannelKind } from '../jobs/job';
import { isConditionFailed, type Table } from './table';

const key = (kind: ChannelKind, channelId: string) => ({ pk: `CHANNEL#${kind}#${channelId}`, sk: 'CHANNEL' });

/** Channels by their webhook id. One item per channel: the webhook reads it on every delivery. */
export class ChannelRepository {
  constructor(private readonly table: Table) {}

  async get(kind: ChannelKind, channelId: string): Promise<Channel | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key(kind, channelId) }));
    return Item ? channelSchema.parse(Item) : undefined;
  }

  async put(channel: Channel): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...key(channel.kind, channel.channelId), ...channelSchema.parse(channel), gsi1pk: `WS#${channel.workspaceId}#CHANNELS`, gsi1sk: `${channel.kind}#${channel.channelId}` },
      }),
    );
  }

  /** Make a flow version the channel's active one. Returns false when the channel does not exist. */
  async setActiveFlow(kind: ChannelKind, channelId: string, workspaceId: string, activeFlow: { flowId: string; version: number }): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(kind, channelId),
          UpdateExpression: 'SET activeFlow = :f',
          ConditionExpression: 'attribute_exists(pk) AND workspaceId = :ws',
          ExpressionAttributeValues: { ':f': activeFlow, ':ws': workspaceId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}

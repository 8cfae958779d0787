import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ChannelKind } from '../domain/channelKinds';
import type { Table } from './table';

/**
 * Whose webhook URL passed a verification: a LINE channel (`/webhooks/line/{id}`: the console's Verify
 * button), a Messenger page (`/webhooks/messenger/{id}`) or a Messenger app (`/webhooks/messenger/apps/{id}`:
 * Meta's subscription check): a channel kind, or `app`.
 */
export type WebhookCheckSubject = ChannelKind | 'app';

/**
 * The item of a subject's last passed verification. Apart from the channel's item, so the webhooks,
 * which never write a channel, may put it (infra: WEBHOOK_CHECK_KEYS), and only a verification writes it.
 */
export const webhookCheckKey = (subject: WebhookCheckSubject, id: string) => ({ pk: `WEBHOOKCHECK#${subject}#${id}`, sk: 'WEBHOOKCHECK' });

/** What a webhook does with it: note a verification that passed (only after its signature or verify token held). */
export class WebhookCheckRecorder {
  constructor(protected readonly table: Table) {}

  /** One PutItem: the subject (of `workspaceId`) passed a verification at `at`. */
  async record(subject: WebhookCheckSubject, id: string, workspaceId: string, at: Date): Promise<void> {
    await this.table.doc.send(
      new PutCommand({ TableName: this.table.name, Item: { ...webhookCheckKey(subject, id), workspaceId, verifiedAt: at.toISOString() } }),
    );
  }
}

/** The admin's side: when each channel's or app's URL last passed a verification. */
export class WebhookCheckRepository extends WebhookCheckRecorder {
  /**
   * The time (ISO) each subject last passed a verification, keyed `subject#id`; a subject never verified,
   * or verified while its id belonged to another workspace, is absent.
   */
  async verifiedAt(workspaceId: string, subjects: readonly { subject: WebhookCheckSubject; id: string }[]): Promise<Map<string, string>> {
    const unique = [...new Map(subjects.map((s) => [`${s.subject}#${s.id}`, s])).values()];
    const found = await Promise.all(
      unique.map(async ({ subject, id }) => {
        const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: webhookCheckKey(subject, id) }));
        return Item?.workspaceId === workspaceId && typeof Item.verifiedAt === 'string'
          ? ([`${subject}#${id}`, Item.verifiedAt] as const)
          : undefined;
      }),
    );
    return new Map(found.filter((entry) => entry !== undefined));
  }
}

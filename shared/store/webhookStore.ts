import { ChannelReader } from './channels';
import { CustomerRepository } from './customers';
import { EventLedger } from './eventLedger';
import { FlowRepository } from './flows';
import { JobStateRepository } from './jobStates';
import { MessengerAppReader } from './messengerApps';
import type { Store } from './store';
import type { Table } from './table';
import { WebhookCheckRecorder } from './webhookChecks';

/**
 * The repositories a webhook uses, and no other: what IAM lets it touch (infra: WEBHOOK_*_KEYS), with
 * nothing of the admin's or the executor's (secrets, admin keys, logs) in its code or its bundle. Any
 * full {@link Store} is one too.
 */
export interface WebhookStore extends Pick<Store, 'flows' | 'customers' | 'events' | 'jobStates'> {
  /** Read only: a webhook never writes a channel or an app. */
  channels: ChannelReader;
  messengerApps: MessengerAppReader;
  /** Put only, and only when a verification request passed (never on a delivery with events). */
  webhookChecks: WebhookCheckRecorder;
}

/** A webhook's store over the one table: the same repositories `createStore` builds, fewer of them. */
export function createWebhookStore(table: Table): WebhookStore {
  return {
    channels: new ChannelReader(table),
    messengerApps: new MessengerAppReader(table),
    flows: new FlowRepository(table),
    customers: new CustomerRepository(table),
    events: new EventLedger(table),
    jobStates: new JobStateRepository(table),
    webhookChecks: new WebhookCheckRecorder(table),
  };
}

import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { AdminKeyRepository } from './adminKeys';
import { CallbackRepository } from './callbacks';
import { ChannelRepository } from './channels';
import { ConnectionRepository, ConnectionTokenRepository, InFlightRepository, RateWindowRepository } from './connections';
import { CustomerRepository } from './customers';
import { EventLedger } from './eventLedger';
import { ExecutorLeaseRepository } from './executorLeases';
import { ExecutionLogRepository } from './executionLog';
import { FlowRepository } from './flows';
import { JobStateRepository } from './jobStates';
import { MessengerAppRepository } from './messengerApps';
import { SecretRepository } from './secrets';
import { SimulatorRepository } from './simulator';
import type { Table } from './table';
import { TurnReads } from './turnReads';
import { WebhookCheckRepository } from './webhookChecks';
import { WorkspaceSettingsRepository } from './workspaceSettings';

/** Every repository over the one table. */
export interface Store {
  channels: ChannelRepository;
  messengerApps: MessengerAppRepository;
  flows: FlowRepository;
  customers: CustomerRepository;
  events: EventLedger;
  jobStates: JobStateRepository;
  executionLog: ExecutionLogRepository;
  secrets: SecretRepository;
  /** Brand APIs named once per workspace: base URL per environment and credentials (shared/connections/connection.ts). */
  connections: ConnectionRepository;
  /** Access tokens of OAuth 2.0 connections, shared by the executor instances. */
  connectionTokens: ConnectionTokenRepository;
  /** Requests per second taken toward each rate-capped connection's brand, fleet-wide. */
  rateWindows: RateWindowRepository;
  /** Requests in flight toward each connection capped `inFlight`, fleet-wide. */
  inFlight: InFlightRepository;
  simulator: SimulatorRepository;
  workspaceSettings: WorkspaceSettingsRepository;
  adminKeys: AdminKeyRepository;
  turnReads: TurnReads;
  webhookChecks: WebhookCheckRepository;
  /** The executor's leases: each workspace's share of it, fleet-wide (functions/executor/fairShare.ts). */
  executorLeases: ExecutorLeaseRepository;
  /** Conversations waiting for a brand's callback (shared/store/callbacks.ts). */
  callbacks: CallbackRepository;
}

export function createStore(table: Table): Store {
  return {
    channels: new ChannelRepository(table),
    messengerApps: new MessengerAppRepository(table),
    flows: new FlowRepository(table),
    customers: new CustomerRepository(table),
    events: new EventLedger(table),
    jobStates: new JobStateRepository(table),
    executionLog: new ExecutionLogRepository(table),
    secrets: new SecretRepository(table),
    connections: new ConnectionRepository(table),
    connectionTokens: new ConnectionTokenRepository(table),
    rateWindows: new RateWindowRepository(table),
    inFlight: new InFlightRepository(table),
    simulator: new SimulatorRepository(table),
    workspaceSettings: new WorkspaceSettingsRepository(table),
    adminKeys: new AdminKeyRepository(table),
    turnReads: new TurnReads(table),
    callbacks: new CallbackRepository(table),
    webhookChecks: new WebhookCheckRepository(table),
    executorLeases: new ExecutorLeaseRepository(table),
  };
}

/** The table definition: shared by the local stack (dynalite) and mirrored in infra's CDK table. */
export const TABLE_DEFINITION: Omit<CreateTableCommandInput, 'TableName'> = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'gsi1',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST',
};

import type { Logger } from '@aws-lambda-powertools/logger';
import type { Channel } from '../../shared/channels/channel';
import { adapterFor, CHANNEL_KINDS, type ChannelKind } from '../../shared/channels/registry';
import type { GuardedFetch } from '../../shared/http/guardedFetch';
import type { TurnJob } from '../../shared/jobs/job';
import type { SimulatorRepository } from '../../shared/store/simulator';
import type { WorkspaceSettings } from '../../shared/store/workspaceSettings';
import type { ChannelSender } from '../../shared/channels/sender';
import { createSimulatorSender } from './simulatorSender';
import { UnprocessableJobError } from './processTurnJob';

export interface ChannelApis {
  /** LINE Messaging API base URL (https://api.line.me, or a stand-in). */
  lineApiBaseUrl: string;
  /** Graph API base URL with its version (https://graph.facebook.com/v25.0, or a stand-in). */
  messengerApiBaseUrl: string;
  fetch: GuardedFetch;
  logger: Logger;
  /** Where the answers of the console's simulated turns are kept (absent: such a job cannot run). */
  simulator?: SimulatorRepository;
}

/** The sender of each channel kind (its adapter's, shared/channels/registry.ts), over the one outbound path; the console's simulator for its own turns. */
export function createSenderFor(apis: ChannelApis): (channel: Channel, job: TurnJob, settings?: WorkspaceSettings) => ChannelSender {
  return (channel, job, settings) => {
    // A turn played in the console: answered into the console, never to LINE or Meta.
    if (job.simulator) {
      if (!apis.simulator) throw new UnprocessableJobError('simulator job, but no simulator store');
      return createSimulatorSender(channel.kind, channel.workspaceId, job, apis.simulator, settings);
    }
    if ((CHANNEL_KINDS as readonly string[]).includes(channel.kind))
      return adapterFor(channel.kind).createSender(channel, job, {
        baseUrl: apiBaseUrl(apis, channel.kind),
        fetch: apis.fetch,
        logger: apis.logger,
      });
    throw new UnprocessableJobError(`no sender for channel kind ${String((channel as { kind: unknown }).kind)}`);
  };
}

/** The API base URL of a kind's channels (its own, or a stand-in's). */
function apiBaseUrl(apis: ChannelApis, kind: ChannelKind): string {
  const urls: Record<ChannelKind, string> = { line: apis.lineApiBaseUrl, messenger: apis.messengerApiBaseUrl };
  return urls[kind];
}

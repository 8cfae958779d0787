import { bindPublicRoute, bindRoute, type BoundRoute } from './bindRoute';
import { getChannel, listChannels, putChannel } from './channelRoutes';
import { deleteContact, exportContact, getContact, unbindContact } from './contactRoutes';
import { dryRun } from './dryRun';
import { deleteFailedJob, deleteFailedJobs, listFailedJobs, redriveFailedJobs } from './failedJobRoutes';
import {
  createFlow,
  deleteFlow,
  getFlow,
  getFlowSchema,
  getFlowVersion,
  listFlows,
  listFlowVersions,
  publishFlow,
  unpublishFlow,
  updateFlow,
  validateFlowDocument,
} from './flowRoutes';
import { importCurlRoute, importOpenApiRoute } from './importRoutes';
import { getHealth, listAlerts, putAlert } from './healthRoutes';
import { listLogs } from './logRoutes';
import { getMessengerApp, listMessengerApps, putMessengerApp } from './messengerAppRoutes';
import { openApiDocument } from './openApiDocument';
import { previewMessages } from './previewRoute';
import { ADMIN_ROUTES as R, type RouteId } from './routes';
import { deleteConnection, getConnection, listConnections, putConnection } from './connectionRoutes';
import { deleteSecret, listSecrets, putSecret } from './secretRoutes';
import { getSettings, putSettings } from './settingsRoutes';
import { simulatorClear, simulatorRead, simulatorSend } from './simulatorRoutes';

/** Every route's handler, bound to its spec: the type makes a route without a handler a compile error. */
export const ROUTE_HANDLERS: Record<RouteId, BoundRoute> = {
  openApi: bindPublicRoute(R.openApi, async () => openApiDocument()),
  flowSchema: bindPublicRoute(R.flowSchema, getFlowSchema),
  listFlows: bindRoute(R.listFlows, listFlows),
  createFlow: bindRoute(R.createFlow, createFlow),
  validateFlow: bindRoute(R.validateFlow, validateFlowDocument),
  getFlow: bindRoute(R.getFlow, getFlow),
  updateFlow: bindRoute(R.updateFlow, updateFlow),
  deleteFlow: bindRoute(R.deleteFlow, deleteFlow),
  listFlowVersions: bindRoute(R.listFlowVersions, listFlowVersions),
  getFlowVersion: bindRoute(R.getFlowVersion, getFlowVersion),
  publishFlow: bindRoute(R.publishFlow, publishFlow),
  unpublishFlow: bindRoute(R.unpublishFlow, unpublishFlow),
  listChannels: bindRoute(R.listChannels, listChannels),
  getChannel: bindRoute(R.getChannel, getChannel),
  putChannel: bindRoute(R.putChannel, putChannel),
  listMessengerApps: bindRoute(R.listMessengerApps, listMessengerApps),
  getMessengerApp: bindRoute(R.getMessengerApp, getMessengerApp),
  putMessengerApp: bindRoute(R.putMessengerApp, putMessengerApp),
  listSecrets: bindRoute(R.listSecrets, listSecrets),
  putSecret: bindRoute(R.putSecret, putSecret),
  deleteSecret: bindRoute(R.deleteSecret, deleteSecret),
  listConnections: bindRoute(R.listConnections, listConnections),
  getConnection: bindRoute(R.getConnection, getConnection),
  putConnection: bindRoute(R.putConnection, putConnection),
  deleteConnection: bindRoute(R.deleteConnection, deleteConnection),
  getEgress: bindRoute(R.getEgress, async (_input, { deps }) => ({
    fixed: (deps.egressAddresses ?? []).length > 0,
    addresses: [...(deps.egressAddresses ?? [])],
  })),
  getSettings: bindRoute(R.getSettings, getSettings),
  putSettings: bindRoute(R.putSettings, putSettings),
  dryRun: bindRoute(R.dryRun, dryRun),
  preview: bindRoute(R.preview, previewMessages),
  getContact: bindRoute(R.getContact, getContact),
  deleteContact: bindRoute(R.deleteContact, deleteContact),
  exportContact: bindRoute(R.exportContact, exportContact),
  unbindContact: bindRoute(R.unbindContact, unbindContact),
  listLogs: bindRoute(R.listLogs, listLogs),
  getHealth: bindRoute(R.getHealth, getHealth),
  listAlerts: bindRoute(R.listAlerts, listAlerts),
  putAlert: bindRoute(R.putAlert, putAlert),
  listFailedJobs: bindRoute(R.listFailedJobs, listFailedJobs),
  redriveFailedJobs: bindRoute(R.redriveFailedJobs, redriveFailedJobs),
  deleteFailedJob: bindRoute(R.deleteFailedJob, deleteFailedJob),
  deleteFailedJobs: bindRoute(R.deleteFailedJobs, deleteFailedJobs),
  simulatorSend: bindRoute(R.simulatorSend, simulatorSend),
  simulatorRead: bindRoute(R.simulatorRead, simulatorRead),
  simulatorClear: bindRoute(R.simulatorClear, simulatorClear),
  importCurl: bindRoute(R.importCurl, importCurlRoute),
  importOpenApi: bindRoute(R.importOpenApi, importOpenApiRoute),
};

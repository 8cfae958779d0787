import { AdminError, notFound } from './adminError';
import type { AdminDeps, RouteHandler } from './bindRoute';
import type { DeadLetters } from './deadLetters';
import type { AdminRoutes } from './routes';

// Jobs that reached the dead-letter queue: listed, sent back or deleted, only the key's workspace's.

/** `GET /admin/failed-jobs`: the workspace's dead letters (a peek). */
export const listFailedJobs: RouteHandler<AdminRoutes['listFailedJobs']> = async (_input, { workspaceId, deps }) => {
  const letters = await deadLettersOf(deps).list(workspaceId);
  return {
    jobs: letters.map(({ messageId, job, queuedAt }) => ({
      messageId,
      jobId: job.jobId,
      channel: job.channel,
      userId: job.userId,
      event: job.event,
      flow: job.flow,
      receivedAt: job.receivedAt,
      ...(queuedAt ? { queuedAt } : {}),
    })),
  };
};

/** `POST /admin/failed-jobs/redrive`: one (`{messageId}`) or all (`{all: true}`) back to the jobs queue. */
export const redriveFailedJobs: RouteHandler<AdminRoutes['redriveFailedJobs']> = async ({ body }, { workspaceId, deps }) => {
  const target = 'messageId' in body ? { messageId: body.messageId } : 'all';
  const redriven = await deadLettersOf(deps).redrive(workspaceId, target);
  if (target !== 'all' && redriven.length === 0) throw notFound('failed job');
  deps.logger.info('failed jobs redriven', { workspaceId, count: redriven.length });
  return { redriven };
};

/** `DELETE /admin/failed-jobs/{messageId}`: one of the workspace's dead letters, deleted for good. */
export const deleteFailedJob: RouteHandler<AdminRoutes['deleteFailedJob']> = async ({ params }, { workspaceId, deps }) => {
  const deleted = await deadLettersOf(deps).remove(workspaceId, { messageId: params.messageId });
  if (deleted.length === 0) throw notFound('failed job');
  deps.logger.info('failed jobs deleted', { workspaceId, count: deleted.length });
  return { deleted };
};

/** `DELETE /admin/failed-jobs?all=true`: all of the workspace's dead letters, deleted for good. */
export const deleteFailedJobs: RouteHandler<AdminRoutes['deleteFailedJobs']> = async (_input, { workspaceId, deps }) => {
  const deleted = await deadLettersOf(deps).remove(workspaceId, 'all');
  deps.logger.info('failed jobs deleted', { workspaceId, count: deleted.length });
  return { deleted };
};

function deadLettersOf(deps: AdminDeps): DeadLetters {
  if (!deps.deadLetters) throw new AdminError(503, { error: 'dead-letter queue not configured (JOBS_DLQ_URL)' });
  return deps.deadLetters;
}

import type { Logger } from '@aws-lambda-powertools/logger';
import { isCallbackId, verifyCallbackSignature } from '../../shared/callbacks/callback';
import { isId } from '../../shared/domain/ids';
import { CALLBACK_BODY_MAX } from '../../shared/domain/inboundEvents';
import { SIGNING_SECRET_NAME } from '../../shared/http/signRequest';
import type { TurnJob } from '../../shared/jobs/job';
import type { JobQueue } from '../../shared/jobs/jobQueue';
import { forLog } from '../../shared/logging/logValues';
import type { CallbackRecord, CallbackRepository } from '../../shared/store/callbacks';
import type { SecretRepository } from '../../shared/store/secrets';

export interface CallbackRequest {
  workspaceId: string;
  callbackId: string;
  rawBody: Buffer;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
}

export interface CallbackResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

export interface CallbackDeps {
  callbacks: CallbackRepository;
  secrets: Pick<SecretRepository, 'value'>;
  queue: JobQueue;
  logger: Logger;
  now?: () => number;
  /** How long a signed callback not found yet waits before it is looked for again. @default UNKNOWN_RETRY_MS */
  unknownRetryMs?: number;
}

/** A callback stored a moment after the brand's 202 is found by then (only a signed callback waits). */
export const UNKNOWN_RETRY_MS = 1_000;

/**
 * `POST /callbacks/{workspaceId}/{callbackId}`: a brand's result for a card that waits on it. Checked
 * before anything is written: the callback's shape, its body's size, and its Standard Webhooks
 * signature with the workspace's `CALLCARD_SIGNING_SECRET` over the raw body (a forged callback: 401,
 * nothing happens). Then used once (a conditional update): unknown 404, already used (answered, or
 * timed out) 409, past its deadline 410, each with no side effect. The resume job goes to the
 * conversation's FIFO group like any turn; should it not be queued, the callback is given back (500,
 * the brand may retry).
 */
export async function handleCallback(request: CallbackRequest, deps: CallbackDeps): Promise<CallbackResponse> {
  const now = deps.now ?? Date.now;
  const at = now();
  const log = { workspaceId: forLog(request.workspaceId), callbackId: forLog(request.callbackId) };
  if (!isId(request.workspaceId) || !isCallbackId(request.callbackId)) return { statusCode: 404, body: { error: 'unknown callback' } };
  if (request.rawBody.length > CALLBACK_BODY_MAX)
    return { statusCode: 413, body: { error: `the body is over ${CALLBACK_BODY_MAX} bytes` } };
  const rawBody = request.rawBody.toString('utf8');
  const secret = await deps.secrets.value(request.workspaceId, SIGNING_SECRET_NAME);
  const check =
    secret === undefined ? ({ ok: false, reason: 'no_secret' } as const) : verifyCallbackSignature(secret, request.headers, rawBody, at);
  if (!check.ok) {
    deps.logger.warn('callback refused: signature', { ...log, reason: check.reason });
    return { statusCode: 401, body: { error: 'invalid signature' } };
  }
  let used = await deps.callbacks.use(request.workspaceId, request.callbackId, 'answered', at);
  if (!used.ok && used.refused === 'unknown') {
    // A brand may call back the moment it sent its 202, before the executor stored the callback (it
    // does so right after the answer): a signed callback is looked for once more, a moment later.
    await new Promise((resolve) => setTimeout(resolve, deps.unknownRetryMs ?? UNKNOWN_RETRY_MS));
    used = await deps.callbacks.use(request.workspaceId, request.callbackId, 'answered', at);
  }
  if (!used.ok) {
    deps.logger.info('callback refused', { ...log, refused: used.refused });
    const statusCode = used.refused === 'unknown' ? 404 : used.refused === 'used' ? 409 : 410;
    return {
      statusCode,
      body: {
        error: used.refused === 'unknown' ? 'unknown callback' : used.refused === 'used' ? 'callback already used' : 'callback expired',
      },
    };
  }
  try {
    await deps.queue.send(resumeJob(used.record, { type: 'callback', callbackId: request.callbackId, result: 'ok', body: rawBody }));
  } catch (error) {
    await deps.callbacks.release(request.workspaceId, request.callbackId).catch(() => undefined);
    throw error;
  }
  deps.logger.info('callback taken: the conversation resumes', { ...log, jobId: used.record.jobId, blockId: used.record.blockId });
  return { statusCode: 202, body: { ok: true } };
}

/** A callback's timeout (a delayed message): resumes the conversation down the card's failure path, unless the callback came first. */
export async function handleCallbackTimeout(
  message: { workspaceId: string; callbackId: string },
  deps: Omit<CallbackDeps, 'secrets'>,
): Promise<boolean> {
  const used = await deps.callbacks.use(message.workspaceId, message.callbackId, 'timedOut', (deps.now ?? Date.now)());
  if (!used.ok) return false;
  try {
    await deps.queue.send(resumeJob(used.record, { type: 'callback', callbackId: message.callbackId, result: 'timeout' }));
  } catch (error) {
    await deps.callbacks.release(message.workspaceId, message.callbackId).catch(() => undefined);
    throw error;
  }
  deps.logger.info('callback timed out: the failure path', {
    workspaceId: message.workspaceId,
    callbackId: message.callbackId,
    jobId: used.record.jobId,
  });
  return true;
}

/**
 * The turn job that resumes a waiting conversation: in its FIFO group (channel and user), pinned to
 * the flow version it waits on, with the waiting turn's reply token (when it sent nothing) and
 * receipt time, so the executor replies while the token lives and pushes after.
 */
export function resumeJob(record: CallbackRecord, event: Extract<TurnJob['event'], { type: 'callback' }>): TurnJob {
  return {
    v: 1,
    jobId: `callback:${record.workspaceId}:${record.callbackId}`,
    workspaceId: record.workspaceId,
    channel: record.channel,
    userId: record.userId,
    ...(record.chat && record.chat !== 'user' ? { chat: record.chat } : {}),
    event,
    ...(record.replyToken ? { replyToken: record.replyToken } : {}),
    receivedAt: record.receivedAt,
    flow: record.flow,
  };
}

import { createHmac } from 'node:crypto';
import { hmacSha256Matches } from '../signature';

/**
 * Proof of delivery on Messenger. The Send API has no idempotency key, so a job killed after Meta
 * accepted a message, and before the outbox recorded it, could not know whether to send it again.
 * Each message callcard sends carries `metadata` naming its job and delivery; Meta returns that string
 * in the echo of the message (`message_echoes` webhook field), and the webhook records the delivery as
 * landed in the job's outbox. A retried job skips what was echoed.
 *
 * Every app on the page gets the page's echoes and can put any metadata on its own messages, so an echo
 * counts only when it is callcard's: sent by the page's app (the echo's `app_id`, when the page is
 * registered under an app) and carrying a tag only the holder of the page's access token can compute
 * (an HMAC of the job and index; a page with its own secret has no app id on record, the tag is what
 * tells). The outbox then takes each index at most once, and only one it sent (JobStateRepository.recordEcho).
 */

/** Versioned, so another app's metadata on the same page, or an untagged v1 receipt, is never mistaken for ours. */
const PREFIX = 'callcard:2:';
/** Meta's limit for `metadata`. */
export const METADATA_MAX_LENGTH = 1000;

/** What one echoed message proves: delivery `index` of job `jobId` landed. */
export interface EchoReceipt {
  jobId: string;
  index: number;
}

/** An echo as its metadata and `app_id` claim it, before the page's check ({@link echoProblem}). */
export interface EchoClaim {
  receipt: EchoReceipt;
  /** Hex HMAC-SHA256 of the job and index with the page's access token. */
  tag: string;
  /** The app that sent the message, as Meta gave it (a number or a string); undefined when absent. */
  appId: string | undefined;
}

/** The page an echo is checked against: its app, when registered under one, and its access token. */
export interface EchoPage {
  appId?: string | undefined;
  accessToken: string;
}

const tagOf = (jobId: string, index: number, pageToken: string) =>
  createHmac('sha256', pageToken).update(signedText(jobId, index)).digest('hex');
/** Domain-separated, so the tag is of no use as any other HMAC made with the page token. */
const signedText = (jobId: string, index: number) => `callcard echo receipt\n${index}\n${jobId}`;

/** The `metadata` of delivery `index` of a job, tagged with the page's access token. */
export function echoMetadata(jobId: string, index: number, pageToken: string): string {
  return `${PREFIX}${index}:${tagOf(jobId, index, pageToken)}:${jobId}`;
}

/**
 * The claim in an echo's metadata, when it has callcard's shape and names a job of `pageId` (a job id
 * is `<kind>:<pageId>:<mid>`, `messenger` unless `kind` says otherwise: Instagram's echoes use the same
 * receipt): another page's echo cannot mark this page's jobs. The tag is checked against the page
 * ({@link echoProblem}).
 */
export function parseEchoMetadata(
  metadata: string | undefined,
  pageId: string,
  appId?: string,
  kind: 'messenger' | 'instagram' = 'messenger',
): EchoClaim | undefined {
  if (metadata === undefined || !metadata.startsWith(PREFIX)) return undefined;
  const match = /^(\d{1,4}):([0-9a-f]{64}):(.+)$/.exec(metadata.slice(PREFIX.length));
  if (!match) return undefined;
  const [, index, tag, jobId] = match;
  if (index === undefined || tag === undefined || jobId === undefined || !jobId.startsWith(`${kind}:${pageId}:`)) return undefined;
  return { receipt: { jobId, index: Number(index) }, tag, appId };
}

/**
 * Why an echo is not callcard's receipt for `page`, or undefined when it is: another app sent it (the
 * page is registered under an app and the echo names another, or none), or its tag was not made with
 * the page's access token.
 */
export function echoProblem(echo: EchoClaim, page: EchoPage): string | undefined {
  if (page.appId !== undefined && echo.appId !== page.appId) return "another app's message (app_id is not the page's app)";
  const { jobId, index } = echo.receipt;
  if (!hmacSha256Matches(Buffer.from(signedText(jobId, index), 'utf8'), page.accessToken, echo.tag, 'hex'))
    return 'receipt tag not made with the page token';
  return undefined;
}

/**
 * Proof of delivery on Messenger. The Send API has no idempotency key, so a job killed after Meta
 * accepted a message, and before the outbox recorded it, could not know whether to send it again.
 * Each message callcard sends carries `metadata` naming its job and delivery; Meta returns that string
 * in the echo of the message (`message_echoes` webhook field), and the webhook records the delivery as
 * landed in the job's outbox. A retried job skips what was echoed.
 */

/** Versioned, so another app's metadata on the same page is never mistaken for ours. */
const PREFIX = 'callcard:1:';
/** Meta's limit for `metadata`. */
export const METADATA_MAX_LENGTH = 1000;

/** What one echoed message proves: delivery `index` of job `jobId` landed. */
export interface EchoReceipt {
  jobId: string;
  index: number;
}

/** The `metadata` of delivery `index` of a job. */
export function echoMetadata(jobId: string, index: number): string {
  return `${PREFIX}${index}:${jobId}`;
}

/**
 * The receipt in an echo's metadata, when it is callcard's and names a job of `pageId` (a job id is
 * `messenger:<pageId>:<mid>`): another page's echo cannot mark this page's jobs.
 */
export function parseEchoMetadata(metadata: string | undefined, pageId: string): EchoReceipt | undefined {
  if (metadata === undefined || !metadata.startsWith(PREFIX)) return undefined;
  const match = /^(\d{1,4}):(.+)$/.exec(metadata.slice(PREFIX.length));
  if (!match) return undefined;
  const [, index, jobId] = match;
  if (jobId === undefined || !jobId.startsWith(`messenger:${pageId}:`)) return undefined;
  return { jobId, index: Number(index) };
}

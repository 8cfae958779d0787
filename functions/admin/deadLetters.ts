import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { turnJobSchema, type TurnJob } from '../../shared/jobs/job';
import type { JobQueue } from '../../shared/jobs/jobQueue';

/** A job that failed `maxReceiveCount` times and sits in the dead-letter queue. */
export interface DeadLetter {
  messageId: string;
  job: TurnJob;
  /** When the job was first queued (SQS keeps the original send time). */
  queuedAt?: string;
}

/** The dead-letter queue, one workspace at a time. */
export interface DeadLetters {
  /** The workspace's dead letters, without taking them off the queue. */
  list(workspaceId: string): Promise<DeadLetter[]>;
  /** Send the workspace's dead letters (one, or all) back to the jobs queue; returns the message ids redriven. */
  redrive(workspaceId: string, target: DeadLetterTarget): Promise<string[]>;
  /** Delete the workspace's dead letters (one, or all) for good; returns the message ids deleted. */
  remove(workspaceId: string, target: DeadLetterTarget): Promise<string[]>;
}

/** One dead letter by its SQS message id, or all of a workspace's. */
export type DeadLetterTarget = { messageId: string } | 'all';

/** How {@link createDeadLetters} reaches the queues. */
export interface DeadLettersOptions {
  sqs: SQSClient;
  dlqUrl: string;
  /** The jobs queue, where a redriven job goes back to. */
  jobs: JobQueue;
  /**
   * How long a redrive hides the messages it receives. A receipt handle dies with its visibility
   * timeout (FIFO queues refuse to delete with an expired one), so a redrive must hide what it
   * receives; every letter it does not redrive (another workspace's, or not the one asked for) is
   * shown again at once (`ChangeMessageVisibility` to 0), so no workspace's redrive hides another's
   * letters. A few seconds is ample for one send and one delete.
   * @default 5
   */
  hideSeconds?: number;
  /** Receive calls per listing or redrive: bounds the work of one admin request. @default 10 */
  maxReceives?: number;
  now?: () => number;
}

/**
 * Peeks (VisibilityTimeout 0: nothing is taken off the queue), redrives and deletes the jobs DLQ's
 * letters. Bodies are parsed as turn jobs and kept only for the asking workspace; anything unparsable
 * is never shown, redriven or deleted.
 */
export function createDeadLetters(options: DeadLettersOptions): DeadLetters {
  const maxReceives = options.maxReceives ?? 10;
  const now = options.now ?? Date.now;

  const receive = async (visibilityTimeout: number): Promise<Message[]> => {
    const { Messages = [] } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.dlqUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilityTimeout,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        // local-aws-sqs only answers the older name.
        AttributeNames: ['All'],
      }),
    );
    return Messages;
  };

  /**
   * Receive until a round brings nothing new (SQS samples; local-aws-sqs even repeats messages in one
   * answer), or `onNew` says it is done. Every message of a round is handed over, even after `onNew`
   * said so: each one received is hidden, so the caller must see it to show it again.
   */
  const sweep = async (visibilityTimeout: number, onNew: (message: Message) => Promise<boolean>): Promise<void> => {
    const seen = new Set<string>();
    for (let round = 0; round < maxReceives; round += 1) {
      let fresh = 0;
      let done = false;
      for (const message of await receive(visibilityTimeout)) {
        if (!message.MessageId || seen.has(message.MessageId)) continue;
        seen.add(message.MessageId);
        fresh += 1;
        if (await onNew(message)) done = true;
      }
      if (done || fresh === 0) return;
    }
  };

  const letterOf = (message: Message, workspaceId: string): DeadLetter | undefined => {
    let json: unknown;
    try {
      json = JSON.parse(message.Body ?? '');
    } catch {
      return undefined;
    }
    const parsed = turnJobSchema.safeParse(json);
    if (!parsed.success || parsed.data.workspaceId !== workspaceId || !message.MessageId) return undefined;
    const sent = Number(message.Attributes?.SentTimestamp);
    return {
      messageId: message.MessageId,
      job: parsed.data,
      ...(Number.isFinite(sent) && sent > 0 ? { queuedAt: new Date(sent).toISOString() } : {}),
    };
  };

  const list = async (workspaceId: string): Promise<DeadLetter[]> => {
    const letters: DeadLetter[] = [];
    await sweep(0, async (message) => {
      const letter = letterOf(message, workspaceId);
      if (letter && letters.length < 100) letters.push(letter);
      return letters.length >= 100;
    });
    return letters;
  };

  /**
   * Take the workspace's letters (one, or all) off the DLQ, each after `before` (the redrive's send)
   * when given. Only letters whose job is the workspace's are ever deleted; the others are shown again.
   */
  const takeOff = async (
    workspaceId: string,
    target: DeadLetterTarget,
    before?: (letter: DeadLetter) => Promise<unknown>,
  ): Promise<string[]> => {
    // Look first without hiding anything: asking for a letter that is not yours hides nobody's.
    if (target !== 'all' && !(await list(workspaceId)).some((l) => l.messageId === target.messageId)) return [];
    const taken: string[] = [];
    const passedOver: string[] = [];
    await sweep(options.hideSeconds ?? 5, async (message) => {
      const letter = letterOf(message, workspaceId);
      if (!letter || (target !== 'all' && (letter.messageId !== target.messageId || taken.length > 0))) {
        // Not to be taken (another workspace's, not the one asked for, or received beside the one
        // already taken): kept hidden while the sweep goes on (so it reaches the letters behind), then
        // shown again below.
        if (message.ReceiptHandle) passedOver.push(message.ReceiptHandle);
        return false;
      }
      await before?.(letter);
      await options.sqs.send(new DeleteMessageCommand({ QueueUrl: options.dlqUrl, ReceiptHandle: message.ReceiptHandle }));
      taken.push(letter.messageId);
      return target !== 'all';
    }).finally(() =>
      // Visible again now, not when the hiding runs out: another workspace redriving every few
      // seconds would otherwise keep this one's list empty.
      Promise.all(
        passedOver.map((handle) =>
          options.sqs
            .send(new ChangeMessageVisibilityCommand({ QueueUrl: options.dlqUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }))
            .catch(() => undefined),
        ),
      ),
    );
    return taken;
  };

  return {
    list,
    // Send before delete: a failure in between leaves a duplicate, never a lost job, and the job's
    // outbox makes a second run send nothing twice.
    redrive: (workspaceId, target) =>
      takeOff(workspaceId, target, (letter) => options.jobs.send(letter.job, { deduplicationId: `redrive:${letter.messageId}:${now()}` })),
    remove: (workspaceId, target) => takeOff(workspaceId, target),
  };
}

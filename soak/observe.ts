import { deterministicUuid } from '../shared/channels/deterministicUuid';
import type { LineCall } from '../local/lineStandIn';
import type { MessengerCall } from '../local/messengerStandIn';
import { carousel, type ChannelFault, type ConversationPlan, type TurnPlan } from './plan';

/**
 * Watches what the customers saw: every call the LINE and Messenger stand-ins accepted is attributed to
 * the turn it answers, and the stand-ins' per-request fault hooks are served from the turn plans.
 *
 * Attribution: a customer sends a turn only once the executor reported the previous turn's job
 * complete (its outbox marked done: nothing of it is sent after that), so every accepted call to a
 * customer answers the customer's current turn. LINE calls are checked against the turn as well: a
 * reply must carry the turn's reply token, a push the `X-Line-Retry-Key` callcard derives from the
 * turn's job id. A call to a customer between turns, or after the last, is kept as a late call of the
 * previous turn (it can only be a duplicate).
 */

export interface ObservedCall {
  via: 'reply' | 'push' | 'send';
  messages: string[];
  /** Date.now() when the stand-in answered. */
  at: number;
  /** Arrived after the turn's job was reported complete. */
  late: boolean;
  /** LINE: the reply token or retry key names another turn. */
  foreign: boolean;
}

export interface KillSnapshot {
  kill: number;
  outbox: { sent: number; of: number; done: boolean } | null;
  callsSeen: number;
}

/** Whether a kill left the job in the window where an accepted answer is not yet recorded as sent. */
export function inCrashWindow(k: KillSnapshot): boolean {
  return k.callsSeen > 0 && (k.outbox === null || (!k.outbox.done && k.callsSeen > k.outbox.sent));
}

export type TurnState = 'planned' | 'sent' | 'completed' | 'timed-out' | 'webhook-failed';

export interface TurnRecord {
  plan: TurnPlan;
  conversation: ConversationPlan;
  state: TurnState;
  sentAt?: number;
  completedAt?: number;
  webhookStatus?: number;
  calls: ObservedCall[];
  /** Channel faults the stand-ins actually answered with for this turn. */
  channelFaultsServed: number;
  /** How many times the executor was handed this turn's job (from the child's batch reports). */
  deliveries: number;
  /** When (ms since the soak started) and to which executor process (1-based) each delivery went. */
  deliveredAt: Array<{ atMs: number; process: number }>;
  /** The kills (1-based) that happened while this turn's job was in an invocation. */
  killedInFlight: number[];
  /** What the job had left behind each time a kill took it: its outbox, and the calls the customer had seen. */
  atKills: KillSnapshot[];
}

/** One message as the customer reads it: its text, or `[carousel] title | title` for a carousel. */
export function normalizeLineMessage(message: unknown): string {
  const m = record(message);
  if (m.type === 'text') return String(m.text);
  if (m.type === 'flex') {
    const contents = record(m.contents);
    const bubbles = contents.type === 'carousel' ? list(contents.contents) : [contents];
    return carousel(bubbles.map((bubble) => boldTexts(bubble)[0] ?? '?'));
  }
  return JSON.stringify(message);
}

export function normalizeMessengerMessage(message: unknown): string {
  const m = record(message);
  if (typeof m.text === 'string') return m.text;
  const payload = record(record(m.attachment).payload);
  if (payload.template_type === 'generic') return carousel(list(payload.elements).map((e) => String(record(e).title)));
  return JSON.stringify(message);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function boldTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(boldTexts);
  const o = record(node);
  const own = o.weight === 'bold' && typeof o.text === 'string' ? [o.text] : [];
  return [
    ...own,
    ...Object.values(o)
      .filter((v) => typeof v === 'object')
      .flatMap(boldTexts),
  ];
}

interface Customer {
  current?: TurnRecord;
  last?: TurnRecord;
}

/** Per-turn state of an aimed channel fault: how many requests of its kind the turn made so far. */
interface FaultState {
  used: boolean;
  sends: number;
}

export class Observer {
  private readonly customers = new Map<string, Customer>();
  private readonly byReplyToken = new Map<string, TurnRecord>();
  private readonly byRetryKey = new Map<string, TurnRecord>();
  private readonly faults = new Map<TurnRecord, FaultState>();
  readonly byJob = new Map<string, TurnRecord>();
  /** Accepted calls to nobody the soak knows (the invariant fails on any). */
  unattributed: Array<{ channel: string; to: string | undefined; messages: string[] }> = [];
  /** Channel faults answered, by kind. */
  readonly channelFaultsServed: Partial<Record<ChannelFault, number>> = {};
  /** Another part of the soak answers for these LINE calls (the noisy-neighbour phase's customers). */
  private readonly lineClaims: Array<(call: LineCall) => boolean> = [];

  /** LINE calls `claim` takes are its own: neither a turn's nor unattributed. */
  claimLine(claim: (call: LineCall) => boolean): void {
    this.lineClaims.push(claim);
  }

  register(turn: TurnRecord): void {
    this.byJob.set(turn.plan.jobId, turn);
    if (turn.plan.replyToken) this.byReplyToken.set(turn.plan.replyToken, turn);
    // callcard's push retry keys: one per LINE request of the job (a turn here has at most 2 messages).
    for (let i = 0; i < 4; i += 1) this.byRetryKey.set(deterministicUuid(`${turn.plan.jobId}#${i}`), turn);
  }

  /** The customer's turn starts: from now on their calls answer it. */
  begin(turn: TurnRecord): void {
    const customer = this.customerOf(turn.conversation.userId);
    customer.current = turn;
    customer.last = turn;
    this.faults.set(turn, { used: false, sends: 0 });
  }

  /** The turn's job is complete: nothing more of it may arrive. */
  end(turn: TurnRecord): void {
    const customer = this.customerOf(turn.conversation.userId);
    if (customer.current === turn) customer.current = undefined;
    this.faults.delete(turn);
  }

  private customerOf(userId: string): Customer {
    let customer = this.customers.get(userId);
    if (!customer) {
      customer = {};
      this.customers.set(userId, customer);
    }
    return customer;
  }

  /** `claimed`: the turn a LINE reply token or retry key names, when the call carries one. */
  private attribute(
    to: string | undefined,
    via: ObservedCall['via'],
    messages: string[],
    claimed?: { owner: TurnRecord | undefined },
  ): void {
    const customer = to !== undefined ? this.customers.get(to) : undefined;
    const turn = customer?.current ?? customer?.last;
    if (!customer || !turn) {
      this.unattributed.push({ channel: via === 'send' ? 'messenger' : 'line', to, messages });
      return;
    }
    turn.calls.push({
      via,
      messages,
      at: Date.now(),
      late: customer.current !== turn,
      foreign: claimed !== undefined && claimed.owner !== turn,
    });
  }

  /** For the LINE stand-in's `onAnswered`. */
  readonly onLineAnswered = (answer: { call: LineCall | undefined }): void => {
    const call = answer.call;
    if (!call || call.kind === 'loading') return;
    if (this.lineClaims.some((claim) => claim(call))) return;
    const messages = (call.messages ?? []).map(normalizeLineMessage);
    if (call.kind === 'reply') {
      const owner = call.replyToken !== undefined ? this.byReplyToken.get(call.replyToken) : undefined;
      this.attribute(owner?.conversation.userId, 'reply', messages, { owner });
    } else {
      // A push whose retry key names no turn, or another turn, is flagged as foreign.
      this.attribute(call.to, 'push', messages, { owner: call.retryKey !== undefined ? this.byRetryKey.get(call.retryKey) : undefined });
    }
  };

  /** For the Messenger stand-in's `onAnswered`. */
  readonly onMessengerAnswered = (answer: { call: MessengerCall | undefined }): void => {
    const call = answer.call;
    if (!call || call.kind !== 'send') return;
    this.attribute(call.to, 'send', [normalizeMessengerMessage(call.message)]);
  };

  private serve(turn: TurnRecord | undefined, fault: ChannelFault, status: number | undefined): number | undefined {
    if (!turn || turn.plan.channelFault !== fault) return undefined;
    const state = this.faults.get(turn);
    if (!state || state.used) return undefined;
    state.used = true;
    turn.channelFaultsServed += 1;
    this.channelFaultsServed[fault] = (this.channelFaultsServed[fault] ?? 0) + 1;
    return status;
  }

  /** For the LINE stand-in's `faultFor`: the turn's planned fault, once. */
  readonly lineFaultFor = (request: { kind: LineCall['kind']; body: Record<string, unknown> }): number | undefined => {
    if (request.kind === 'reply') {
      const turn = this.byReplyToken.get(String(request.body.replyToken));
      // Its token was expired before the webhook: the stand-in answers 400 Invalid reply token itself.
      this.serve(turn, 'invalidReplyToken', undefined);
      return this.serve(turn, 'reply500', 500) ?? this.serve(turn, 'reply429', 429);
    }
    if (request.kind === 'push') {
      const turn = this.customers.get(String(request.body.to))?.current;
      return this.serve(turn, 'push500', 500) ?? this.serve(turn, 'push429', 429);
    }
    return this.serve(this.customers.get(String(request.body.chatId))?.current, 'loading500', 500);
  };

  /** For the Messenger stand-in's `faultFor`. */
  readonly messengerFaultFor = (request: { kind: MessengerCall['kind']; to: string }): number | undefined => {
    const turn = this.customers.get(request.to)?.current;
    if (!turn) return undefined;
    if (request.kind === 'typing') return this.serve(turn, 'typing500', 500);
    const state = this.faults.get(turn);
    if (!state) return undefined;
    state.sends += 1;
    if (state.sends === 1) return this.serve(turn, 'send500', 500) ?? this.serve(turn, 'send429', 429);
    // The last message of the turn: the first ones went out and are recorded as sent.
    if (state.sends === turn.plan.expected.length) return this.serve(turn, 'send429Later', 429);
    return undefined;
  };
}

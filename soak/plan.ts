import { CHANNEL_KIND_LIST, type ChannelKind } from '../shared/domain/channelKindList';
import { DEFAULT_FAILURE_TEXT } from '../shared/engine/runTurn';
import {
  BRAND_FAULT_KINDS,
  brandFaultFails,
  SOAK_BEST_SELLERS,
  SOAK_MEMBER_NAMES,
  SOAK_PHONES,
  SOAK_TICKET_TITLES,
  soakCode,
  type BrandFault,
} from './faultyBrand';
import type { Rng } from './rng';

/**
 * The soak's conversations, planned in full from the seed before anything runs: what each customer
 * says, which fault meets each card call and each channel request, and so what the customer should see
 * at the end of every turn.
 *
 * What "the outcome" of a turn is: the messages the customer sees for it, in order, across every reply,
 * push or send the turn caused (on LINE one reply, or pushes; on Messenger one send per message). A
 * turn's valid outcomes follow from the flow and from what the customer's earlier turns did:
 *
 * - scenario 1 (tickets), postback `action=my_tickets` while not verified (the soak verifies by one-time
 *   code on both channels: soak/soakFlow.ts): the personal card sends
 *   the turn to the flow's verify start, the phone question. The phone number: send_code → "If … is a
 *   member number, we just texted it a 6-digit code …", or "Sorry, we cannot verify your membership
 *   …" when it fails. The code: check_code (binds) then load_tickets. check fails → "Sorry, we cannot
 *   verify …"; it succeeds → "Thank you, <name>: you are verified as member M00x." followed by the
 *   ticket carousel (M001), "You have no unused tickets …" (M002), or, when load_tickets fails,
 *   "Sorry, we cannot load your tickets …". A later `my_tickets` tap: the carousel (or its failure)
 *   alone, or the phone question again if the customer was never verified.
 * - scenario 2 (best sellers), `hot`: "Today's best sellers:" then the carousel, or the default apology
 *   (best_sellers has no failure block).
 * - scenario 3 (registration): three questions (an invalid phone number gets the re-ask), then
 *   submit_registration: "You are registered, <name>! …" (standard), "Sorry, the vip session is full …"
 *   (vip), or "Sorry, we could not submit your registration …" when the card fails. The
 *   fire-and-forget notify card may fail too: the customer never hears of it.
 *
 * Exactly one of a turn's valid outcomes must be seen, once. The fault plan also predicts which one
 * (`expected`); a turn may end on another valid one without breaking the invariant (a brand circuit
 * breaker open, a cached answer): the soak counts those apart.
 *
 * A turn's outcome kind: `answer` (no card ran), `success` (every card the customer waited on
 * succeeded) or `failure-message` (a card failed and its failure block, or the apology, answered).
 */

export type Scenario = 'tickets' | 'bestSellers' | 'register';
export type { ChannelKind } from '../shared/domain/channelKindList';

export const LINE_FAULTS = ['reply500', 'reply429', 'invalidReplyToken', 'push500', 'push429', 'loading500'] as const;
export const MESSENGER_FAULTS = ['send500', 'send429', 'send429Later', 'typing500'] as const;
export type LineFault = (typeof LINE_FAULTS)[number];
export type MessengerFault = (typeof MESSENGER_FAULTS)[number];
export type ChannelFault = LineFault | MessengerFault;

/** What each channel fault does (for the report). */
export const CHANNEL_FAULT_DESCRIPTIONS: Record<ChannelFault, string> = {
  reply500: 'LINE: reply answers 500 (asked again with the token)',
  reply429: 'LINE: reply answers 429 (job redelivered, pushes)',
  invalidReplyToken: 'LINE: 400 Invalid reply token (expired; pushed)',
  push500: 'LINE: token expired, first push 500, then OK',
  push429: 'LINE: token expired, first push 429 (redelivery)',
  loading500: 'LINE: loading animation answers 500',
  send500: 'Messenger: first send 500, then OK',
  send429: 'Messenger: first send 429 (redelivery)',
  send429Later: 'Messenger: last send of 2 answers 429 (redelivery)',
  typing500: 'Messenger: typing indicator answers 500',
};

export type Action = { type: 'text'; text: string } | { type: 'postback'; data: string };
export type OutcomeKind = 'answer' | 'success' | 'failure-message';

export interface TurnPlan {
  index: number;
  action: Action;
  /** LINE `webhookEventId` or Messenger `mid`. */
  eventId: string;
  /** `<kind>:<channelId>:<eventId>`, as the webhook names the job. */
  jobId: string;
  /** LINE only. */
  replyToken?: string;
  /** Faults planned for the cards this turn calls, by block id (a card not called is never planned). */
  brandFaults: Record<string, BrandFault>;
  channelFault?: ChannelFault;
  /** The messages the fault plan predicts the customer sees, normalized (see observe.ts). */
  expected: string[];
  /** The predicted outcome's kind. */
  outcome: OutcomeKind;
  /** Every outcome the flow may give this turn, given what the conversation's earlier turns did. */
  alternatives: (state: ConversationState) => Alternative[];
  /** Whether the turn waits on a card (then LINE shows loading, Messenger typing). */
  waitsOnCard: boolean;
}

/** What a conversation's earlier turns changed that later turns depend on. */
export interface ConversationState {
  memberId?: string;
}

/** One valid outcome of a turn. */
export interface Alternative {
  messages: string[];
  outcome: OutcomeKind;
  /** The member this outcome binds. */
  binds?: string;
}

export interface ConversationPlan {
  id: number;
  scenario: Scenario;
  channel: ChannelKind;
  channelId: string;
  userId: string;
  turns: TurnPlan[];
}

export const TEXT = {
  askPhone: 'To show your tickets, please verify your membership first. What is your member phone number? We will text you a code.',
  askCode: (phone: string) => `If ${phone} is a member number, we just texted it a 6-digit code. Please type the code here.`,
  verified: (memberId: string) => `Thank you, ${SOAK_MEMBER_NAMES[memberId] ?? ''}: you are verified as member ${memberId}.`,
  verifyFailed: 'Sorry, we cannot verify your membership right now. Please try again later.',
  noTickets: 'You have no unused tickets right now.',
  ticketsFailed: 'Sorry, we cannot load your tickets right now. Please try again in a few minutes.',
  bestSellersIntro: "Today's best sellers:",
  askName: 'Tea workshop registration (1/3): what is your name?',
  askRegPhone: '(2/3) Your mobile number?',
  reaskPhone: 'Please enter a valid mobile number, like 0912345678.',
  askPlan: '(3/3) Which session would you like?',
  registered: (name: string) => `You are registered, ${name}! A confirmation email is on its way.`,
  full: (plan: string) => `Sorry, the ${plan} session is full. Type "register" to choose another.`,
  registrationFailed: 'Sorry, we could not submit your registration. Please try again later.',
  apology: DEFAULT_FAILURE_TEXT,
};

/** A carousel, as observe.ts normalizes it on either channel. */
export const carousel = (titles: string[]) => `[carousel] ${titles.join(' | ')}`;

export interface PlanOptions {
  conversations: number;
  lineChannelId: string;
  messengerChannelId: string;
  /** Probability that a card call the customer waits on meets a brand fault. */
  brandFaultRate: number;
  /** Probability that a fire-and-forget card call meets a brand fault. */
  backgroundFaultRate: number;
  /** Probability that a turn meets a channel fault. */
  channelFaultRate: number;
  /** Probability that a brand fault hits every attempt (failure path) rather than the first only. */
  persistentRate: number;
  /** Makes ids unique across runs on kept data. */
  runTag: string;
}

const NAMES = ['Lin Mei-Hua', 'Chen Wei', 'Wang Xiao-Ming', 'Huang Yu-Ting', 'Tsai Chia-Hao', 'Ana Souza'];

export function planConversations(rng: Rng, options: PlanOptions): ConversationPlan[] {
  return Array.from({ length: options.conversations }, (_, id) => planConversation(id, rng.fork(), options));
}

function planConversation(id: number, rng: Rng, options: PlanOptions): ConversationPlan {
  const scenario = rng.pick<Scenario>(['tickets', 'bestSellers', 'register']);
  const channel = rng.pick<ChannelKind>(CHANNEL_KIND_LIST);
  const channelId = channel === 'line' ? options.lineChannelId : options.messengerChannelId;
  const userId = channel === 'line' ? `U${options.runTag}s${id}` : `PSID-${options.runTag}-${id}`;
  const turns: TurnPlan[] = [];

  const brandFault = (background = false): BrandFault | undefined =>
    rng.chance(background ? options.backgroundFaultRate : options.brandFaultRate)
      ? { kind: rng.pick(BRAND_FAULT_KINDS), persistent: rng.chance(options.persistentRate) }
      : undefined;

  /**
   * Adds a turn: `run` plans the faults of the cards it will call and predicts what the customer sees;
   * `alternatives` lists every outcome the flow may give it.
   */
  const turn = (
    action: Action,
    run: (faults: Record<string, BrandFault>) => { expected: string[]; outcome: OutcomeKind; waitsOnCard: boolean },
    alternatives: (state: ConversationState) => Alternative[],
  ): void => {
    const eventId = channel === 'line' ? lineEventId(rng) : `m_${rng.hex(40)}`;
    const brandFaults: Record<string, BrandFault> = {};
    const result = run(brandFaults);
    const channelFault = rng.chance(options.channelFaultRate)
      ? pickChannelFault(rng, channel, result.waitsOnCard, result.expected.length)
      : undefined;
    turns.push({
      index: turns.length,
      action,
      eventId,
      jobId: `${channel}:${channelId}:${eventId}`,
      ...(channel === 'line' ? { replyToken: rng.hex(32) } : {}),
      brandFaults,
      ...(channelFault ? { channelFault } : {}),
      ...result,
      alternatives,
    });
  };
  const only = (messages: string[]) => (): Alternative[] => [{ messages, outcome: 'answer' }];
  /** One card the customer waits on: whether it succeeds, with its fault recorded. */
  const card = (faults: Record<string, BrandFault>, blockId: string): boolean => {
    const fault = brandFault();
    if (fault) faults[blockId] = fault;
    return !brandFaultFails(fault);
  };
  const tickets = (memberId: string): Alternative[] => [
    { messages: [ticketsAnswer(memberId)], outcome: 'success' },
    { messages: [TEXT.ticketsFailed], outcome: 'failure-message' },
  ];

  if (scenario === 'tickets') {
    let memberId: string | undefined;
    const tapMyTickets = (state: ConversationState): Alternative[] =>
      state.memberId ? tickets(state.memberId) : [{ messages: [TEXT.askPhone], outcome: 'answer' }];
    turn(
      { type: 'postback', data: 'action=my_tickets' },
      () => ({ expected: [TEXT.askPhone], outcome: 'answer', waitsOnCard: false }),
      tapMyTickets,
    );
    const typed = rng.pick(['0912-345-678', '0912345678', '0922333444', '0922 333 444']);
    const phone = typed.replace(/[^\d]/g, '');
    const member = SOAK_PHONES[phone] ?? 'M000';
    let codeSent = false;
    turn(
      { type: 'text', text: typed },
      (faults) => {
        if (!card(faults, 'send_code')) return { expected: [TEXT.verifyFailed], outcome: 'failure-message', waitsOnCard: true };
        codeSent = true;
        return { expected: [TEXT.askCode(phone)], outcome: 'success', waitsOnCard: true };
      },
      () => [
        { messages: [TEXT.verifyFailed], outcome: 'failure-message' },
        { messages: [TEXT.askCode(phone)], outcome: 'success' },
      ],
    );
    if (codeSent) {
      turn(
        { type: 'text', text: soakCode(phone) },
        (faults) => {
          if (!card(faults, 'check_code')) return { expected: [TEXT.verifyFailed], outcome: 'failure-message', waitsOnCard: true };
          memberId = member;
          const loaded = card(faults, 'load_tickets');
          return {
            expected: [TEXT.verified(member), loaded ? ticketsAnswer(member) : TEXT.ticketsFailed],
            outcome: loaded ? 'success' : 'failure-message',
            waitsOnCard: true,
          };
        },
        () => [
          { messages: [TEXT.verifyFailed], outcome: 'failure-message' },
          ...tickets(member).map((t) => ({ messages: [TEXT.verified(member), ...t.messages], outcome: t.outcome, binds: member })),
        ],
      );
    }
    if (rng.chance(0.7)) {
      turn(
        { type: 'postback', data: 'action=my_tickets' },
        (faults) => {
          if (!memberId) return { expected: [TEXT.askPhone], outcome: 'answer', waitsOnCard: false };
          const loaded = card(faults, 'load_tickets');
          return {
            expected: [loaded ? ticketsAnswer(memberId) : TEXT.ticketsFailed],
            outcome: loaded ? 'success' : 'failure-message',
            waitsOnCard: true,
          };
        },
        tapMyTickets,
      );
    }
  } else if (scenario === 'bestSellers') {
    const times = rng.chance(0.4) ? 2 : 1;
    const bestSellers = [TEXT.bestSellersIntro, carousel(SOAK_BEST_SELLERS.map((item) => item.name))];
    for (let i = 0; i < times; i += 1) {
      turn(
        { type: 'text', text: rng.pick(['hot', '熱銷', 'HOT', 'best sellers']) },
        (faults) =>
          card(faults, 'best_sellers')
            ? { expected: bestSellers, outcome: 'success', waitsOnCard: true }
            : { expected: [TEXT.apology], outcome: 'failure-message', waitsOnCard: true },
        () => [
          { messages: bestSellers, outcome: 'success' },
          { messages: [TEXT.apology], outcome: 'failure-message' },
        ],
      );
    }
  } else {
    const name = rng.pick(NAMES);
    turn(
      { type: 'text', text: rng.pick(['register', '報名']) },
      () => ({ expected: [TEXT.askName], outcome: 'answer', waitsOnCard: false }),
      only([TEXT.askName]),
    );
    turn(
      { type: 'text', text: name },
      () => ({ expected: [TEXT.askRegPhone], outcome: 'answer', waitsOnCard: false }),
      only([TEXT.askRegPhone]),
    );
    if (rng.chance(0.2))
      turn(
        { type: 'text', text: '12' },
        () => ({ expected: [TEXT.reaskPhone], outcome: 'answer', waitsOnCard: false }),
        only([TEXT.reaskPhone]),
      );
    turn(
      { type: 'text', text: rng.pick(['0912345678', '0987-654-321']) },
      () => ({ expected: [TEXT.askPlan], outcome: 'answer', waitsOnCard: false }),
      only([TEXT.askPlan]),
    );
    const plan = rng.weighted<'standard' | 'vip'>([
      ['standard', 3],
      ['vip', 1],
    ]);
    const booked = plan === 'vip' ? TEXT.full('vip') : TEXT.registered(name);
    turn(
      { type: 'text', text: plan === 'vip' ? rng.pick(['VIP', 'vip']) : rng.pick(['Standard', 'standard']) },
      (faults) => {
        if (!card(faults, 'submit_registration'))
          return { expected: [TEXT.registrationFailed], outcome: 'failure-message', waitsOnCard: true };
        if (plan === 'standard') {
          const notify = brandFault(true);
          if (notify) faults.send_confirmation = notify;
        }
        return { expected: [booked], outcome: 'success', waitsOnCard: true };
      },
      () => [
        { messages: [booked], outcome: 'success' },
        { messages: [TEXT.registrationFailed], outcome: 'failure-message' },
      ],
    );
  }
  return { id, scenario, channel, channelId, userId, turns };
}

function ticketsAnswer(memberId: string): string {
  const titles = SOAK_TICKET_TITLES[memberId] ?? [];
  return titles.length > 0 ? carousel(titles) : TEXT.noTickets;
}

function pickChannelFault(rng: Rng, channel: ChannelKind, waitsOnCard: boolean, messages: number): ChannelFault {
  if (channel === 'line') {
    const kinds = LINE_FAULTS.filter((k) => k !== 'loading500' || waitsOnCard);
    return rng.pick(kinds);
  }
  const kinds = MESSENGER_FAULTS.filter((k) => (k !== 'typing500' || waitsOnCard) && (k !== 'send429Later' || messages > 1));
  return rng.pick(kinds);
}

/** A LINE webhook event id: 26 characters of LINE's alphabet. */
function lineEventId(rng: Rng): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return Array.from({ length: 26 }, () => rng.pick([...alphabet])).join('');
}

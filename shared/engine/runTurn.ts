import type { CallApiBlock, Flow } from '../flow/schema';
import { BUILT_IN_TEXTS, type Language } from '../flow/texts';
import type { ChatType } from '../domain/channelKinds';
import type { InboundEvent } from '../domain/inboundEvents';
import type { ResolvedMessage } from '../messages/message';
import type { Binding } from '../domain/binding';
import type { Session } from '../domain/session';
import type { TemplateContext, TemplateError } from '../templating/liquid';
import type { CardBudget, CardOutcome } from './callApi';
import { routeEvent } from './routeEvent';
import { runBlocks } from './runBlocks';
import { TurnState } from './turnState';

export { bindingMethod, failureRoute } from './turnState';

/**
 * The English apology, said when a card fails and the flow names no failure block (the customer never
 * hears nothing) in a workspace speaking English, like the demo's. Each language has its own: see
 * `BUILT_IN_TEXTS` in flow/texts.ts.
 */
export const DEFAULT_FAILURE_TEXT = BUILT_IN_TEXTS.en.failure;
/**
 * What one customer message may spend on brands: its cards together wait at most `brandMs` (their
 * time one after another; a fire-and-forget card must also end within what was left when it
 * started) and run at most `calls` times (a card's retries are part of its run). A card past either
 * fails with reason `budget`, so the flow's failure path answers the customer. 15 s: a customer in a
 * chat does not wait longer, and a turn then holds the executor 15 s at most instead of the 50 minutes
 * 100 cards of 30 s would; 10 runs: more than any flow of the templates and examples makes (3 at most).
 */
export const TURN_BUDGET = { brandMs: 15_000, calls: 10 } as const;
export type TurnBudget = { brandMs: number; calls: number };

export interface TurnInput {
  flow: Flow;
  flowRef: { flowId: string; version: number };
  event: InboundEvent;
  /** The open session, already checked to belong to `flowRef`. */
  session: Session | undefined;
  customer: { id: string; channel: string; attributes: Record<string, unknown>; binding?: Binding | undefined };
  /** When the turn runs (ms): whether the customer's binding is live, and when a binding made now is. @default Date.now() */
  now?: number;
  /** The workspace's `bindingLapseDays`: a binding lapses that many days after it was verified; never when absent. */
  bindingLapseDays?: number | undefined;
  /** The workspace's language (settings): callcard's own texts come in it unless the flow rewords them. @default 'zh-TW' */
  language?: Language;
  /** The chat the event came from: a trigger answers in a group or room only when its `chats` say so. @default 'user' */
  chat?: ChatType;
  /** Who spoke: in a group or room the LINE user (when LINE names them), else the customer. `trigger.speakerId` in templates. */
  speakerId?: string;
  /**
   * Start at this block instead of routing the event (an admin's dry run of one card). The trigger
   * parameters then come from the event, as for a fallback: a postback's data, or none.
   */
  startAt?: string;
  /** What the turn may spend on brands. @default TURN_BUDGET */
  budget?: TurnBudget;
}

export interface TurnDeps {
  /**
   * Runs a Call an API card; a fire-and-forget card's promise is not awaited by the turn. `budget`:
   * what is left of the turn's (a card given `exhausted` must not call the brand: executeCallApi
   * fails it with reason `budget`).
   */
  callApi: (blockId: string, block: CallApiBlock, context: TemplateContext, budget: CardBudget) => Promise<CardOutcome>;
  /** The clock the budget's brand time is measured with (ms). @default Date.now */
  clock?: () => number;
  /** Called before the first card that the customer waits for: show a loading / typing indicator. */
  onWaiting?: () => Promise<void> | void;
  /** Fire-and-forget cards land here so the caller can await them after sending. */
  background?: (work: Promise<unknown>) => void;
  /** A block's template could not render (logged by the caller; the turn goes to a failure path). */
  onTemplateError?: (blockId: string, error: TemplateError) => void;
  /**
   * Issues the channel's account-link token for this customer (LINE: `POST /v2/bot/user/{userId}/linkToken`),
   * for a linkAccount block's button. Absent where the channel needs none (Messenger) or cannot issue
   * one (the console's simulator: a LINE turn then goes `elsewhere`, else to the failure path); a
   * token that cannot be issued takes the block's failure path.
   */
  linkToken?: () => Promise<string>;
  /** The link token could not be issued (logged by the caller; the block's failure path answers). */
  onLinkTokenError?: (blockId: string, error: unknown) => void;
  /**
   * A new single-use callback for a card with `callback` (shared/callbacks/callback.ts): its id and the
   * URL the brand POSTs to. Absent where nothing can receive one (the console's dry run and simulator):
   * such a card runs as one without `callback`, its 202 a success like any 2xx.
   */
  newCallback?: (blockId: string) => { id: string; url: string };
}

export interface TurnResult {
  messages: ResolvedMessage[];
  /** Attributes the turn changed (answers, setAttributes, explicit card mappings). */
  attributes: Record<string, unknown>;
  /** The session to keep (waiting on a question), or null to end the conversation. */
  session: Omit<Session, 'expiresAt'> | null;
  /**
   * What started the turn, for logs. `oneToOneOnly`: a trigger that answers one-to-one only, used in a
   * group or room (the turn says so and changes nothing). `closed`: the channel ended the conversation.
   */
  route: 'trigger' | 'answer' | 'fallback' | 'start' | 'none' | 'oneToOneOnly' | 'closed' | 'link' | 'callback';
  /** The customer's verified binding as the turn changed it: made by a card's `bind`, or null when an `unbind` block removed it. Absent: unchanged. */
  binding?: Binding | null;
  /** A personal card the turn did not run, the customer having no live binding (then `verify`, or `texts.verifyFirst`). */
  refused?: string;
  /**
   * The brand answered a callback card with 202: the session waits on the card (`session.callbackId`),
   * and the caller stores this callback with the turn's effects and schedules its timeout.
   */
  callback?: { id: string; blockId: string; timeoutSeconds: number };
}

/**
 * Run one conversation turn: route the event (a trigger restarts cleanly; otherwise an answer to the
 * waiting question; otherwise the fallback: routeEvent.ts), then execute blocks from where it leads
 * until the flow waits or ends (runBlocks.ts). Card calls and indicators are injected.
 */
export async function runTurn(input: TurnInput, deps: TurnDeps): Promise<TurnResult> {
  const turn = new TurnState(input);
  const routed = await routeEvent(turn);
  if ('done' in routed) return routed.done;
  return runBlocks(turn, routed.run, deps, input.budget ?? TURN_BUDGET);
}

import { bindingLapsesAt, liveBinding, type Binding, type BindingMethod } from '../domain/binding';
import type { ChatType } from '../domain/channelKinds';
import type { InboundEvent } from '../domain/inboundEvents';
import type { Session } from '../domain/session';
import { testPattern } from '../flow/conditionPattern';
import { isPersonalCard, type Block, type CallApiBlock, type Flow, type LinkAccountBlock } from '../flow/schema';
import { BUILT_IN_TEXTS, customerTexts, DEFAULT_LANGUAGE, ownReask, type Language } from '../flow/texts';
import type { ResolvedMessage } from '../messages/message';
import { evaluatePath, renderText, renderUrl, TemplateError, type TemplateContext } from '../templating/liquid';
import { BUDGET_TIME_REASON, cardFailure, judgeCallback, type CardBudget, type CardFailure, type CardOutcome } from './callApi';
import { resolveMessages } from './resolveMessages';
import { eventParams, linksOn, matchTrigger } from './triggers';
import { validateAnswer } from './validateAnswer';

/**
 * The English apology, said when a card fails and the flow names no failure block (the customer never
 * hears nothing) in a workspace speaking English, like the demo's. Each language has its own: see
 * `BUILT_IN_TEXTS` in flow/texts.ts.
 */
export const DEFAULT_FAILURE_TEXT = BUILT_IN_TEXTS.en.failure;
/** A flow that loops without waiting for the customer is stopped after this many blocks. */
const MAX_STEPS = 100;

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
 * waiting question; otherwise the fallback), then execute blocks until the flow waits or ends.
 * One dispatch on block type; card calls and indicators are injected.
 */
export async function runTurn(input: TurnInput, deps: TurnDeps): Promise<TurnResult> {
  const { flow, event } = input;
  const attributes: Record<string, unknown> = {};
  const messages: ResolvedMessage[] = [];
  const texts = customerTexts(input.language ?? DEFAULT_LANGUAGE, flow.texts);
  const chat = input.chat ?? 'user';
  // The customer blocked the account or the bot left the group: the open conversation ends, silently.
  if (event.type === 'closed') return { messages, attributes, session: null, route: 'closed' };
  const trigger = input.startAt === undefined ? matchTrigger(flow, event, { includeFallback: false, chat }) : undefined;
  if (trigger?.oneToOneOnly) {
    // Personal answers are never said in a group: point to a one-to-one chat, and leave any
    // conversation the group has open as it is.
    messages.push({ type: 'text', text: texts.oneToOneOnly });
    return { messages, attributes, session: input.session ? withoutExpiry(input.session) : null, route: 'oneToOneOnly' };
  }
  let triggerParams: Record<string, string>;
  let next: string | undefined;
  let route: TurnResult['route'];

  const now = input.now ?? Date.now();
  /** The customer's live binding, as the turn goes: `binding.*` in templates; personal cards run only with one. */
  let binding = liveBinding(input.customer.binding, now, input.bindingLapseDays);
  let bindingChange: Binding | null | undefined;
  let refused: string | undefined;
  let verifying = false;
  /** The callback a card's 202 made the conversation wait for. */
  let callbackWait: TurnResult['callback'];
  /** What the turn ends with once blocks ran: the binding change and refusal, when there is one. */
  const ended = (session: TurnResult['session']): TurnResult => ({
    messages,
    attributes,
    session,
    route,
    ...(bindingChange !== undefined ? { binding: bindingChange } : {}),
    ...(refused !== undefined ? { refused } : {}),
    ...(callbackWait ? { callback: callbackWait } : {}),
  });

  const context = (): TemplateContext => {
    const merged = { ...input.customer.attributes, ...attributes };
    return {
      customer: { id: input.customer.id, channel: input.customer.channel, attributes: merged },
      attributes: merged,
      ...(binding ? { binding: bindingContext(binding) } : {}),
      trigger: { type: event.type, text: event.type === 'text' ? event.text : undefined, params: triggerParams, chat, speakerId: input.speakerId ?? (chat === 'user' ? input.customer.id : undefined) },
      ...(lastResponse ? { response: lastResponse } : {}),
      ...(lastFailure ? { failure: lastFailure } : {}),
      ...(link ? { link } : {}),
    };
  };
  /** The account link that resumed the flow: `link.result`, and `link.nonce` for the card that resolves it at the brand. */
  let link: { result: 'ok' | 'failed'; nonce?: string } | undefined;
  /** The last waited-for card's answer, when one came (also after a failure: a 404's body). */
  let lastResponse: unknown;
  /** Why the last waited-for card failed: `failure` for the blocks after it, until a card succeeds. */
  let lastFailure: CardFailure | undefined;
  /** The last card that succeeded and its calls: a template error after it is that card's failure. */
  let succeeded: { block: CallApiBlock; attempts: number; status: number } | undefined;

  /**
   * A waited-for card's outcome, as the flow takes it (from the brand's answer, or from its callback
   * when the card waited for one): the binding, the attributes, the messages; returns where the flow goes.
   */
  const settleCard = async (block: CallApiBlock, outcome: CardOutcome): Promise<string | undefined> => {
    lastResponse = outcome.response;
    const made = outcome.ok && block.bind ? await bindingFrom(block.bind, context(), bindingMethod(event, block.bind, input.customer.channel), now, input.bindingLapseDays) : undefined;
    let to: string | undefined;
    if (outcome.ok && block.bind && !made) {
      // The brand said yes but named no member: no binding, and the card's failure path.
      lastFailure = { reason: 'success_condition', status: outcome.response.status, attempts: outcome.attempts };
      succeeded = undefined;
      to = failureRoute(block, lastFailure);
      if (!to) messages.push({ type: 'text', text: texts.failure });
    } else if (outcome.ok) {
      if (made) {
        binding = made;
        bindingChange = made;
      }
      lastFailure = undefined;
      for (const [name, path] of Object.entries(block.saveToAttributes)) {
        const value = await evaluatePath(path, context()).catch(() => undefined);
        if (value !== undefined) attributes[name] = value;
      }
      if (outcome.messages) messages.push(...outcome.messages);
      succeeded = { block, attempts: outcome.attempts, status: outcome.response.status };
      to = block.onSuccess;
    } else {
      lastFailure = cardFailure(outcome);
      succeeded = undefined;
      to = failureRoute(block, lastFailure);
      if (!to) messages.push({ type: 'text', text: texts.failure });
    }
    return to;
  };

  if (input.startAt !== undefined) {
    route = 'start';
    triggerParams = eventParams(event);
    next = input.startAt;
  } else if (trigger) {
    route = 'trigger';
    triggerParams = trigger.params;
    next = trigger.start;
  } else if (event.type === 'accountLink') {
    route = 'link';
    triggerParams = input.session?.trigger ?? {};
    const keptSession = input.session ? withoutExpiry(input.session) : null;
    if (event.result === 'unlinked') {
      // The customer unlinked on the channel's side (Messenger's Log Out, its settings): no binding from now on.
      bindingChange = null;
      return ended(keptSession);
    }
    // The link block the conversation waits on; one that came late (the session ended, the customer
    // did something else meanwhile) is the flow's link block's that links on this channel, the first when it has several.
    const waiting = input.session ? blockOf(flow, input.session.waitingOn) : undefined;
    const linkBlock = waiting?.type === 'linkAccount' ? waiting : Object.values(flow.blocks).find((b): b is LinkAccountBlock => b.type === 'linkAccount' && linksOn(b, input.customer.channel));
    if (!linkBlock || chat !== 'user') return { messages, attributes, session: keptSession, route: 'none' };
    if (event.result === 'ok' && event.nonce !== undefined) {
      link = { result: 'ok', nonce: event.nonce };
      next = linkBlock.onLinked;
    } else {
      link = { result: 'failed' };
      next = linkBlock.onFailure;
      if (next === undefined) {
        messages.push({ type: 'text', text: texts.linkFailed });
        return ended(null);
      }
    }
  } else if (event.type === 'callback') {
    route = 'callback';
    const session = input.session;
    const waiting = session ? blockOf(flow, session.waitingOn) : undefined;
    // Only the callback the conversation waits on resumes it (a late one, after a timeout or a
    // trigger that restarted the conversation, finds another session or none: nothing happens).
    if (!session || waiting?.type !== 'callApi' || !waiting.callback || session.callbackId !== event.callbackId) {
      return { messages, attributes, session: session ? withoutExpiry(session) : null, route: 'none' };
    }
    triggerParams = session.trigger;
    const outcome: CardOutcome = event.result === 'ok' ? await judgeCallback(waiting, event.body ?? '', context()) : { ok: false, reason: 'callback_timeout', kind: 'callback_timeout', attempts: 1 };
    next = await settleCard(waiting, outcome);
  } else if (input.session?.callbackId !== undefined && blockOf(flow, input.session.waitingOn)?.type === 'callApi') {
    // Waiting for the brand's callback, the customer said something else (no trigger): the conversation waits on.
    return { messages, attributes, session: withoutExpiry(input.session), route: 'none' };
  } else if (input.session && blockOf(flow, input.session.waitingOn)?.type === 'linkAccount') {
    // Waiting on an account link, the customer said something else (no trigger): the button again, with a fresh token.
    route = 'answer';
    triggerParams = input.session.trigger;
    next = input.session.waitingOn;
  } else if (input.session) {
    route = 'answer';
    triggerParams = input.session.trigger;
    const question = blockOf(flow, input.session.waitingOn);
    if (question?.type !== 'question') return { messages, attributes, session: null, route };
    const value = validateAnswer(question.input, event);
    if (value === undefined) {
      const attempts = input.session.attempts + 1;
      if (attempts >= question.maxAttempts) {
        next = question.onGiveUp;
        if (!next) return { messages, attributes, session: null, route };
      } else {
        const prompt = await renderText(question.prompt, context());
        const reask = await renderText(ownReask(question.reask) ?? texts.reask, { ...context(), prompt });
        messages.push(withChoices({ type: 'text', text: reask }, question));
        return { messages, attributes, session: { ...input.session, attempts }, route };
      }
    } else {
      attributes[question.saveAs] = value;
      next = question.next;
    }
  } else {
    const fallback = matchTrigger(flow, event, { includeFallback: true, chat });
    if (!fallback || fallback.oneToOneOnly) return { messages, attributes, session: null, route: 'none' };
    route = 'fallback';
    triggerParams = fallback.params;
    next = fallback.start;
  }

  /** A LINE link token for the block's button, or undefined when none could be issued. */
  const issueLinkToken = async (blockId: string): Promise<string | undefined> => {
    if (!deps.linkToken) return undefined;
    try {
      return await deps.linkToken();
    } catch (error) {
      deps.onLinkTokenError?.(blockId, error);
      return undefined;
    }
  };

  let waited = false;
  const budget = input.budget ?? TURN_BUDGET;
  const clock = deps.clock ?? Date.now;
  /** The turn's spending: card runs, and the time waited cards took. */
  let cardRuns = 0;
  let brandMs = 0;
  /** What is left for the next card; a card that gets `exhausted` does not run (nor count). */
  const nextCardBudget = (): CardBudget => {
    if (cardRuns >= budget.calls) return { remainingMs: 0, exhausted: `budget: the customer message ran its ${budget.calls} cards` };
    const remainingMs = budget.brandMs - brandMs;
    if (remainingMs <= 0) return { remainingMs: 0, exhausted: BUDGET_TIME_REASON };
    cardRuns += 1;
    return { remainingMs };
  };
  for (let steps = 0; next !== undefined; steps += 1) {
    if (steps >= MAX_STEPS) break;
    const blockId: string = next;
    const block = blockOf(flow, blockId);
    if (!block) break;
    next = undefined;
    try {
      switch (block.type) {
        case 'message': {
          const resolved = await resolveMessages(block.messages, context(), { carouselAltText: texts.carouselAltText });
          if (resolved.empty && block.empty) {
            next = block.empty;
          } else {
            messages.push(...resolved.messages);
            next = block.next;
          }
          break;
        }
        case 'question': {
          const prompt = await renderText(block.prompt, context());
          messages.push(withChoices({ type: 'text', text: prompt }, block));
          return ended({ flowId: input.flowRef.flowId, version: input.flowRef.version, waitingOn: blockId, attempts: 0, trigger: triggerParams });
        }
        case 'callApi': {
          const personal = isPersonalCard(flow, block);
          if ((personal || block.bind) && chat !== 'user') {
            // Never in a group or room (validation refuses it; a flow saved before is refused here):
            // every member would see the answer, and a group is nobody's binding.
            refused = blockId;
            messages.push({ type: 'text', text: texts.oneToOneOnly });
            return ended(null);
          }
          if (personal && !binding) {
            refused ??= blockId;
            // Not verified: where the flow verifies (once a turn: a way back here without a binding ends it).
            if (flow.verify !== undefined && !verifying && Object.hasOwn(flow.blocks, flow.verify)) {
              verifying = true;
              next = flow.verify;
              break;
            }
            messages.push({ type: 'text', text: texts.verifyFirst });
            return ended(null);
          }
          if (block.fireAndForget) {
            const work = deps.callApi(blockId, block, context(), nextCardBudget());
            deps.background?.(work);
            next = block.onSuccess;
            break;
          }
          const cardBudget = nextCardBudget();
          if (!waited && cardBudget.exhausted === undefined) {
            waited = true;
            await deps.onWaiting?.();
          }
          // A card that waits for a callback gives the brand its single-use URL (`{{ callback.url }}`, and a header).
          const pending = block.callback && deps.newCallback ? deps.newCallback(blockId) : undefined;
          const cardStarted = clock();
          const outcome = await deps.callApi(blockId, block, pending ? { ...context(), callback: { url: pending.url } } : context(), cardBudget);
          if (cardBudget.exhausted === undefined) brandMs += Math.max(0, clock() - cardStarted);
          if (pending && block.callback && outcome.response?.status === 202) {
            // The brand took the work and will call back: the turn ends, the conversation waiting on the
            // card (no Lambda waits); the callback, or its timeout, resumes it at this card's outcome.
            callbackWait = { id: pending.id, blockId, timeoutSeconds: block.callback.timeoutSeconds };
            return ended({ flowId: input.flowRef.flowId, version: input.flowRef.version, waitingOn: blockId, attempts: 0, trigger: triggerParams, callbackId: pending.id });
          }
          next = await settleCard(block, outcome);
          break;
        }
        case 'condition': {
          const values = { ...input.customer.attributes, ...attributes };
          const branch = block.branches.find((b) => testCondition(b.when, values[b.when.attribute]));
          next = branch ? branch.next : block.otherwise;
          break;
        }
        case 'setAttributes': {
          for (const [name, template] of Object.entries(block.set)) attributes[name] = await renderText(template, context());
          next = block.next;
          break;
        }
        case 'unbind':
          // The customer unlinks: no binding from here on (nor stored, once the turn's effects apply).
          binding = undefined;
          bindingChange = null;
          next = block.next;
          break;
        case 'linkAccount': {
          const channel = input.customer.channel;
          if (!linksOn(block, channel)) {
            next = block.elsewhere;
            if (next === undefined) messages.push({ type: 'text', text: texts.linkFailed });
            break;
          }
          if (chat !== 'user') {
            // A group is nobody's account (validation refuses it; a flow saved before is refused here).
            messages.push({ type: 'text', text: texts.oneToOneOnly });
            return ended(null);
          }
          const text = await renderText(block.text, context());
          let url = await renderUrl(block.loginUrl, context());
          if (channel === 'line') {
            // No way to issue one here (the console's simulator has no LINE app to link): elsewhere, as on another channel.
            const token = deps.linkToken ? await issueLinkToken(blockId) : undefined;
            if (token === undefined) {
              next = (deps.linkToken ? undefined : block.elsewhere) ?? block.onFailure;
              if (next === undefined) messages.push({ type: 'text', text: texts.linkFailed });
              break;
            }
            url = withLinkToken(url, token);
          }
          messages.push({ type: 'accountLink', text, label: block.label ?? texts.linkButton, url });
          return ended({ flowId: input.flowRef.flowId, version: input.flowRef.version, waitingOn: blockId, attempts: 0, trigger: triggerParams });
        }
        case 'end':
          break;
      }
    } catch (error) {
      // A template that cannot render with this data (a brand answer of an unexpected shape, a
      // template past its limits) is a failure of the card that fetched the data: the customer hears
      // the card's failure block, or the apology, never silence, and the job is not retried forever.
      if (!(error instanceof TemplateError)) throw error;
      deps.onTemplateError?.(blockId, error);
      const card = succeeded;
      succeeded = undefined;
      if (card) {
        lastFailure = { reason: 'template', status: card.status, attempts: card.attempts };
        next = failureRoute(card.block, lastFailure);
        if (next) continue;
      }
      messages.push({ type: 'text', text: texts.failure });
      return ended(null);
    }
  }
  return ended(null);
}

/**
 * How a binding made by a card's `bind` was verified: a turn started by an account-link event (LINE
 * `accountLink`, Messenger `messaging_account_linking`) binds with the channel's method
 * (`lineAccountLink` / `messengerAccountLink`), whatever the card declares; any other turn with the
 * card's own (`oneTimeCode`).
 */
export function bindingMethod(event: InboundEvent, bind: NonNullable<CallApiBlock['bind']>, channel: string): BindingMethod {
  if (event.type === 'accountLink') return channel === 'messenger' ? 'messengerAccountLink' : 'lineAccountLink';
  return bind.method ?? 'oneTimeCode';
}

/** The login URL with LINE's link token as its `linkToken` query parameter (a URL that does not parse is a template failure). */
function withLinkToken(url: string, token: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TemplateError('loginUrl: not a URL once rendered');
  }
  parsed.searchParams.set('linkToken', token);
  return parsed.toString();
}

/** The binding a card's `bind` makes from its answer, or undefined when the answer names no member. */
async function bindingFrom(bind: NonNullable<CallApiBlock['bind']>, context: TemplateContext, method: BindingMethod, now: number, lapseDays: number | undefined): Promise<Binding | undefined> {
  const text = async (path: string): Promise<string | undefined> => {
    const value = await evaluatePath(path, context).catch(() => undefined);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  };
  const memberId = (await text(bind.memberId))?.trim();
  if (!memberId) return undefined;
  const attributes: Record<string, string> = {};
  for (const [name, path] of Object.entries(bind.attributes ?? {})) {
    const value = await text(path);
    if (value !== undefined) Object.defineProperty(attributes, name, { value, enumerable: true, writable: true, configurable: true });
  }
  const verifiedAt = new Date(now);
  const lapsesAt = bindingLapsesAt(verifiedAt, lapseDays);
  return { memberId, ...(Object.keys(attributes).length ? { attributes } : {}), method, verifiedAt: verifiedAt.toISOString(), ...(lapsesAt ? { lapsesAt } : {}) };
}

/** What templates see as `binding`: who the customer verifiably is. */
function bindingContext(binding: Binding): Record<string, unknown> {
  return { memberId: binding.memberId, method: binding.method, verifiedAt: binding.verifiedAt, ...(binding.lapsesAt ? { lapsesAt: binding.lapsesAt } : {}), attributes: { ...binding.attributes } };
}

/**
 * Where a failed card goes: the block its `onStatus` names for the answer's status, else the one its
 * `onReason` names for the reason, else `onFailure`; undefined (the apology) when none does.
 */
export function failureRoute(block: CallApiBlock, failure: CardFailure): string | undefined {
  const status = failure.status !== undefined ? String(failure.status) : undefined;
  if (status !== undefined && block.onStatus && Object.hasOwn(block.onStatus, status)) return block.onStatus[status];
  if (block.onReason && Object.hasOwn(block.onReason, failure.reason)) return block.onReason[failure.reason];
  return block.onFailure;
}

/** A session as a turn hands it back to be kept (the store sets its expiry anew). */
function withoutExpiry(session: Session): Omit<Session, 'expiresAt'> {
  const { flowId, version, waitingOn, attempts, trigger, callbackId } = session;
  return { flowId, version, waitingOn, attempts, trigger, ...(callbackId !== undefined ? { callbackId } : {}) };
}

/** Own blocks only: a stored flow naming `toString` must not reach Object.prototype. */
function blockOf(flow: Flow, id: string): Block | undefined {
  return Object.hasOwn(flow.blocks, id) ? flow.blocks[id] : undefined;
}

type QuestionBlock = Extract<Block, { type: 'question' }>;

function withChoices(message: { type: 'text'; text: string }, question: QuestionBlock): ResolvedMessage {
  if (question.input.type !== 'choice') return message;
  return { ...message, quickReplies: question.input.choices.map((c) => ({ type: 'message' as const, label: c.label, text: c.label })) };
}

type ConditionTest = Extract<Block, { type: 'condition' }>['branches'][number]['when'];

function testCondition(test: ConditionTest, value: unknown): boolean {
  switch (test.op) {
    case 'exists':
      return value !== undefined && value !== null && value !== '';
    case 'equals':
      return value === test.value || (value !== undefined && value !== null && String(value) === String(test.value));
    case 'matches':
      // The pattern is the admin's but the value may be the customer's: RE2 matches in linear time,
      // whatever the pattern (see conditionPattern.ts).
      return testPattern(test.pattern, value);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const n = typeof value === 'number' ? value : Number(value);
      if (value === undefined || value === null || value === '' || !Number.isFinite(n)) return false;
      return test.op === 'lt' ? n < test.value : test.op === 'lte' ? n <= test.value : test.op === 'gt' ? n > test.value : n >= test.value;
    }
  }
}

import { adapterFor } from '../channels/registry';
import { isChannelKind } from '../domain/channelKindList';
import { bindingLapsesAt, liveBinding, type Binding, type BindingMethod } from '../domain/binding';
import type { ChatType } from '../domain/channelKinds';
import type { InboundEvent } from '../domain/inboundEvents';
import type { Session } from '../domain/session';
import type { Block, CallApiBlock, Flow } from '../flow/schema';
import { customerTexts, DEFAULT_LANGUAGE, type CustomerTexts } from '../flow/texts';
import type { ResolvedMessage } from '../messages/message';
import { evaluatePath, type TemplateContext } from '../templating/liquid';
import { cardFailure, type CardFailure, type CardOutcome } from './callApi';
import type { TurnInput, TurnResult } from './runTurn';

/**
 * What one turn has made so far, shared by its two halves (runTurn.ts): routing the event
 * (routeEvent.ts) and running blocks from where it leads (runBlocks.ts). The messages and attributes
 * the turn ends with, the customer's binding as it goes, and what templates see (`context()`).
 */
export class TurnState {
  readonly attributes: Record<string, unknown> = {};
  readonly messages: ResolvedMessage[] = [];
  readonly texts: CustomerTexts;
  readonly chat: ChatType;
  readonly now: number;
  /** The customer's live binding, as the turn goes: `binding.*` in templates; personal cards run only with one. */
  binding: Binding | undefined;
  bindingChange: Binding | null | undefined;
  refused: string | undefined;
  /** The callback a card's 202 made the conversation wait for. */
  callbackWait: TurnResult['callback'];
  /** What started the turn (set by routing). */
  route!: TurnResult['route'];
  /** `trigger.params` in templates (set by routing). */
  triggerParams!: Record<string, string>;
  /** The account link that resumed the flow: `link.result`, and `link.nonce` for the card that resolves it at the brand. */
  link: { result: 'ok' | 'failed'; nonce?: string } | undefined;
  /** The last waited-for card's answer, when one came (also after a failure: a 404's body). */
  lastResponse: unknown;
  /** Why the last waited-for card failed: `failure` for the blocks after it, until a card succeeds. */
  lastFailure: CardFailure | undefined;
  /** The last card that succeeded and its calls: a template error after it is that card's failure. */
  succeeded: { block: CallApiBlock; attempts: number; status: number } | undefined;

  constructor(readonly input: TurnInput) {
    this.texts = customerTexts(input.language ?? DEFAULT_LANGUAGE, input.flow.texts);
    this.chat = input.chat ?? 'user';
    this.now = input.now ?? Date.now();
    this.binding = liveBinding(input.customer.binding, this.now, input.bindingLapseDays);
  }

  /** What the turn ends with once blocks ran: the binding change and refusal, when there is one. */
  ended(session: TurnResult['session']): TurnResult {
    return {
      messages: this.messages,
      attributes: this.attributes,
      session,
      route: this.route,
      ...(this.bindingChange !== undefined ? { binding: this.bindingChange } : {}),
      ...(this.refused !== undefined ? { refused: this.refused } : {}),
      ...(this.callbackWait ? { callback: this.callbackWait } : {}),
    };
  }

  /** What templates see now. */
  context(): TemplateContext {
    const input = this.input;
    const event = input.event;
    const merged = { ...input.customer.attributes, ...this.attributes };
    const chat = this.chat;
    return {
      customer: { id: input.customer.id, channel: input.customer.channel, attributes: merged },
      attributes: merged,
      ...(this.binding ? { binding: bindingContext(this.binding) } : {}),
      trigger: {
        type: event.type,
        text: event.type === 'text' ? event.text : undefined,
        params: this.triggerParams,
        chat,
        speakerId: input.speakerId ?? (chat === 'user' ? input.customer.id : undefined),
      },
      ...(this.lastResponse ? { response: this.lastResponse } : {}),
      ...(this.lastFailure ? { failure: this.lastFailure } : {}),
      ...(this.link ? { link: this.link } : {}),
    };
  }

  /**
   * A waited-for card's outcome, as the flow takes it (from the brand's answer, or from its callback
   * when the card waited for one): the binding, the attributes, the messages; returns where the flow goes.
   */
  async settleCard(block: CallApiBlock, outcome: CardOutcome): Promise<string | undefined> {
    const { input, texts } = this;
    this.lastResponse = outcome.response;
    const made =
      outcome.ok && block.bind
        ? await bindingFrom(
            block.bind,
            this.context(),
            bindingMethod(input.event, block.bind, input.customer.channel),
            this.now,
            input.bindingLapseDays,
          )
        : undefined;
    let to: string | undefined;
    if (outcome.ok && block.bind && !made) {
      // The brand said yes but named no member: no binding, and the card's failure path.
      this.lastFailure = { reason: 'success_condition', status: outcome.response.status, attempts: outcome.attempts };
      this.succeeded = undefined;
      to = failureRoute(block, this.lastFailure);
      if (!to) this.messages.push({ type: 'text', text: texts.failure });
    } else if (outcome.ok) {
      if (made) {
        this.binding = made;
        this.bindingChange = made;
      }
      this.lastFailure = undefined;
      for (const [name, path] of Object.entries(block.saveToAttributes)) {
        const value = await evaluatePath(path, this.context()).catch(() => undefined);
        if (value !== undefined) this.attributes[name] = value;
      }
      if (outcome.messages) this.messages.push(...outcome.messages);
      this.succeeded = { block, attempts: outcome.attempts, status: outcome.response.status };
      to = block.onSuccess;
    } else {
      this.lastFailure = cardFailure(outcome);
      this.succeeded = undefined;
      to = failureRoute(block, this.lastFailure);
      if (!to) this.messages.push({ type: 'text', text: texts.failure });
    }
    return to;
  }
}

/**
 * How a binding made by a card's `bind` was verified: a turn started by an account-link event (LINE
 * `accountLink`, Messenger `messaging_account_linking`) binds with the channel's method
 * (`lineAccountLink` / `messengerAccountLink`), whatever the card declares; any other turn with the
 * card's own (`oneTimeCode`).
 */
export function bindingMethod(event: InboundEvent, bind: NonNullable<CallApiBlock['bind']>, channel: string): BindingMethod {
  // The channel's own link method (its adapter's); a customer of no known channel (none today) as LINE's.
  if (event.type === 'accountLink') return isChannelKind(channel) ? adapterFor(channel).accountLink.method : 'lineAccountLink';
  return bind.method ?? 'oneTimeCode';
}

/** The binding a card's `bind` makes from its answer, or undefined when the answer names no member. */
async function bindingFrom(
  bind: NonNullable<CallApiBlock['bind']>,
  context: TemplateContext,
  method: BindingMethod,
  now: number,
  lapseDays: number | undefined,
): Promise<Binding | undefined> {
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
  return {
    memberId,
    ...(Object.keys(attributes).length ? { attributes } : {}),
    method,
    verifiedAt: verifiedAt.toISOString(),
    ...(lapsesAt ? { lapsesAt } : {}),
  };
}

/** What templates see as `binding`: who the customer verifiably is. */
function bindingContext(binding: Binding): Record<string, unknown> {
  return {
    memberId: binding.memberId,
    method: binding.method,
    verifiedAt: binding.verifiedAt,
    ...(binding.lapsesAt ? { lapsesAt: binding.lapsesAt } : {}),
    attributes: { ...binding.attributes },
  };
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
export function withoutExpiry(session: Session): Omit<Session, 'expiresAt'> {
  const { flowId, version, waitingOn, attempts, trigger, callbackId } = session;
  return { flowId, version, waitingOn, attempts, trigger, ...(callbackId !== undefined ? { callbackId } : {}) };
}

/** Own blocks only: a stored flow naming `toString` must not reach Object.prototype. */
export function blockOf(flow: Flow, id: string): Block | undefined {
  return Object.hasOwn(flow.blocks, id) ? flow.blocks[id] : undefined;
}

type QuestionBlock = Extract<Block, { type: 'question' }>;

/** A question's prompt (or re-ask), with its choices as quick replies. */
export function withChoices(message: { type: 'text'; text: string }, question: QuestionBlock): ResolvedMessage {
  if (question.input.type !== 'choice') return message;
  return { ...message, quickReplies: question.input.choices.map((c) => ({ type: 'message' as const, label: c.label, text: c.label })) };
}

import type { LinkAccountBlock } from '../flow/schema';
import { ownReask } from '../flow/texts';
import { renderText } from '../templating/liquid';
import { judgeCallback, type CardOutcome } from './callApi';
import type { TurnResult } from './runTurn';
import { eventParams, linksOn, matchTrigger } from './triggers';
import { blockOf, withChoices, withoutExpiry, type TurnState } from './turnState';
import { validateAnswer } from './validateAnswer';

/**
 * Where an inbound event leads: the block to run blocks from (`run`; undefined: none, the turn ends),
 * or the turn already over (`done`: a closed conversation, a trigger used in a group, a re-ask, a
 * callback nobody waits for...).
 */
export type RoutedEvent = { run: string | undefined } | { done: TurnResult };

/**
 * Route the turn's event: an admin's `startAt`; a trigger (it restarts cleanly); an account link; a
 * brand's callback (the card it resumes is settled here); an answer to the waiting question (saved,
 * or re-asked); otherwise the fallback. Sets the turn's `route` and `trigger.params`.
 */
export async function routeEvent(turn: TurnState): Promise<RoutedEvent> {
  const { input, messages, attributes, texts, chat } = turn;
  const { flow, event } = input;
  // The customer blocked the account or the bot left the group: the open conversation ends, silently.
  if (event.type === 'closed') return { done: { messages, attributes, session: null, route: 'closed' } };
  const trigger = input.startAt === undefined ? matchTrigger(flow, event, { includeFallback: false, chat }) : undefined;
  if (trigger?.oneToOneOnly) {
    // Personal answers are never said in a group: point to a one-to-one chat, and leave any
    // conversation the group has open as it is.
    messages.push({ type: 'text', text: texts.oneToOneOnly });
    return { done: { messages, attributes, session: input.session ? withoutExpiry(input.session) : null, route: 'oneToOneOnly' } };
  }

  if (input.startAt !== undefined) {
    turn.route = 'start';
    turn.triggerParams = eventParams(event);
    return { run: input.startAt };
  }
  if (trigger) {
    turn.route = 'trigger';
    turn.triggerParams = trigger.params;
    return { run: trigger.start };
  }
  if (event.type === 'accountLink') {
    turn.route = 'link';
    turn.triggerParams = input.session?.trigger ?? {};
    const keptSession = input.session ? withoutExpiry(input.session) : null;
    if (event.result === 'unlinked') {
      // The customer unlinked on the channel's side (Messenger's Log Out, its settings): no binding from now on.
      turn.bindingChange = null;
      return { done: turn.ended(keptSession) };
    }
    // The link block the conversation waits on; one that came late (the session ended, the customer
    // did something else meanwhile) is the flow's link block's that links on this channel, the first when it has several.
    const waiting = input.session ? blockOf(flow, input.session.waitingOn) : undefined;
    const linkBlock =
      waiting?.type === 'linkAccount'
        ? waiting
        : Object.values(flow.blocks).find((b): b is LinkAccountBlock => b.type === 'linkAccount' && linksOn(b, input.customer.channel));
    if (!linkBlock || chat !== 'user') return { done: { messages, attributes, session: keptSession, route: 'none' } };
    if (event.result === 'ok' && event.nonce !== undefined) {
      turn.link = { result: 'ok', nonce: event.nonce };
      return { run: linkBlock.onLinked };
    }
    turn.link = { result: 'failed' };
    if (linkBlock.onFailure === undefined) {
      messages.push({ type: 'text', text: texts.linkFailed });
      return { done: turn.ended(null) };
    }
    return { run: linkBlock.onFailure };
  }
  if (event.type === 'callback') {
    turn.route = 'callback';
    const session = input.session;
    const waiting = session ? blockOf(flow, session.waitingOn) : undefined;
    // Only the callback the conversation waits on resumes it (a late one, after a timeout or a
    // trigger that restarted the conversation, finds another session or none: nothing happens).
    if (!session || waiting?.type !== 'callApi' || !waiting.callback || session.callbackId !== event.callbackId) {
      return { done: { messages, attributes, session: session ? withoutExpiry(session) : null, route: 'none' } };
    }
    turn.triggerParams = session.trigger;
    const outcome: CardOutcome =
      event.result === 'ok'
        ? await judgeCallback(waiting, event.body ?? '', turn.context())
        : { ok: false, reason: 'callback_timeout', kind: 'callback_timeout', attempts: 1 };
    return { run: await turn.settleCard(waiting, outcome) };
  }
  if (input.session?.callbackId !== undefined && blockOf(flow, input.session.waitingOn)?.type === 'callApi') {
    // Waiting for the brand's callback, the customer said something else (no trigger): the conversation waits on.
    return { done: { messages, attributes, session: withoutExpiry(input.session), route: 'none' } };
  }
  if (input.session && blockOf(flow, input.session.waitingOn)?.type === 'linkAccount') {
    // Waiting on an account link, the customer said something else (no trigger): the button again, with a fresh token.
    turn.route = 'answer';
    turn.triggerParams = input.session.trigger;
    return { run: input.session.waitingOn };
  }
  if (input.session) {
    turn.route = 'answer';
    turn.triggerParams = input.session.trigger;
    const route = turn.route;
    const question = blockOf(flow, input.session.waitingOn);
    if (question?.type !== 'question') return { done: { messages, attributes, session: null, route } };
    const value = validateAnswer(question.input, event);
    if (value === undefined) {
      const attempts = input.session.attempts + 1;
      if (attempts >= question.maxAttempts) {
        if (!question.onGiveUp) return { done: { messages, attributes, session: null, route } };
        return { run: question.onGiveUp };
      }
      const prompt = await renderText(question.prompt, turn.context());
      const reask = await renderText(ownReask(question.reask) ?? texts.reask, { ...turn.context(), prompt });
      messages.push(withChoices({ type: 'text', text: reask }, question));
      return { done: { messages, attributes, session: { ...input.session, attempts }, route } };
    }
    attributes[question.saveAs] = value;
    return { run: question.next };
  }
  const fallback = matchTrigger(flow, event, { includeFallback: true, chat });
  if (!fallback || fallback.oneToOneOnly) return { done: { messages, attributes, session: null, route: 'none' } };
  turn.route = 'fallback';
  turn.triggerParams = fallback.params;
  return { run: fallback.start };
}

import type { ChannelKind, ChatType } from '../domain/channelKinds';
import type { InboundEvent } from '../domain/inboundEvents';
import { nullRecord } from '../flow/reservedKeys';
import type { Block, Flow, Trigger } from '../flow/schema';

/**
 * Compare keywords the way customers type them: NFKC folds full-width letters and digits (ＨＯＴ → HOT)
 * and half-width katakana; then case and surrounding space are ignored.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

/**
 * `action=my_tickets&id=7` → `{action: 'my_tickets', id: '7'}`. The same syntax on LINE and Messenger.
 * Without a prototype: a customer's `constructor=1` or `__proto__=x` is a parameter like any other.
 */
export function parsePostbackData(data: string): Record<string, string> {
  const params = nullRecord<string>();
  for (const [name, value] of new URLSearchParams(data)) params[name] = value;
  return params;
}

/**
 * An event's parameters, `trigger.params` in templates: a postback's data parsed, beside what LINE adds
 * to it (a datetime picker's `date`, `time` or `datetime`; a rich menu switch's `newRichMenuAliasId`
 * and `status`). The data's own parameters win a clash, so `action` is always the data's.
 *
 * @example
 * eventParams({ type: 'postback', data: 'action=book', params: { date: '2026-12-24' } });
 * // { date: '2026-12-24', action: 'book' }
 */
export function eventParams(event: InboundEvent): Record<string, string> {
  if (event.type !== 'postback') return {};
  return Object.assign(nullRecord<string>(), event.params, parsePostbackData(event.data));
}

export interface TriggerMatch {
  trigger: Trigger;
  start: string;
  /** The event's parameters ({@link eventParams}), available to templates as `trigger.params`. */
  params: Record<string, string>;
  /**
   * The trigger answers in one-to-one chats only and was used in a group or room: the turn points the
   * group to a one-to-one chat instead of starting (personal data is never said in a group).
   */
  oneToOneOnly?: true;
}

export interface MatchOptions {
  includeFallback: boolean;
  /** The chat the event came from. @default 'user' */
  chat?: ChatType;
}

/** The chats a trigger answers in: its own `chats`, else its flow's, else one-to-one only. A follow is always one-to-one. */
export function chatsOf(flow: Flow, trigger: Trigger): readonly ChatType[] {
  if (trigger.type === 'follow') return ['user'];
  return trigger.chats ?? flow.chats ?? ['user'];
}

/**
 * The trigger an event starts, first match in the flow's order among the triggers that answer in the
 * event's chat; the fallback only for text (or a postback) that no other trigger took. In a group or
 * room, a trigger that matches but answers one-to-one only comes back marked `oneToOneOnly` when no
 * other trigger serves the event; a fallback that does not serve the chat is silent there (people talk
 * to each other in groups). Pure: the webhook and the executor both call it.
 */
export function matchTrigger(flow: Flow, event: InboundEvent, options: MatchOptions): TriggerMatch | undefined {
  const chat = options.chat ?? 'user';
  const params = eventParams(event);
  let oneToOneOnly: TriggerMatch | undefined;
  for (const trigger of flow.triggers) {
    if (!fires(trigger, event, params)) continue;
    const chats = chatsOf(flow, trigger);
    if (chats.includes(chat)) return { trigger, start: trigger.start, params };
    if (chat !== 'user' && chats.includes('user')) oneToOneOnly ??= { trigger, start: trigger.start, params, oneToOneOnly: true };
  }
  if (oneToOneOnly) return oneToOneOnly;
  if (options.includeFallback && (event.type === 'text' || event.type === 'postback')) {
    const fallback = flow.triggers.find((t) => t.type === 'fallback');
    if (fallback && chatsOf(flow, fallback).includes(chat)) return { trigger: fallback, start: fallback.start, params };
  }
  return undefined;
}

/** Whether a keyword, postback or follow trigger fires on this event (the fallback is chosen apart). */
function fires(trigger: Trigger, event: InboundEvent, params: Record<string, string>): boolean {
  switch (trigger.type) {
    case 'keyword': {
      if (event.type !== 'text') return false;
      const text = normalizeText(event.text);
      return trigger.keywords.some((keyword) => {
        const k = normalizeText(keyword);
        return trigger.match === 'exact' ? text === k : text.includes(k);
      });
    }
    case 'postback':
      return event.type === 'postback' && params.action === trigger.action;
    case 'follow':
      return event.type === 'follow';
    case 'fallback':
      return false;
  }
}

/** A flow version a channel runs, with its document (a stored flow version has this shape). */
export interface RunningFlow {
  flowId: string;
  version: number;
  flow: Flow;
}

/**
 * The flow of a channel's active set an event starts, and the trigger: the first flow, in the set's
 * order, with a trigger that matches and answers in the event's chat; then (in a group or room) one
 * whose matching trigger answers one-to-one only, marked `oneToOneOnly`; the fallback only when no
 * flow's other trigger matches. Publishing refuses two flows sharing a trigger, so the order only
 * decides between `contains` keywords that happen to meet in one message ("hot deal" with `hot` in one
 * flow and `deal` in another).
 */
export function matchActiveFlows<F extends RunningFlow>(
  flows: readonly F[],
  event: InboundEvent,
  options: MatchOptions,
): { flow: F; match: TriggerMatch } | undefined {
  let oneToOneOnly: { flow: F; match: TriggerMatch } | undefined;
  for (const flow of flows) {
    const match = matchTrigger(flow.flow, event, { includeFallback: false, chat: options.chat });
    if (match && !match.oneToOneOnly) return { flow, match };
    if (match) oneToOneOnly ??= { flow, match };
  }
  if (oneToOneOnly || !options.includeFallback) return oneToOneOnly;
  for (const flow of flows) {
    const match = matchTrigger(flow.flow, event, { includeFallback: true, chat: options.chat });
    if (match) return { flow, match };
  }
  return undefined;
}

/**
 * What a trigger answers, as matching sees it: `keyword:<keyword>` (normalized as customers' text is:
 * `ＨＯＴ ` and `hot` are one key), `postback:<action>`, `follow` or `fallback`. Two flows of one
 * channel may not share a key.
 */
export function triggerKeys(trigger: Trigger): string[] {
  switch (trigger.type) {
    case 'keyword':
      return [...new Set(trigger.keywords.map((keyword) => `keyword:${normalizeText(keyword)}`))];
    case 'postback':
      return [`postback:${trigger.action}`];
    case 'follow':
    case 'fallback':
      return [trigger.type];
  }
}

/** Whether any event could lead somewhere in this flow beyond its triggers: a question or an account link waiting, or a fallback. */
export function flowListensBeyondTriggers(flow: Flow): boolean {
  return (
    flow.triggers.some((t) => t.type === 'fallback') ||
    Object.values(flow.blocks).some((b) => b.type === 'question' || b.type === 'linkAccount')
  );
}

/** Whether a block is a linkAccount block that links accounts on this kind of channel (its `channels`, every channel when left out). */
export function linksOn(block: Block, kind: string): boolean {
  return block.type === 'linkAccount' && (block.channels === undefined || block.channels.includes(kind as ChannelKind));
}

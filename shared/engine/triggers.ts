import type { Flow, Trigger } from '../flow/schema';
import type { InboundEvent } from '../jobs/job';

/**
 * Compare keywords the way customers type them: NFKC folds full-width letters and digits (ＨＯＴ → HOT)
 * and half-width katakana; then case and surrounding space are ignored.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

/** `action=my_tickets&id=7` → `{action: 'my_tickets', id: '7'}`. The same syntax on LINE and Messenger. */
export function parsePostbackData(data: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(data)) params[name] = value;
  return params;
}

export interface TriggerMatch {
  trigger: Trigger;
  start: string;
  /** Postback parameters, available to templates as `trigger.params`. */
  params: Record<string, string>;
}

/**
 * The trigger an event starts, first match in the flow's order; the fallback only for text that no
 * other trigger took. Pure: the webhook and the executor both call it.
 */
export function matchTrigger(flow: Flow, event: InboundEvent, options: { includeFallback: boolean }): TriggerMatch | undefined {
  const params = event.type === 'postback' ? parsePostbackData(event.data) : {};
  for (const trigger of flow.triggers) {
    if (trigger.type === 'keyword' && event.type === 'text') {
      const text = normalizeText(event.text);
      const hit = trigger.keywords.some((keyword) => {
        const k = normalizeText(keyword);
        return trigger.match === 'exact' ? text === k : text.includes(k);
      });
      if (hit) return { trigger, start: trigger.start, params };
    }
    if (trigger.type === 'postback' && event.type === 'postback' && params.action === trigger.action) {
      return { trigger, start: trigger.start, params };
    }
    if (trigger.type === 'follow' && event.type === 'follow') return { trigger, start: trigger.start, params };
  }
  if (options.includeFallback && event.type !== 'follow') {
    const fallback = flow.triggers.find((t) => t.type === 'fallback');
    if (fallback) return { trigger: fallback, start: fallback.start, params };
  }
  return undefined;
}

/** A flow version a channel runs, with its document (a stored flow version has this shape). */
export interface RunningFlow {
  flowId: string;
  version: number;
  flow: Flow;
}

/**
 * The flow of a channel's active set an event starts, and the trigger: the first flow, in the set's
 * order, with a trigger that matches; the fallback only when no flow's other trigger does. Publishing
 * refuses two flows sharing a trigger, so the order only decides between `contains` keywords that
 * happen to meet in one message ("hot deal" with `hot` in one flow and `deal` in another).
 */
export function matchActiveFlows<F extends RunningFlow>(flows: readonly F[], event: InboundEvent, options: { includeFallback: boolean }): { flow: F; match: TriggerMatch } | undefined {
  for (const flow of flows) {
    const match = matchTrigger(flow.flow, event, { includeFallback: false });
    if (match) return { flow, match };
  }
  if (!options.includeFallback) return undefined;
  for (const flow of flows) {
    const match = matchTrigger(flow.flow, event, { includeFallback: true });
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

/** Whether any event could lead somewhere in this flow beyond its triggers: a question waiting or a fallback. */
export function flowListensBeyondTriggers(flow: Flow): boolean {
  return flow.triggers.some((t) => t.type === 'fallback') || Object.values(flow.blocks).some((b) => b.type === 'question');
}

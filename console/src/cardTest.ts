import type { DryRunResult } from './api';
import { attributesRead, isObject, type Tr } from './card';
import { byId, h } from './dom';

// "Test the card": sample attributes, POST /admin/dry-run, and what came of it: the request as sent
// (secrets masked by the API), the response as a tree, the outcome, and the follow-up as chat bubbles
// drawn from the LINE and Messenger renderings the API returns.

type Json = Record<string, unknown>;

export interface CardTestContext {
  flow: Json;
  cardId: string;
  tr: Tr;
  /** The dry run, or the text of why it could not run. */
  dryRun: (body: { flow: Json; blockId: string; attributes: Record<string, string> }) => Promise<DryRunResult | string>;
}

/** Sample attributes and the last result, per card, kept while the console is open. */
const samples = new Map<string, string[][]>();
const results = new Map<string, DryRunResult | string>();

export function renderCardTest(ctx: CardTestContext): HTMLElement {
  const { tr, cardId } = ctx;
  const card = isObject(ctx.flow.blocks) ? ctx.flow.blocks[cardId] : undefined;
  const rows = samples.get(cardId) ?? attributesRead(card).map((name) => [name, '']);
  samples.set(cardId, rows);
  const rebuild = (focusId: string) => {
    byId('card-test')?.replaceWith(renderCardTest(ctx));
    byId(focusId)?.focus();
  };
  const items = rows.map((row, i) => {
    const input = (part: 0 | 1, id: string, label: string) => {
      const element = h('input', { id, type: 'text', spellcheck: 'false', autocomplete: 'off', 'aria-label': label });
      element.value = row[part] ?? '';
      element.addEventListener('input', () => (row[part] = element.value));
      return element;
    };
    return h(
      'li',
      { class: 'header-row' },
      input(0, `attr-name-${i}`, tr('attrName', { n: i + 1 })),
      input(1, `attr-value-${i}`, tr('attrValue', { n: i + 1 })),
      h('button', { type: 'button', 'aria-label': tr('removeAttr', { n: i + 1 }), onclick: () => (rows.splice(i, 1), rebuild('attr-add')) }, '✕'),
    );
  });
  const button = h('button', { type: 'button', id: 'card-test-run', class: 'primary' }, tr('test'));
  const output = h('div', { id: 'test-result', 'aria-live': 'polite' });
  const previous = results.get(cardId);
  if (previous !== undefined) output.replaceChildren(...renderResult(previous, tr));
  button.addEventListener('click', () => {
    void (async () => {
      button.disabled = true;
      button.textContent = tr('testing');
      const attributes = Object.fromEntries(rows.filter(([name]) => name?.trim()).map(([name, value]) => [name?.trim() ?? '', value ?? '']));
      const result = await ctx.dryRun({ flow: ctx.flow, blockId: cardId, attributes });
      results.set(cardId, result);
      button.disabled = false;
      button.textContent = tr('test');
      byId('test-result')?.replaceChildren(...renderResult(result, tr));
    })();
  });
  return h(
    'section',
    { id: 'card-test', class: 'card-test', 'aria-labelledby': 'card-test-heading' },
    h('h2', { id: 'card-test-heading' }, tr('testHeading')),
    h('p', { class: 'hint' }, tr('sampleHint')),
    items.length > 0 && h('ul', { class: 'rows' }, ...items),
    h('p', { class: 'toolbar' }, h('button', { type: 'button', id: 'attr-add', onclick: () => (rows.push(['', '']), rebuild(`attr-name-${rows.length - 1}`)) }, tr('addAttr')), button),
    output,
  );
}

function renderResult(result: DryRunResult | string, tr: Tr): Node[] {
  if (typeof result === 'string') return [h('p', { id: 'test-outcome', class: 'error', role: 'alert' }, result)];
  const { outcome, request, response, followUp } = result;
  const outcomeText = outcome.ok ? tr('outcomeOk', { attempts: outcome.attempts }) : tr('outcomeFailed', { attempts: outcome.attempts, reason: outcome.reason ?? '' });
  const requestText = request
    ? [`${request.method} ${request.url}`, ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`), ...(request.body !== undefined ? ['', request.body] : [])].join('\n')
    : tr('noRequest');
  const nodes: Array<Node | false> = [
    h('p', { id: 'test-outcome', class: outcome.ok ? 'ok' : 'error' }, outcomeText),
    h('details', { open: true }, h('summary', {}, tr('request')), h('pre', { id: 'test-request' }, requestText)),
    h(
      'details',
      { open: true },
      h('summary', {}, response ? `${tr('response')} · ${tr('status', { status: response.status })}` : tr('response')),
      response ? h('div', { id: 'test-response', class: 'tree' }, tree(response.body, 0)) : h('p', {}, tr('noResponse')),
    ),
    h('h3', {}, tr('followUpMessages')),
    followUp.stoppedBefore !== undefined && h('p', { class: 'hint' }, tr('stoppedBefore', { id: followUp.stoppedBefore })),
    followUp.waitingOn !== undefined && h('p', { class: 'hint' }, tr('waitingOn', { id: followUp.waitingOn })),
    h(
      'div',
      { class: 'previews' },
      preview('line-preview', 'line', tr('linePreview'), followUp.line.filter(isObject).map(fromLine), tr),
      preview('messenger-preview', 'messenger', tr('messengerPreview'), followUp.messenger.filter(isObject).map(fromMessenger), tr),
    ),
  ];
  return nodes.filter((node): node is Node => node !== false);
}

/** A JSON value as nested, collapsible lists. */
function tree(value: unknown, depth: number, key?: string): HTMLElement {
  const label = key !== undefined ? h('code', {}, key) : undefined;
  if (typeof value === 'object' && value !== null) {
    const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
    const summary = h('summary', {}, ...(label ? [label, ' '] : []), Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`);
    return h('details', { open: depth < 2 }, summary, h('ul', {}, ...entries.map(([k, v]) => h('li', {}, tree(v, depth + 1, k)))));
  }
  return h('span', {}, ...(label ? [label, ': '] : []), h('span', { class: `leaf ${typeof value}` }, JSON.stringify(value) ?? String(value)));
}

interface CardView {
  image?: string;
  title?: string;
  lines: string[];
  buttons: string[];
}
interface Bubble {
  text?: string;
  image?: string;
  cards?: CardView[];
  chips: string[];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** A LINE message: text, image, or a Flex bubble / carousel (hero image, body texts, footer buttons). */
function fromLine(message: Json): Bubble {
  const quick = isObject(message.quickReply) ? list(message.quickReply.items) : [];
  const chips = quick.map((item) => (isObject(item.action) ? (str(item.action.label) ?? '') : ''));
  if (message.type === 'text') return { text: str(message.text) ?? '', chips };
  if (message.type === 'image') return { image: str(message.originalContentUrl), chips };
  if (message.type === 'flex' && isObject(message.contents)) {
    const contents = message.contents;
    const bubbles = contents.type === 'carousel' ? list(contents.contents) : [contents];
    return { cards: bubbles.map(lineCard), chips };
  }
  return { text: `[${String(message.type)}] ${str(message.altText) ?? ''}`, chips };
}

function lineCard(bubble: Json): CardView {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (!isObject(node)) return;
    if (node.type === 'text' && typeof node.text === 'string') texts.push(node.text);
    list(node.contents).forEach(walk);
  };
  walk(bubble.body);
  const buttons = isObject(bubble.footer) ? list(bubble.footer.contents).map((b) => (isObject(b.action) ? (str(b.action.label) ?? '') : '')) : [];
  return { image: isObject(bubble.hero) ? str(bubble.hero.url) : undefined, title: texts[0], lines: texts.slice(1), buttons };
}

/** A Messenger message: text, image, a generic template (cards) or a button template. */
function fromMessenger(message: Json): Bubble {
  const chips = list(message.quick_replies).map((q) => str(q.title) ?? '');
  if (typeof message.text === 'string') return { text: message.text, chips };
  const attachment = isObject(message.attachment) ? message.attachment : {};
  const payload = isObject(attachment.payload) ? attachment.payload : {};
  if (attachment.type === 'image') return { image: str(payload.url), chips };
  const titles = (buttons: unknown) => list(buttons).map((b) => str(b.title) ?? '');
  if (payload.template_type === 'generic') {
    const cards = list(payload.elements).map((e) => ({ image: str(e.image_url), title: str(e.title), lines: str(e.subtitle) !== undefined ? [String(e.subtitle)] : [], buttons: titles(e.buttons) }));
    return { cards, chips };
  }
  if (payload.template_type === 'button') return { cards: [{ lines: [str(payload.text) ?? ''], buttons: titles(payload.buttons) }], chips };
  return { text: '[?]', chips };
}

/**
 * Bubbles in a phone-like column. Images are not loaded (the console's CSP allows only its own): a
 * placeholder names the address instead.
 */
function preview(id: string, kind: string, title: string, bubbles: Bubble[], tr: Tr): HTMLElement {
  const image = (url: string | undefined) => url !== undefined && h('div', { class: 'msg-image', role: 'img', 'aria-label': tr('image', { url }), title: url }, hostOf(url));
  const body = bubbles.map((bubble) =>
    h(
      'div',
      { class: 'msg' },
      bubble.text !== undefined && h('p', { class: 'msg-text' }, bubble.text),
      image(bubble.image),
      bubble.cards &&
        h(
          'ul',
          { class: 'msg-cards' },
          ...bubble.cards.map((card) =>
            h(
              'li',
              { class: 'msg-card' },
              image(card.image),
              card.title !== undefined && h('strong', {}, card.title),
              ...card.lines.map((line) => h('span', {}, line)),
              ...card.buttons.map((label) => h('span', { class: 'msg-button' }, label)),
            ),
          ),
        ),
      bubble.chips.length > 0 && h('ul', { class: 'chips' }, ...bubble.chips.map((chip) => h('li', {}, chip))),
    ),
  );
  return h('section', { id, class: `preview ${kind}`, 'aria-label': title }, h('h4', {}, title), ...(body.length ? body : [h('p', { class: 'hint' }, tr('noMessages'))]));
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

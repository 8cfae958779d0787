import { h } from './dom';
import { isObject, type Json } from './json';

// Channel payloads (LINE messages, Messenger Send API messages) drawn as a chat draws them: text
// bubbles, images, carousels of cards with buttons, quick-reply chips. With `onAction`, buttons and
// chips can be tapped (the chat simulator); without it they are only shown (a card's test).

/** What tapping a button or a chip does, as the channel would report it back. */
export type Action = { label: string } & (
  | { kind: 'postback'; data: string; params?: Record<string, string> }
  | { kind: 'message'; text: string }
  /** Messenger: a quick reply's or postback button's payload (the API reads it as the webhook does). */
  | { kind: 'payload'; payload: string }
  | { kind: 'uri'; uri: string }
  | { kind: 'other' }
);

export interface CardView {
  image?: string;
  title?: string;
  lines: string[];
  buttons: Action[];
}

export interface Bubble {
  text?: string;
  image?: string;
  cards?: CardView[];
  chips: Action[];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** A LINE action object (postback, message, uri, datetime picker). */
function lineAction(action: unknown): Action {
  if (!isObject(action)) return { label: '', kind: 'other' };
  const label = str(action.label) ?? '';
  if (action.type === 'postback' && typeof action.data === 'string') return { label, kind: 'postback', data: action.data };
  if (action.type === 'datetimepicker' && typeof action.data === 'string') {
    // The simulator answers a picker with today's date (or now), as LINE would with the customer's choice.
    const now = new Date().toISOString();
    const mode = str(action.mode) ?? 'datetime';
    return {
      label,
      kind: 'postback',
      data: action.data,
      params: { [mode]: mode === 'date' ? now.slice(0, 10) : mode === 'time' ? now.slice(11, 16) : now.slice(0, 16) },
    };
  }
  if (action.type === 'message' && typeof action.text === 'string') return { label, kind: 'message', text: action.text };
  if (action.type === 'uri' && typeof action.uri === 'string') return { label, kind: 'uri', uri: action.uri };
  return { label, kind: 'other' };
}

/** A LINE message: text, image, or a Flex bubble / carousel (hero image, body texts, footer buttons). */
export function fromLine(message: unknown): Bubble {
  if (!isObject(message)) return { text: '[?]', chips: [] };
  const chips = isObject(message.quickReply) ? list(message.quickReply.items).map((item) => lineAction(item.action)) : [];
  if (message.type === 'text') return { text: str(message.text) ?? '', chips };
  if (message.type === 'image') return { image: str(message.originalContentUrl), chips };
  if (message.type === 'flex' && isObject(message.contents)) {
    const contents = message.contents;
    const bubbles = contents.type === 'carousel' ? list(contents.contents) : [contents];
    return { cards: bubbles.map(lineCard), chips };
  }
  if (message.type === 'template' && isObject(message.template)) {
    const template = message.template;
    const columns = template.type === 'carousel' ? list(template.columns) : [template];
    return {
      cards: columns.map((c) => ({
        image: str(c.thumbnailImageUrl),
        title: str(c.title),
        lines: str(c.text) !== undefined ? [String(c.text)] : [],
        buttons: list(c.actions).map(lineAction),
      })),
      chips,
    };
  }
  return { text: `[${String(message.type)}] ${str(message.altText) ?? ''}`, chips };
}

function lineCard(bubble: Json): CardView {
  const texts: string[] = [];
  const buttons: Action[] = [];
  const walk = (node: unknown): void => {
    if (!isObject(node)) return;
    if (node.type === 'text' && typeof node.text === 'string') texts.push(node.text);
    if (node.type === 'button') buttons.push(lineAction(node.action));
    list(node.contents).forEach(walk);
  };
  walk(bubble.body);
  walk(bubble.footer);
  return { image: isObject(bubble.hero) ? str(bubble.hero.url) : undefined, title: texts[0], lines: texts.slice(1), buttons };
}

/** A Messenger button (postback or web_url). */
function messengerButton(button: Json): Action {
  const label = str(button.title) ?? '';
  if (button.type === 'postback' && typeof button.payload === 'string') return { label, kind: 'payload', payload: button.payload };
  if (button.type === 'web_url' && typeof button.url === 'string') return { label, kind: 'uri', uri: button.url };
  return { label, kind: 'other' };
}

/** A Messenger message: text, image, a generic template (cards) or a button template; quick replies. */
export function fromMessenger(message: unknown): Bubble {
  if (!isObject(message)) return { text: '[?]', chips: [] };
  const chips = list(message.quick_replies).map((q): Action =>
    typeof q.payload === 'string'
      ? { label: str(q.title) ?? '', kind: 'payload', payload: q.payload }
      : { label: str(q.title) ?? '', kind: 'other' },
  );
  if (typeof message.text === 'string') return { text: message.text, chips };
  const attachment = isObject(message.attachment) ? message.attachment : {};
  const payload = isObject(attachment.payload) ? attachment.payload : {};
  if (attachment.type === 'image') return { image: str(payload.url), chips };
  if (payload.template_type === 'generic') {
    const cards = list(payload.elements).map((e) => ({
      image: str(e.image_url),
      title: str(e.title),
      lines: str(e.subtitle) !== undefined ? [String(e.subtitle)] : [],
      buttons: list(e.buttons).map(messengerButton),
    }));
    return { cards, chips };
  }
  if (payload.template_type === 'button')
    return { cards: [{ lines: [str(payload.text) ?? ''], buttons: list(payload.buttons).map(messengerButton) }], chips };
  return { text: '[?]', chips };
}

export interface BubbleOptions {
  /** The accessible name of an image placeholder (images are not loaded: the console's CSP allows only its own). */
  imageLabel(url: string): string;
  /** Makes buttons and chips tappable. */
  onAction?: (action: Action) => void;
}

/** Bubbles as a chat shows them. */
export function renderBubbles(bubbles: Bubble[], options: BubbleOptions): HTMLElement[] {
  const image = (url: string | undefined) =>
    url !== undefined && h('div', { class: 'msg-image', role: 'img', 'aria-label': options.imageLabel(url), title: url }, hostOf(url));
  const control = (action: Action, cls: string) =>
    options.onAction && (action.kind === 'postback' || action.kind === 'message' || action.kind === 'payload')
      ? h('button', { type: 'button', class: cls, onclick: () => options.onAction?.(action) }, action.label)
      : h('span', { class: cls }, action.label);
  return bubbles.map((bubble) =>
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
              ...card.buttons.map((action) => control(action, 'msg-button')),
            ),
          ),
        ),
      bubble.chips.length > 0 && h('ul', { class: 'chips' }, ...bubble.chips.map((chip) => h('li', {}, control(chip, 'chip')))),
    ),
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

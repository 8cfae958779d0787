import type { AccountLinkMessage, Button, Card, ResolvedMessage } from '../../messages/message';
import { ELLIPSIS, fitUrl, hasText, splitText, truncate, truncateData } from '../fit';

/**
 * Instagram messaging limits (docs/INSTAGRAM.md F17–F20), counted in UTF-16 code units, which is never
 * less than the characters Meta counts. Where Instagram's own number is not confirmed, Messenger's is
 * used (payload 1,000; button template text 640; button title 20).
 */
export const INSTAGRAM_LIMITS = {
  /** "less than 1000 characters" (F17). */
  text: 999,
  /** "1000 bytes or less" (F17): a text is fitted to both. */
  textBytes: 1000,
  quickReplies: 13,
  quickReplyTitle: 20,
  payload: 1000,
  buttonTitle: 20,
  buttonTemplateText: 640,
  templateButtons: 3,
  genericElements: 10,
  elementTitle: 80,
  elementSubtitle: 80,
} as const;

/** Meta documents no URL length limit; only the scheme is checked. */
const URL_PROTOCOLS = ['http:', 'https:'];
const URL_MAX = Number.POSITIVE_INFINITY;

/** A text quick reply: tapping it posts `title` as the customer's message and sends `payload` to the webhook. */
export type InstagramQuickReply = { content_type: 'text'; title: string; payload: string };
/** Sends a `messaging_postbacks` event with `payload`. */
export type InstagramPostbackButton = { type: 'postback'; title: string; payload: string };
/** Opens `url` in Instagram's in-app browser. */
export type InstagramUrlButton = { type: 'web_url'; title: string; url: string };
/** The only two button types Instagram templates take (F19, F20). */
export type InstagramButton = InstagramPostbackButton | InstagramUrlButton;

/** Text with 1–3 buttons (F20). */
export type InstagramButtonTemplate = { template_type: 'button'; text: string; buttons: InstagramButton[] };
/** One card of a generic template; Meta requires at least one field besides `title`. */
export type InstagramGenericElement = { title: string; subtitle?: string; image_url?: string; buttons?: InstagramButton[] };
/** A card, or a horizontally scrolling carousel of up to 10 cards (F19). */
export type InstagramGenericTemplate = { template_type: 'generic'; elements: InstagramGenericElement[] };

export type InstagramTextMessage = { text: string; quick_replies?: InstagramQuickReply[] };
export type InstagramImageMessage = { attachment: { type: 'image'; payload: { url: string } } };
export type InstagramTemplateMessage = {
  attachment: { type: 'template'; payload: InstagramButtonTemplate | InstagramGenericTemplate };
  quick_replies?: InstagramQuickReply[];
};

/** One Send API `message` object (what goes under `message` in POST /{ig-id}/messages). */
export type InstagramMessage = (InstagramTextMessage | InstagramImageMessage | InstagramTemplateMessage) & {
  /** Callcard's delivery receipt, as on Messenger; whether Instagram echoes it back is not confirmed (F4). */
  metadata?: string;
};

type ButtonsMessage = Extract<ResolvedMessage, { type: 'buttons' }>;
type CarouselMessage = Extract<ResolvedMessage, { type: 'carousel' }>;

/**
 * Renders channel-neutral messages as Instagram Send API `message` objects (one request each), fitted
 * to Instagram's limits. The shapes are Messenger's; what differs is what Instagram takes:
 *
 * - `text`: split into parts of at most 999 characters and 1,000 UTF-8 bytes (at line breaks, then
 *   spaces); quick replies on the last part: postback buttons (payload = data) and message buttons
 *   (payload = their text), never URL buttons; at most 13, titles ≤ 20.
 * - `image`: an image attachment (dropped when its URL is not http(s)).
 * - `buttons`: a button template, text ≤ 640, at most 3 `postback` / `web_url` buttons; an `imageUrl`
 *   is sent as an image just before it; with no usable button, plain text.
 * - `carousel`: a generic template of at most 10 elements (title and subtitle ≤ 80, ≤ 3 buttons).
 * - `accountLink`: Instagram has no Log In button, so a button template with one `web_url` button
 *   labelled as the block says (the brand's page finishes the link; Meta sends no linking event).
 *
 * @example
 * renderInstagramMessages([{ type: 'text', text: 'Pick one', quickReplies: [
 *   { type: 'postback', label: 'Red', data: 'action=color&value=red' }] }]);
 * // [{ text: 'Pick one', quick_replies: [{ content_type: 'text', title: 'Red', payload: 'action=color&value=red' }] }]
 */
export function renderInstagramMessages(messages: ResolvedMessage[]): InstagramMessage[] {
  return messages.flatMap((message): InstagramMessage[] => {
    switch (message.type) {
      case 'text':
        return renderText(message.text, message.quickReplies);
      case 'image': {
        const image = renderImage(message.url);
        return image ? [image] : [];
      }
      case 'buttons':
        return renderButtonTemplate(message);
      case 'carousel':
        return renderGenericTemplate(message);
      case 'accountLink':
        return renderAccountLink(message);
    }
  });
}

/**
 * Splits text into parts Instagram takes: at most {@link INSTAGRAM_LIMITS.text} UTF-16 units and
 * {@link INSTAGRAM_LIMITS.textBytes} UTF-8 bytes (CJK text reaches the byte limit at a third of the
 * characters). A part over the byte limit is split again, shorter, until every part fits.
 */
export function splitInstagramText(text: string): string[] {
  const fitBytes = (part: string): string[] => {
    const bytes = Buffer.byteLength(part, 'utf8');
    if (bytes <= INSTAGRAM_LIMITS.textBytes) return [part];
    const shorter = Math.max(2, Math.min(part.length - 1, Math.floor((part.length * INSTAGRAM_LIMITS.textBytes) / bytes)));
    return splitText(part, shorter).flatMap(fitBytes);
  };
  return splitText(text, INSTAGRAM_LIMITS.text).flatMap(fitBytes);
}

function renderText(text: string, quickReplies?: Button[]): InstagramTextMessage[] {
  const parts: InstagramTextMessage[] = splitInstagramText(text).map((part) => ({ text: part }));
  const replies = (quickReplies ?? [])
    .flatMap((button) => {
      const reply = renderQuickReply(button);
      return reply ? [reply] : [];
    })
    .slice(0, INSTAGRAM_LIMITS.quickReplies);
  // Quick replies show under the latest message: they go on the last part of a split text.
  const last = parts.at(-1);
  if (last && replies.length > 0) last.quick_replies = replies;
  return parts;
}

function renderImage(url: string | undefined): InstagramImageMessage | undefined {
  const fitted = fitUrl(url, URL_PROTOCOLS, URL_MAX);
  return fitted === undefined ? undefined : { attachment: { type: 'image', payload: { url: fitted } } };
}

function buttonTemplate(text: string, buttons: InstagramButton[]): InstagramMessage {
  const payload: InstagramButtonTemplate = {
    template_type: 'button',
    text: hasText(text) ? truncate(text, INSTAGRAM_LIMITS.buttonTemplateText) : ELLIPSIS,
    buttons,
  };
  return { attachment: { type: 'template', payload } };
}

function renderButtonTemplate(message: ButtonsMessage): InstagramMessage[] {
  const image = renderImage(message.imageUrl);
  const before: InstagramMessage[] = image ? [image] : [];
  const text = [message.title, message.text].filter(hasText).join('\n');
  const buttons = renderButtons(message.buttons);
  if (buttons.length === 0) return [...before, ...renderText(text)];
  return [...before, buttonTemplate(text, buttons)];
}

function renderAccountLink(message: AccountLinkMessage): InstagramMessage[] {
  const url = fitUrl(message.url, URL_PROTOCOLS, URL_MAX);
  if (url === undefined || !hasText(message.label)) return renderText(message.text);
  return [buttonTemplate(message.text, [{ type: 'web_url', title: truncate(message.label, INSTAGRAM_LIMITS.buttonTitle), url }])];
}

function renderGenericTemplate(message: CarouselMessage): InstagramMessage[] {
  const cards = message.cards.slice(0, INSTAGRAM_LIMITS.genericElements);
  if (cards.length === 0) return [];
  const elements = cards.map(renderElement);
  const titleOnly = (element: InstagramGenericElement): boolean =>
    element.subtitle === undefined && element.image_url === undefined && element.buttons === undefined;
  // Meta rejects an element that has nothing but a title: titles alone read better as text; a lone
  // title-only card among richer ones repeats its title as subtitle.
  if (elements.every(titleOnly))
    return renderText(
      cards
        .map((card) => card.title)
        .filter(hasText)
        .join('\n'),
    );
  const payload: InstagramGenericTemplate = {
    template_type: 'generic',
    elements: elements.map((element) => (titleOnly(element) ? { ...element, subtitle: element.title } : element)),
  };
  return [{ attachment: { type: 'template', payload } }];
}

function renderElement(card: Card): InstagramGenericElement {
  const [title, subtitle] = hasText(card.title) ? [card.title, card.subtitle] : [card.subtitle, undefined];
  const element: InstagramGenericElement = {
    title: title !== undefined && hasText(title) ? truncate(title, INSTAGRAM_LIMITS.elementTitle) : ELLIPSIS,
  };
  if (subtitle !== undefined && hasText(subtitle)) element.subtitle = truncate(subtitle, INSTAGRAM_LIMITS.elementSubtitle);
  const imageUrl = fitUrl(card.imageUrl, URL_PROTOCOLS, URL_MAX);
  if (imageUrl !== undefined) element.image_url = imageUrl;
  const buttons = renderButtons(card.buttons);
  if (buttons.length > 0) element.buttons = buttons;
  return element;
}

/** Template buttons Instagram takes, at most 3. */
function renderButtons(buttons: Button[]): InstagramButton[] {
  return buttons
    .flatMap((button) => {
      const rendered = renderButton(button);
      return rendered ? [rendered] : [];
    })
    .slice(0, INSTAGRAM_LIMITS.templateButtons);
}

function renderButton(button: Button): InstagramButton | undefined {
  if (!hasText(button.label)) return undefined;
  const title = truncate(button.label, INSTAGRAM_LIMITS.buttonTitle);
  if (button.type === 'url') {
    const url = fitUrl(button.url, URL_PROTOCOLS, URL_MAX);
    return url === undefined ? undefined : { type: 'web_url', title, url };
  }
  const payload = postbackPayload(button);
  return payload === undefined ? undefined : { type: 'postback', title, payload };
}

function renderQuickReply(button: Button): InstagramQuickReply | undefined {
  if (button.type === 'url' || !hasText(button.label)) return undefined;
  const payload = postbackPayload(button);
  return payload === undefined
    ? undefined
    : { content_type: 'text', title: truncate(button.label, INSTAGRAM_LIMITS.quickReplyTitle), payload };
}

/** What the webhook receives for a postback or message button (a message button's text: see messenger/payload.ts). */
function postbackPayload(button: Exclude<Button, { type: 'url' }>): string | undefined {
  const payload = button.type === 'postback' ? button.data : button.text;
  return hasText(payload) ? truncateData(payload, INSTAGRAM_LIMITS.payload) : undefined;
}

import type { AccountLinkMessage, Button, Card, ResolvedMessage } from '../../messages/message';
import { ELLIPSIS, fitUrl, hasText, splitText, truncate, truncateData } from '../fit';

/**
 * Messenger Platform limits (https://developers.facebook.com/docs/messenger-platform/), counted
 * here in UTF-16 code units, which is never less than the characters Meta counts.
 */
export const MESSENGER_LIMITS: MetaLimits = {
  text: 2000,
  quickReplies: 13,
  quickReplyTitle: 20,
  /** Quick reply and postback button payloads. */
  payload: 1000,
  buttonTitle: 20,
  buttonTemplateText: 640,
  templateButtons: 3,
  genericElements: 10,
  elementTitle: 80,
  elementSubtitle: 80,
};

/** What a Meta Send API channel (Messenger, Instagram) takes, in UTF-16 code units or counts. */
export type MetaLimits = {
  text: number;
  quickReplies: number;
  quickReplyTitle: number;
  /** Quick reply and postback button payloads. */
  payload: number;
  buttonTitle: number;
  buttonTemplateText: number;
  templateButtons: number;
  genericElements: number;
  elementTitle: number;
  elementSubtitle: number;
};

/**
 * Where a channel on Meta's Send API differs from Messenger: its limits, how a text is split, and the
 * button a linkAccount block gets. Instagram's is in instagram/renderInstagramMessages.ts; the rest of
 * the rendering is this module's, for both.
 */
export interface MetaDialect {
  limits: MetaLimits;
  splitText(text: string): string[];
  /** The button of a linkAccount block's message (its URL fitted), or `undefined` to send its text alone. */
  accountLinkButton(message: AccountLinkMessage, url: string): MessengerButton | undefined;
}

/** Meta documents no URL length limit; only the scheme is checked. */
const URL_PROTOCOLS = ['http:', 'https:'];
const URL_MAX = Number.POSITIVE_INFINITY;

/** A text quick reply: tapping it posts `title` as the customer's message and sends `payload` to the webhook. */
export type MessengerQuickReply = { content_type: 'text'; title: string; payload: string };

/** Sends a `messaging_postbacks` event with `payload` to the webhook. */
export type MessengerPostbackButton = { type: 'postback'; title: string; payload: string };
/** Opens `url` in the Messenger webview or browser. */
export type MessengerUrlButton = { type: 'web_url'; title: string; url: string };
/** Log In: opens the brand's login page for account linking (Messenger names the button itself). */
export type MessengerAccountLinkButton = { type: 'account_link'; url: string };
export type MessengerButton = MessengerPostbackButton | MessengerUrlButton | MessengerAccountLinkButton;

/** Text (≤ 640 characters) with 1–3 buttons. */
export type MessengerButtonTemplate = { template_type: 'button'; text: string; buttons: MessengerButton[] };

/** One card of a generic template; Meta requires at least one field besides `title`. */
export type MessengerGenericElement = {
  title: string;
  subtitle?: string;
  image_url?: string;
  buttons?: MessengerButton[];
};
/** A card, or a horizontally scrolling carousel of up to 10 cards. */
export type MessengerGenericTemplate = { template_type: 'generic'; elements: MessengerGenericElement[] };

export type MessengerTextMessage = { text: string; quick_replies?: MessengerQuickReply[] };
export type MessengerImageMessage = {
  attachment: { type: 'image'; payload: { url: string; is_reusable?: boolean } };
};
export type MessengerTemplateMessage = {
  attachment: { type: 'template'; payload: MessengerButtonTemplate | MessengerGenericTemplate };
  quick_replies?: MessengerQuickReply[];
};

/** One Send API `message` object (what goes under `message` in POST /{PAGE_ID}/messages). */
export type MessengerMessage = (MessengerTextMessage | MessengerImageMessage | MessengerTemplateMessage) & {
  /** Returned in Meta's echo of the message: callcard's delivery receipt (echoReceipt.ts). */
  metadata?: string;
};

type ButtonsMessage = Extract<ResolvedMessage, { type: 'buttons' }>;
type CarouselMessage = Extract<ResolvedMessage, { type: 'carousel' }>;

/**
 * Renders channel-neutral messages as Messenger Send API `message` objects (one request each),
 * fitted to Messenger's limits so that the Send API never rejects them for their content:
 *
 * - `text` becomes a text message, or several when it is over 2,000 characters (split at line
 *   breaks, then spaces); its quick replies go on the last part. Quick replies come from postback
 *   buttons (payload = data) and message buttons (payload = their text); URL buttons cannot be
 *   quick replies and are dropped; at most 13, titles ≤ 20 characters.
 * - `image` becomes an image attachment (dropped when its URL is not http(s)).
 * - `buttons` becomes a button template: the title, when set, is the first line of the text (≤ 640
 *   characters); at most 3 buttons. Button templates have no image, so an `imageUrl` is sent as an
 *   image message just before it. With no usable button left it is sent as plain text instead.
 * - `carousel` becomes a generic template of at most 10 elements (title and subtitle ≤ 80
 *   characters, ≤ 3 buttons each); `altText` has no Messenger equivalent.
 * - `accountLink` (a linkAccount block's) becomes a button template with a Log In (`account_link`) button.
 * - Buttons: postback → postback; message → postback whose payload is the text (Messenger has no
 *   "send this text" button); url → web_url. Titles ≤ 20 characters, payloads ≤ 1,000.
 *
 * @example
 * renderMessengerMessages([{ type: 'buttons', title: 'Order 42', text: 'Shipped today', buttons: [
 *   { type: 'postback', label: 'Track', data: 'action=track&id=42' }] }]);
 * // [{ attachment: { type: 'template', payload: { template_type: 'button', text: 'Order 42\nShipped today',
 * //    buttons: [{ type: 'postback', title: 'Track', payload: 'action=track&id=42' }] } } }]
 */
export function renderMessengerMessages(messages: ResolvedMessage[]): MessengerMessage[] {
  return renderMetaMessages(messages, MESSENGER);
}

/**
 * Messenger: texts split at 2,000 characters; a linkAccount block's button is Log In (`account_link`).
 * Meta requires an https URL for it (validation says so); http is let through for the local stack's
 * stand-ins, as for any button.
 */
const MESSENGER: MetaDialect = {
  limits: MESSENGER_LIMITS,
  splitText: (text) => splitText(text, MESSENGER_LIMITS.text),
  accountLinkButton: (_message, url) => ({ type: 'account_link', url }),
};

/** Renders channel-neutral messages for a channel on Meta's Send API (see {@link renderMessengerMessages}). */
export function renderMetaMessages(messages: ResolvedMessage[], dialect: MetaDialect): MessengerMessage[] {
  return messages.flatMap((message): MessengerMessage[] => {
    switch (message.type) {
      case 'text':
        return renderText(dialect, message.text, message.quickReplies);
      case 'image': {
        const image = renderImage(message.url);
        return image ? [image] : [];
      }
      case 'buttons':
        return renderButtonTemplate(dialect, message);
      case 'carousel':
        return renderGenericTemplate(dialect, message);
      case 'accountLink':
        return renderAccountLink(dialect, message);
    }
  });
}

function renderText(dialect: MetaDialect, text: string, quickReplies?: Button[]): MessengerTextMessage[] {
  const parts: MessengerTextMessage[] = dialect.splitText(text).map((part) => ({ text: part }));
  const replies = (quickReplies ?? [])
    .flatMap((button) => {
      const reply = renderQuickReply(dialect.limits, button);
      return reply ? [reply] : [];
    })
    .slice(0, dialect.limits.quickReplies);
  const last = parts.at(-1);
  // Quick replies show under the latest message, so they belong on the last part of a split text.
  // A blank text is not sent at all (Messenger rejects it), and its quick replies with it.
  if (last && replies.length > 0) last.quick_replies = replies;
  return parts;
}

function renderImage(url: string | undefined): MessengerImageMessage | undefined {
  const fitted = fitUrl(url, URL_PROTOCOLS, URL_MAX);
  return fitted === undefined ? undefined : { attachment: { type: 'image', payload: { url: fitted } } };
}

function renderButtonTemplate(dialect: MetaDialect, message: ButtonsMessage): MessengerMessage[] {
  const image = renderImage(message.imageUrl);
  const before: MessengerMessage[] = image ? [image] : [];
  const text = [message.title, message.text].filter(hasText).join('\n');
  const buttons = renderButtons(dialect.limits, message.buttons);
  if (buttons.length === 0) return [...before, ...renderText(dialect, text)];
  return [...before, buttonTemplate(dialect.limits, text, buttons)];
}

function buttonTemplate(limits: MetaLimits, text: string, buttons: MessengerButton[]): MessengerTemplateMessage {
  const payload: MessengerButtonTemplate = {
    template_type: 'button',
    // The text is required and must not be blank.
    text: hasText(text) ? truncate(text, limits.buttonTemplateText) : ELLIPSIS,
    buttons,
  };
  return { attachment: { type: 'template', payload } };
}

/** A linkAccount block's message: its text above the dialect's button, in a button template. */
function renderAccountLink(dialect: MetaDialect, message: AccountLinkMessage): MessengerMessage[] {
  const url = fitUrl(message.url, URL_PROTOCOLS, URL_MAX);
  const button = url === undefined ? undefined : dialect.accountLinkButton(message, url);
  if (button === undefined) return renderText(dialect, message.text);
  return [buttonTemplate(dialect.limits, message.text, [button])];
}

function renderGenericTemplate(dialect: MetaDialect, message: CarouselMessage): MessengerMessage[] {
  const cards = message.cards.slice(0, dialect.limits.genericElements);
  if (cards.length === 0) return [];
  const elements = cards.map((card) => renderElement(dialect.limits, card));
  const titleOnly = (element: MessengerGenericElement): boolean =>
    element.subtitle === undefined && element.image_url === undefined && element.buttons === undefined;
  // Meta rejects an element that has nothing but a title. When no card has more, a list of titles
  // reads better as text than as a carousel of empty cards; otherwise the lone title is repeated as
  // subtitle so that the other cards can still be sent as a carousel.
  if (elements.every(titleOnly))
    return renderText(
      dialect,
      cards
        .map((card) => card.title)
        .filter(hasText)
        .join('\n'),
    );
  const payload: MessengerGenericTemplate = {
    template_type: 'generic',
    elements: elements.map((element) => (titleOnly(element) ? { ...element, subtitle: element.title } : element)),
  };
  return [{ attachment: { type: 'template', payload } }];
}

function renderElement(limits: MetaLimits, card: Card): MessengerGenericElement {
  // The title is required: a card whose title rendered blank shows its subtitle as the title.
  const [title, subtitle] = hasText(card.title) ? [card.title, card.subtitle] : [card.subtitle, undefined];
  const element: MessengerGenericElement = {
    title: title !== undefined && hasText(title) ? truncate(title, limits.elementTitle) : ELLIPSIS,
  };
  if (subtitle !== undefined && hasText(subtitle)) element.subtitle = truncate(subtitle, limits.elementSubtitle);
  const imageUrl = fitUrl(card.imageUrl, URL_PROTOCOLS, URL_MAX);
  if (imageUrl !== undefined) element.image_url = imageUrl;
  const buttons = renderButtons(limits, card.buttons);
  if (buttons.length > 0) element.buttons = buttons;
  return element;
}

/** Renders template buttons, dropping those Meta would reject, then keeping at most 3. */
function renderButtons(limits: MetaLimits, buttons: Button[]): MessengerButton[] {
  return buttons
    .flatMap((button) => {
      const rendered = renderButton(limits, button);
      return rendered ? [rendered] : [];
    })
    .slice(0, limits.templateButtons);
}

function renderButton(limits: MetaLimits, button: Button): MessengerButton | undefined {
  if (!hasText(button.label)) return undefined;
  const title = truncate(button.label, limits.buttonTitle);
  if (button.type === 'url') {
    const url = fitUrl(button.url, URL_PROTOCOLS, URL_MAX);
    return url === undefined ? undefined : { type: 'web_url', title, url };
  }
  const payload = postbackPayload(limits, button);
  return payload === undefined ? undefined : { type: 'postback', title, payload };
}

function renderQuickReply(limits: MetaLimits, button: Button): MessengerQuickReply | undefined {
  // A quick reply can only post text back; opening a URL is not something it can do.
  if (button.type === 'url' || !hasText(button.label)) return undefined;
  const payload = postbackPayload(limits, button);
  return payload === undefined ? undefined : { content_type: 'text', title: truncate(button.label, limits.quickReplyTitle), payload };
}

/** What the webhook receives for a postback or message button; `undefined` when blank. */
function postbackPayload(limits: MetaLimits, button: Exclude<Button, { type: 'url' }>): string | undefined {
  const payload = button.type === 'postback' ? button.data : button.text;
  return hasText(payload) ? truncateData(payload, limits.payload) : undefined;
}

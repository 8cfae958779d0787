import type { messagingApi } from '@line/bot-sdk';
import type { Button, Card, ResolvedMessage } from '../../messages/message';
import { ELLIPSIS, fitUrl, hasText, splitText, truncate, truncateData } from '../fit';

/**
 * LINE Messaging API limits (https://developers.line.biz/en/reference/messaging-api/), in UTF-16
 * code units unless stated otherwise. Most are not in LINE's OpenAPI file, only in its reference
 * pages, so a request that passes the OpenAPI schema can still be rejected without them.
 */
export const LINE_LIMITS = {
  text: 5000,
  altText: 1500,
  quickReplyItems: 13,
  /** Quick reply buttons show at most 20 characters; Flex Message buttons 40. */
  quickReplyLabel: 20,
  flexButtonLabel: 40,
  postbackData: 300,
  displayText: 300,
  messageActionText: 300,
  uri: 1000,
  imageUrl: 2000,
  carouselBubbles: 12,
  /** Our own layout choices: more buttons than this make a bubble taller than a phone screen. */
  bubbleButtons: 4,
  cardButtons: 3,
  /** JSON bytes of one bubble (30 KB) and of one carousel (50 KB); counted as 1,000 bytes per KB to stay safe. */
  bubbleBytes: 30_000,
  carouselBytes: 50_000,
};

/**
 * Flex texts have no length limit of their own, only the byte size of the bubble and carousel.
 * Texts start capped at the first value and are shortened step by step until the JSON fits.
 */
const FLEX_TEXT_CAPS = [2000, 1000, 500, 250, 120, 60];

/** Schemes LINE opens from a URI action; images must be HTTPS. */
const URI_PROTOCOLS = ['http:', 'https:', 'line:', 'tel:'];
const IMAGE_PROTOCOLS = ['https:'];

type ButtonsMessage = Extract<ResolvedMessage, { type: 'buttons' }>;
type CarouselMessage = Extract<ResolvedMessage, { type: 'carousel' }>;
type ImageMessage = Extract<ResolvedMessage, { type: 'image' }>;

/**
 * Renders channel-neutral messages as LINE message objects, fitted to LINE's limits so that the
 * reply or push request is never rejected for their content:
 *
 * - `text` becomes one text message, or several when it is over 5,000 UTF-16 code units (split at
 *   line breaks, then spaces).
 * - `image` becomes an image message; the preview defaults to the image itself. Images that LINE
 *   cannot show (not HTTPS, URL over 2,000 characters) are dropped.
 * - `buttons` becomes a Flex bubble (hero image, bold title, text, up to 4 buttons).
 * - `carousel` becomes a Flex carousel of up to 12 bubbles (extra cards are dropped; texts are
 *   shortened, then trailing cards dropped, until the JSON fits LINE's size limits).
 * - `accountLink` (a linkAccount block's) becomes a bubble of its text with one URI button.
 * - Labels, postback data, texts and alt texts are truncated; buttons whose URL LINE cannot open
 *   are dropped.
 *
 * Quick replies: LINE only shows the quick reply of the LAST message in a request, so the quick
 * replies of a text are moved to the last message of the returned array (when several texts have
 * quick replies, the last of them wins, as it is the one the customer was asked last). Callers
 * that send more than 5 messages must send them in order in several requests (reply, then push),
 * not drop the tail, or the quick reply is lost with it.
 *
 * @example
 * renderLineMessages([{ type: 'text', text: 'Pick one', quickReplies: [{ type: 'message', label: 'Yes', text: 'yes' }] }]);
 * // [{ type: 'text', text: 'Pick one',
 * //    quickReply: { items: [{ type: 'action', action: { type: 'message', label: 'Yes', text: 'yes' } }] } }]
 */
export function renderLineMessages(messages: ResolvedMessage[]): messagingApi.Message[] {
  const rendered: messagingApi.Message[] = [];
  let quickReply: messagingApi.QuickReply | undefined;
  for (const message of messages) {
    switch (message.type) {
      case 'text': {
        for (const text of splitText(message.text, LINE_LIMITS.text)) rendered.push({ type: 'text', text });
        // Kept even when the text itself was blank: the buttons still attach to the last message.
        quickReply = renderQuickReply(message.quickReplies) ?? quickReply;
        break;
      }
      case 'image': {
        const image = renderImage(message);
        if (image) rendered.push(image);
        break;
      }
      case 'buttons': {
        const flex = renderButtons(message);
        if (flex) rendered.push(flex);
        break;
      }
      case 'carousel': {
        const flex = renderCarousel(message);
        if (flex) rendered.push(flex);
        break;
      }
      case 'accountLink': {
        // A bubble with one URI button to the brand's login page (its URL carries the link token).
        const flex = renderButtons({
          type: 'buttons',
          text: message.text,
          buttons: [{ type: 'url', label: message.label, url: message.url }],
        });
        if (flex) rendered.push(flex);
        break;
      }
    }
  }
  const last = rendered.at(-1);
  if (quickReply && last) rendered[rendered.length - 1] = { ...last, quickReply };
  return rendered;
}

function renderImage(message: ImageMessage): messagingApi.ImageMessage | undefined {
  const originalContentUrl = fitUrl(message.url, IMAGE_PROTOCOLS, LINE_LIMITS.imageUrl);
  if (originalContentUrl === undefined) return undefined;
  const previewImageUrl = fitUrl(message.previewUrl, IMAGE_PROTOCOLS, LINE_LIMITS.imageUrl) ?? originalContentUrl;
  return { type: 'image', originalContentUrl, previewImageUrl };
}

function renderQuickReply(buttons: Button[] | undefined): messagingApi.QuickReply | undefined {
  if (!buttons) return undefined;
  const items = renderActions(buttons, 'quickReply', LINE_LIMITS.quickReplyItems).map((action): messagingApi.QuickReplyItem => ({
    type: 'action',
    action,
  }));
  return items.length > 0 ? { items } : undefined;
}

function renderButtons(message: ButtonsMessage): messagingApi.FlexMessage | undefined {
  const hero = fitUrl(message.imageUrl, IMAGE_PROTOCOLS, LINE_LIMITS.imageUrl);
  const actions = renderActions(message.buttons, 'flex', LINE_LIMITS.bubbleButtons);
  const build = (cap: number): messagingApi.FlexBubble | undefined =>
    bubble(
      hero,
      [...flexText(message.title, cap, { weight: 'bold', size: 'lg' }), ...flexText(message.text, cap, { size: 'md' })],
      actions,
    );
  const contents = firstFitting(
    FLEX_TEXT_CAPS.map((cap) => () => build(cap)),
    (b) => jsonBytes(b) <= LINE_LIMITS.bubbleBytes,
  );
  if (!contents) return undefined;
  const altText = [message.title, message.text].filter(hasText).join('\n') || actions.map((a) => a.label).join(' / ');
  return { type: 'flex', altText: fitAltText(altText), contents };
}

function renderCarousel(message: CarouselMessage): messagingApi.FlexMessage | undefined {
  const cards = message.cards.slice(0, LINE_LIMITS.carouselBubbles);
  const build = (count: number, cap: number): messagingApi.FlexCarousel | undefined => {
    const contents = cards.slice(0, count).flatMap((card) => {
      const b = cardBubble(card, cap);
      return b ? [b] : [];
    });
    return contents.length > 0 ? { type: 'carousel', contents } : undefined;
  };
  const fits = (carousel: messagingApi.FlexCarousel): boolean =>
    jsonBytes(carousel) <= LINE_LIMITS.carouselBytes && carousel.contents.every((b) => jsonBytes(b) <= LINE_LIMITS.bubbleBytes);
  // Shorten every card's text before dropping any card: the admin asked for all of them.
  const candidates: Array<() => messagingApi.FlexCarousel | undefined> = [];
  for (let count = cards.length; count >= 1; count--) {
    for (const cap of FLEX_TEXT_CAPS) candidates.push(() => build(count, cap));
  }
  const contents = firstFitting(candidates, fits);
  if (!contents) return undefined;
  const altText = hasText(message.altText)
    ? message.altText
    : cards
        .map((card) => card.title)
        .filter(hasText)
        .join('\n');
  return { type: 'flex', altText: fitAltText(altText), contents };
}

function cardBubble(card: Card, cap: number): messagingApi.FlexBubble | undefined {
  return bubble(
    fitUrl(card.imageUrl, IMAGE_PROTOCOLS, LINE_LIMITS.imageUrl),
    [...flexText(card.title, cap, { weight: 'bold', size: 'md' }), ...flexText(card.subtitle, cap, { size: 'sm', color: '#888888' })],
    renderActions(card.buttons, 'flex', LINE_LIMITS.cardButtons),
  );
}

/** A bubble from its parts; `undefined` when it would be empty, which LINE does not accept. */
function bubble(
  heroUrl: string | undefined,
  body: messagingApi.FlexComponent[],
  actions: messagingApi.Action[],
): messagingApi.FlexBubble | undefined {
  if (heroUrl === undefined && body.length === 0 && actions.length === 0) return undefined;
  const result: messagingApi.FlexBubble = { type: 'bubble' };
  if (heroUrl !== undefined) {
    result.hero = { type: 'image', url: heroUrl, size: 'full', aspectRatio: '20:13', aspectMode: 'cover' };
  }
  if (body.length > 0) result.body = { type: 'box', layout: 'vertical', spacing: 'sm', contents: body };
  if (actions.length > 0) {
    result.footer = {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: actions.map((action): messagingApi.FlexButton => ({ type: 'button', style: 'link', height: 'sm', action })),
    };
  }
  return result;
}

/** A wrapping Flex text, or nothing for a blank string (LINE rejects empty text components). */
function flexText(
  text: string | undefined,
  cap: number,
  style: Pick<messagingApi.FlexText, 'weight' | 'size' | 'color'>,
): messagingApi.FlexText[] {
  return text !== undefined && hasText(text) ? [{ type: 'text', text: truncate(text, cap), wrap: true, ...style }] : [];
}

/** altText is required and must not be blank. */
function fitAltText(text: string): string {
  return hasText(text) ? truncate(text, LINE_LIMITS.altText) : ELLIPSIS;
}

type ActionContext = 'quickReply' | 'flex';

/** Renders buttons as LINE actions, dropping those LINE would reject, then keeping at most `max`. */
function renderActions(buttons: Button[], context: ActionContext, max: number): messagingApi.Action[] {
  return buttons
    .flatMap((button) => {
      const action = renderAction(button, context);
      return action ? [action] : [];
    })
    .slice(0, max);
}

function renderAction(button: Button, context: ActionContext): messagingApi.Action | undefined {
  if (!hasText(button.label)) return undefined;
  const label = truncate(button.label, context === 'quickReply' ? LINE_LIMITS.quickReplyLabel : LINE_LIMITS.flexButtonLabel);
  switch (button.type) {
    case 'postback': {
      // LINE's reference requires displayText on quick reply postbacks; the tapped label is what the
      // customer expects to see said, as on Messenger.
      const displayText = hasText(button.displayText) ? button.displayText : context === 'quickReply' ? button.label : undefined;
      const action: messagingApi.PostbackAction = {
        type: 'postback',
        label,
        data: truncateData(button.data, LINE_LIMITS.postbackData),
      };
      if (displayText !== undefined) action.displayText = truncate(displayText, LINE_LIMITS.displayText);
      return action;
    }
    case 'url': {
      const uri = fitUrl(button.url, URI_PROTOCOLS, LINE_LIMITS.uri);
      return uri === undefined ? undefined : { type: 'uri', label, uri };
    }
    case 'message':
      return hasText(button.text) ? { type: 'message', label, text: truncate(button.text, LINE_LIMITS.messageActionText) } : undefined;
  }
}

/** Size of a value's JSON in UTF-8 bytes: what LINE's Flex size limits count. */
function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * The first candidate (largest first) that fits; else the last one built, the smallest we can make.
 * That last resort is theoretical: one card with the shortest texts, three 1,000-character URIs and
 * a 2,000-character image URL is still far below 30 KB.
 */
function firstFitting<T>(candidates: Array<() => T | undefined>, fits: (value: T) => boolean): T | undefined {
  let last: T | undefined;
  for (const candidate of candidates) {
    const value = candidate();
    if (value === undefined) continue;
    if (fits(value)) return value;
    last = value;
  }
  return last;
}

import type { Button, Card, Message, Repeat, ResolvedMessage } from '../messages/message';
import { evaluatePath, renderText, renderUrl, TemplateError, type TemplateContext } from '../templating/liquid';

export interface ResolvedBlockMessages {
  messages: ResolvedMessage[];
  /** A `repeat` found an empty array: the block's `empty` branch applies. */
  empty: boolean;
}

export interface ResolveOptions {
  /** A carousel's altText when its own renders empty (the workspace language's). @default 'Carousel' */
  carouselAltText?: string;
}

/** Render the templates of a message block and expand its repeats over arrays of the context. */
export async function resolveMessages(
  messages: Message[],
  context: TemplateContext,
  options: ResolveOptions = {},
): Promise<ResolvedBlockMessages> {
  const out: ResolvedMessage[] = [];
  let empty = false;
  for (const message of messages) {
    switch (message.type) {
      case 'text': {
        const text = await renderText(message.text, context);
        const quickReplies = message.quickReplies
          ? await Promise.all(message.quickReplies.map((b) => resolveButton(b, context)))
          : undefined;
        if (text.trim() !== '') out.push({ type: 'text', text, ...(quickReplies ? { quickReplies } : {}) });
        break;
      }
      case 'image': {
        const url = await renderText(message.url, context);
        const previewUrl = message.previewUrl ? await renderText(message.previewUrl, context) : undefined;
        out.push({ type: 'image', url, ...(previewUrl ? { previewUrl } : {}) });
        break;
      }
      case 'buttons': {
        out.push({
          type: 'buttons',
          text: await renderText(message.text, context),
          ...(message.title ? { title: await renderText(message.title, context) } : {}),
          ...(message.imageUrl ? { imageUrl: await renderText(message.imageUrl, context) } : {}),
          buttons: await Promise.all(message.buttons.map((b) => resolveButton(b, context))),
        });
        break;
      }
      case 'carousel': {
        let cards: Card[];
        if (message.repeat && message.card) {
          const items = await repeatItems(message.repeat, context);
          if (items.length === 0) empty = true;
          const card = message.card;
          const as = message.repeat.as;
          cards = await Promise.all(items.map((item, index) => resolveCard(card, { ...context, [as]: item, index })));
        } else {
          cards = await Promise.all((message.cards ?? []).map((card) => resolveCard(card, context)));
        }
        if (cards.length === 0) break;
        const altText = message.altText ? await renderText(message.altText, context) : cards.map((c) => c.title).join(', ');
        out.push({ type: 'carousel', altText: altText || (options.carouselAltText ?? 'Carousel'), cards });
        break;
      }
      case 'textList': {
        const items = await repeatItems(message.repeat, context);
        if (items.length === 0) {
          empty = true;
          break;
        }
        const as = message.repeat.as;
        const texts = await Promise.all(items.map((item, index) => renderText(message.text, { ...context, [as]: item, index })));
        const text = texts.join(message.separator);
        if (text.trim() !== '') out.push({ type: 'text', text });
        break;
      }
    }
  }
  return { messages: out, empty };
}

async function repeatItems(repeat: Repeat, context: TemplateContext): Promise<unknown[]> {
  const value = await evaluatePath(repeat.over, context);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TemplateError(`repeat.over: ${repeat.over} is not an array`);
  return repeat.limit ? value.slice(0, repeat.limit) : value;
}

async function resolveCard(card: Card, context: TemplateContext): Promise<Card> {
  const imageUrl = card.imageUrl ? await renderText(card.imageUrl, context) : '';
  const subtitle = card.subtitle ? await renderText(card.subtitle, context) : '';
  return {
    title: (await renderText(card.title, context)) || ' ',
    ...(subtitle ? { subtitle } : {}),
    ...(imageUrl ? { imageUrl } : {}),
    buttons: await Promise.all(card.buttons.map((b) => resolveButton(b, context))),
  };
}

async function resolveButton(button: Button, context: TemplateContext): Promise<Button> {
  const label = await renderText(button.label, context);
  switch (button.type) {
    case 'postback':
      return {
        type: 'postback',
        label,
        // Printed values are URL-encoded: a value holding '&' cannot add a parameter to the postback data.
        data: await renderUrl(button.data, context),
        ...(button.displayText ? { displayText: await renderText(button.displayText, context) } : {}),
      };
    case 'url':
      return { type: 'url', label, url: await renderText(button.url, context) };
    case 'message':
      return { type: 'message', label, text: await renderText(button.text, context) };
  }
}

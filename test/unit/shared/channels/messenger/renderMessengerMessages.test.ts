import { MESSENGER_LIMITS, renderMessengerMessages } from '../../../../../shared/channels/messenger/renderMessengerMessages';
import type {
  MessengerButtonTemplate,
  MessengerGenericTemplate,
  MessengerMessage,
  MessengerTextMessage,
} from '../../../../../shared/channels/messenger/renderMessengerMessages';
import type { Button, Card } from '../../../../../shared/messages/message';

const IMAGE = 'https://example.com/image.png';

const postback = (n: number): Button => ({ type: 'postback', label: `Option ${n}`, data: `action=pick&n=${n}` });

function textMessageOf(message: MessengerMessage | undefined): MessengerTextMessage {
  if (message === undefined || !('text' in message)) throw new Error('expected a text message');
  return message;
}

function buttonTemplateOf(message: MessengerMessage | undefined): MessengerButtonTemplate {
  if (message === undefined || !('attachment' in message) || message.attachment.type !== 'template') {
    throw new Error('expected a template');
  }
  const { payload } = message.attachment;
  if (payload.template_type !== 'button') throw new Error('expected a button template');
  return payload;
}

function genericTemplateOf(message: MessengerMessage | undefined): MessengerGenericTemplate {
  if (message === undefined || !('attachment' in message) || message.attachment.type !== 'template') {
    throw new Error('expected a template');
  }
  const { payload } = message.attachment;
  if (payload.template_type !== 'generic') throw new Error('expected a generic template');
  return payload;
}

/** JSON.stringify escapes lone surrogates as \udXXX; well-formed text never shows up escaped. */
function expectNoLoneSurrogates(value: unknown): void {
  expect(JSON.stringify(value)).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
}

describe('renderMessengerMessages', () => {
  describe('text', () => {
    it('renders a text message', () => {
      expect(renderMessengerMessages([{ type: 'text', text: 'Hello' }])).toEqual([{ text: 'Hello' }]);
    });

    it('splits a text over 2,000 characters into several messages, at line breaks', () => {
      const line = 'x'.repeat(99);
      const text = Array.from({ length: 50 }, () => line).join('\n'); // 4,999 characters
      const rendered = renderMessengerMessages([{ type: 'text', text }]);
      expect(rendered).toHaveLength(3);
      const parts = rendered.map((m) => textMessageOf(m).text);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(MESSENGER_LIMITS.text);
      expect(parts.join('\n')).toBe(text);
    });

    it('splits a long text without spaces and keeps emoji whole', () => {
      const text = 'a'.concat('🎫'.repeat(2500)); // 5,001 UTF-16 units
      const rendered = renderMessengerMessages([{ type: 'text', text }]);
      const parts = rendered.map((m) => textMessageOf(m).text);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(MESSENGER_LIMITS.text);
      expect(parts.join('')).toBe(text);
      expectNoLoneSurrogates(rendered);
    });

    it('drops blank texts, which the Send API rejects', () => {
      expect(renderMessengerMessages([{ type: 'text', text: ' ', quickReplies: [postback(1)] }])).toEqual([]);
    });
  });

  describe('quick replies', () => {
    it('renders postback and message buttons as text quick replies and drops url buttons', () => {
      const rendered = renderMessengerMessages([
        {
          type: 'text',
          text: 'Pick one',
          quickReplies: [
            { type: 'postback', label: 'My tickets', data: 'action=my_tickets', displayText: 'ignored on Messenger' },
            { type: 'url', label: 'Website', url: 'https://example.com' },
            { type: 'message', label: 'Help', text: 'help me' },
          ],
        },
      ]);
      expect(rendered).toEqual([
        {
          text: 'Pick one',
          quick_replies: [
            { content_type: 'text', title: 'My tickets', payload: 'action=my_tickets' },
            { content_type: 'text', title: 'Help', payload: 'help me' },
          ],
        },
      ]);
    });

    it('keeps at most 13 of 20 quick replies', () => {
      const quickReplies = Array.from({ length: 20 }, (_, i) => postback(i));
      const [message] = renderMessengerMessages([{ type: 'text', text: 'Pick', quickReplies }]);
      expect(textMessageOf(message).quick_replies?.map((q) => q.title)).toEqual(
        quickReplies.slice(0, MESSENGER_LIMITS.quickReplies).map((b) => b.label),
      );
    });

    it('truncates titles to 20 and payloads to 1,000 characters', () => {
      const [message] = renderMessengerMessages([
        {
          type: 'text',
          text: 'Pick',
          quickReplies: [
            { type: 'postback', label: 'A label much longer than twenty characters', data: `action=pick&${'x'.repeat(1200)}` },
            { type: 'message', label: 'Say', text: 'y'.repeat(1200) },
          ],
        },
      ]);
      const [first, second] = textMessageOf(message).quick_replies ?? [];
      expect(first).toEqual({ content_type: 'text', title: 'A label much longer…', payload: 'action=pick' });
      expect(first?.title).toHaveLength(MESSENGER_LIMITS.quickReplyTitle);
      expect(second?.payload).toBe('y'.repeat(MESSENGER_LIMITS.payload));
    });

    it('omits quick_replies when no button can be one', () => {
      expect(
        renderMessengerMessages([
          { type: 'text', text: 'Pick', quickReplies: [{ type: 'url', label: 'Site', url: 'https://example.com' }] },
        ]),
      ).toEqual([{ text: 'Pick' }]);
    });

    it('attaches quick replies to the last part of a split text and leaves them on their own message', () => {
      const rendered = renderMessengerMessages([
        { type: 'text', text: 'word '.repeat(500), quickReplies: [postback(1)] },
        { type: 'image', url: IMAGE },
      ]);
      expect(rendered).toHaveLength(3);
      expect(textMessageOf(rendered[0]).quick_replies).toBeUndefined();
      expect(textMessageOf(rendered[1]).quick_replies).toHaveLength(1);
      expect(rendered[2]).toEqual({ attachment: { type: 'image', payload: { url: IMAGE } } });
    });
  });

  describe('image', () => {
    it('renders an image attachment', () => {
      expect(renderMessengerMessages([{ type: 'image', url: IMAGE, previewUrl: 'https://example.com/p.png' }])).toEqual([
        { attachment: { type: 'image', payload: { url: IMAGE } } },
      ]);
    });

    it('drops an image whose URL is not http(s)', () => {
      expect(renderMessengerMessages([{ type: 'image', url: 'data:image/png;base64,AAAA' }])).toEqual([]);
    });
  });

  describe('buttons', () => {
    it('renders a button template with the title as the first line', () => {
      const rendered = renderMessengerMessages([
        {
          type: 'buttons',
          title: 'Order 42',
          text: 'Shipped today',
          buttons: [
            { type: 'postback', label: 'Track', data: 'action=track&id=42', displayText: 'Track' },
            { type: 'url', label: 'Details', url: 'https://example.com/orders/42' },
            { type: 'message', label: 'Help', text: 'help' },
          ],
        },
      ]);
      expect(rendered).toEqual([
        {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'button',
              text: 'Order 42\nShipped today',
              buttons: [
                { type: 'postback', title: 'Track', payload: 'action=track&id=42' },
                { type: 'web_url', title: 'Details', url: 'https://example.com/orders/42' },
                // Messenger has no "send this text" button: a postback carries the text instead.
                { type: 'postback', title: 'Help', payload: 'help' },
              ],
            },
          },
        },
      ]);
    });

    it('sends the image just before the template, which cannot hold one', () => {
      const rendered = renderMessengerMessages([{ type: 'buttons', text: 'Hi', imageUrl: IMAGE, buttons: [postback(1)] }]);
      expect(rendered[0]).toEqual({ attachment: { type: 'image', payload: { url: IMAGE } } });
      expect(buttonTemplateOf(rendered[1]).text).toBe('Hi');
    });

    it('truncates the text to 640 characters', () => {
      const rendered = renderMessengerMessages([{ type: 'buttons', title: 'Title', text: 'x'.repeat(1000), buttons: [postback(1)] }]);
      const { text } = buttonTemplateOf(rendered[0]);
      expect(text).toHaveLength(MESSENGER_LIMITS.buttonTemplateText);
      expect(text.startsWith('Title\nxxx')).toBe(true);
      expect(text.endsWith('…')).toBe(true);
    });

    it('keeps at most 3 buttons, truncates titles to 20 and payloads to 1,000', () => {
      const rendered = renderMessengerMessages([
        {
          type: 'buttons',
          text: 'Choose',
          buttons: [
            { type: 'url', label: 'Broken', url: 'not a url' },
            { type: 'postback', label: 'T'.repeat(40), data: `action=a&${'d'.repeat(1200)}` },
            postback(2),
            postback(3),
            postback(4),
          ],
        },
      ]);
      const { buttons } = buttonTemplateOf(rendered[0]);
      expect(buttons).toHaveLength(MESSENGER_LIMITS.templateButtons);
      expect(buttons[0]).toEqual({ type: 'postback', title: `${'T'.repeat(19)}…`, payload: 'action=a' });
      expect(buttons.map((b) => ('title' in b ? b.title : b.type))).toEqual([`${'T'.repeat(19)}…`, 'Option 2', 'Option 3']);
    });

    it('falls back to text when no button is usable (a button template needs at least one)', () => {
      expect(
        renderMessengerMessages([
          { type: 'buttons', title: 'Title', text: 'Body', buttons: [{ type: 'url', label: 'x', url: 'mailto:a@b.c' }] },
        ]),
      ).toEqual([{ text: 'Title\nBody' }]);
    });
  });

  describe('carousel', () => {
    const card = (n: number, extra: Partial<Card> = {}): Card => ({
      title: `Ticket ${n}`,
      subtitle: `Seat ${n}`,
      imageUrl: IMAGE,
      buttons: [postback(n)],
      ...extra,
    });

    it('renders a generic template', () => {
      const rendered = renderMessengerMessages([
        { type: 'carousel', altText: 'Tickets', cards: [card(1), card(2, { imageUrl: undefined, subtitle: undefined })] },
      ]);
      expect(rendered).toEqual([
        {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'generic',
              elements: [
                {
                  title: 'Ticket 1',
                  subtitle: 'Seat 1',
                  image_url: IMAGE,
                  buttons: [{ type: 'postback', title: 'Option 1', payload: 'action=pick&n=1' }],
                },
                { title: 'Ticket 2', buttons: [{ type: 'postback', title: 'Option 2', payload: 'action=pick&n=2' }] },
              ],
            },
          },
        },
      ]);
    });

    it('keeps at most 10 of 20 cards and 3 buttons per card', () => {
      const cards = Array.from({ length: 20 }, (_, i) => card(i, { buttons: Array.from({ length: 5 }, (_, j) => postback(j)) }));
      const { elements } = genericTemplateOf(renderMessengerMessages([{ type: 'carousel', altText: 'x', cards }])[0]);
      expect(elements.map((e) => e.title)).toEqual(cards.slice(0, MESSENGER_LIMITS.genericElements).map((c) => c.title));
      for (const element of elements) expect(element.buttons).toHaveLength(MESSENGER_LIMITS.templateButtons);
    });

    it('truncates titles and subtitles to 80 characters', () => {
      const { elements } = genericTemplateOf(
        renderMessengerMessages([
          { type: 'carousel', altText: 'x', cards: [card(1, { title: 'T'.repeat(200), subtitle: '🎫'.repeat(100) })] },
        ])[0],
      );
      const [element] = elements;
      expect(element?.title).toHaveLength(MESSENGER_LIMITS.elementTitle);
      expect(element?.subtitle?.length).toBeLessThanOrEqual(MESSENGER_LIMITS.elementSubtitle);
      expect(element?.subtitle?.endsWith('…')).toBe(true);
      expectNoLoneSurrogates(elements);
    });

    it('gives a title-only card its title as subtitle, since Meta requires a second field', () => {
      const { elements } = genericTemplateOf(
        renderMessengerMessages([{ type: 'carousel', altText: 'x', cards: [card(1), { title: 'Just a title', buttons: [] }] }])[0],
      );
      expect(elements[1]).toEqual({ title: 'Just a title', subtitle: 'Just a title' });
    });

    it('sends a carousel of title-only cards as a text list', () => {
      expect(
        renderMessengerMessages([
          {
            type: 'carousel',
            altText: 'x',
            cards: [
              { title: 'Alpha', buttons: [] },
              { title: 'Beta', buttons: [] },
            ],
          },
        ]),
      ).toEqual([{ text: 'Alpha\nBeta' }]);
    });

    it('uses the subtitle as title when the title rendered blank', () => {
      const { elements } = genericTemplateOf(
        renderMessengerMessages([{ type: 'carousel', altText: 'x', cards: [card(1, { title: ' ', subtitle: 'Seat 1' })] }])[0],
      );
      expect(elements[0]).toMatchObject({ title: 'Seat 1', image_url: IMAGE });
      expect(elements[0]?.subtitle).toBeUndefined();
    });

    it('drops a carousel with no cards', () => {
      expect(renderMessengerMessages([{ type: 'carousel', altText: 'x', cards: [] }])).toEqual([]);
    });
  });
});

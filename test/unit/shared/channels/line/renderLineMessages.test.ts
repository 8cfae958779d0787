import type { messagingApi } from '@line/bot-sdk';
import { validateLineRequest } from '../../../../../local/lineOpenApi';
import { fitUrl, splitText, truncate, truncateData } from '../../../../../shared/channels/fit';
import { LINE_LIMITS, renderLineMessages } from '../../../../../shared/channels/line/renderLineMessages';
import type { Button, Card, ResolvedMessage } from '../../../../../shared/messages/message';

const IMAGE = 'https://example.com/image.png';

/** Every rendered message, sent in requests of 5 like the executor does, passes LINE's OpenAPI schema. */
function expectValidForLine(rendered: messagingApi.Message[]): void {
  expect(rendered.length).toBeGreaterThan(0);
  for (let i = 0; i < rendered.length; i += 5) {
    expect(validateLineRequest('reply', { replyToken: 'x', messages: rendered.slice(i, i + 5) })).toEqual([]);
  }
}

/** JSON.stringify escapes lone surrogates as \udXXX; well-formed text never shows up escaped. */
function expectNoLoneSurrogates(value: unknown): void {
  expect(JSON.stringify(value)).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function textOf(message: messagingApi.Message | undefined): string {
  if (message?.type !== 'text') throw new Error(`expected a text message, got ${message?.type}`);
  return message.text;
}

function flexOf(message: messagingApi.Message | undefined): messagingApi.FlexMessage {
  if (message?.type !== 'flex') throw new Error(`expected a flex message, got ${message?.type}`);
  return message;
}

function bubbleOf(message: messagingApi.Message | undefined): messagingApi.FlexBubble {
  const { contents } = flexOf(message);
  if (contents.type !== 'bubble') throw new Error('expected a bubble');
  return contents;
}

function carouselOf(message: messagingApi.Message | undefined): messagingApi.FlexCarousel {
  const { contents } = flexOf(message);
  if (contents.type !== 'carousel') throw new Error('expected a carousel');
  return contents;
}

/** The actions of a bubble's footer buttons. */
function footerActions(bubble: messagingApi.FlexBubble): messagingApi.Action[] {
  return (bubble.footer?.contents ?? []).flatMap((component) => (component.type === 'button' ? [component.action] : []));
}

/** The texts of a bubble's body. */
function bodyTexts(bubble: messagingApi.FlexBubble): messagingApi.FlexText[] {
  return (bubble.body?.contents ?? []).flatMap((component) => (component.type === 'text' ? [component] : []));
}

function quickReplyActions(message: messagingApi.Message | undefined): messagingApi.Action[] {
  return (message?.quickReply?.items ?? []).flatMap((item) => (item.action ? [item.action] : []));
}

const postback = (n: number): Button => ({ type: 'postback', label: `Option ${n}`, data: `action=pick&n=${n}` });

describe('fit helpers', () => {
  it('truncates to the limit in UTF-16 units with an ellipsis', () => {
    expect(truncate('Wireless headphones', 10)).toBe('Wireless…');
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('x'.repeat(30), 20)).toHaveLength(20);
  });

  it('never cuts a surrogate pair in half', () => {
    const emoji = '😀'.repeat(30); // 60 UTF-16 units
    for (const max of [19, 20, 21]) {
      const cut = truncate(emoji, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expectNoLoneSurrogates(cut);
    }
    for (const part of splitText(emoji, 7)) {
      expect(part.length).toBeLessThanOrEqual(7);
      expectNoLoneSurrogates(part);
    }
    expectNoLoneSurrogates(truncateData('d='.concat(emoji), 11));
  });

  it('cuts data at a parameter boundary rather than inside a value', () => {
    expect(truncateData('action=buy&id=12345', 14)).toBe('action=buy');
    expect(truncateData('x'.repeat(400), 300)).toBe('x'.repeat(300));
  });

  it('splits at line breaks, then spaces, then anywhere', () => {
    expect(splitText('first line\nsecond line', 15)).toEqual(['first line', 'second line']);
    expect(splitText('aaaa bbbb cccc', 9)).toEqual(['aaaa bbbb', 'cccc']);
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('normalizes URLs and rejects those a channel cannot use', () => {
    expect(fitUrl('https://example.com/a b.png', ['https:'], 2000)).toBe('https://example.com/a%20b.png');
    expect(fitUrl('http://example.com/a.png', ['https:'], 2000)).toBeUndefined();
    expect(fitUrl('not a url', ['https:'], 2000)).toBeUndefined();
    expect(fitUrl(`https://example.com/${'a'.repeat(2000)}`, ['https:'], 2000)).toBeUndefined();
  });
});

describe('renderLineMessages', () => {
  describe('text', () => {
    it('renders a text message', () => {
      const rendered = renderLineMessages([{ type: 'text', text: 'Hello' }]);
      expect(rendered).toEqual([{ type: 'text', text: 'Hello' }]);
      expectValidForLine(rendered);
    });

    it('splits a 12,000-character text at line breaks into messages of at most 5,000 units', () => {
      const line = `${'word '.repeat(19)}ends`; // 99 characters
      const lines = Array.from({ length: 120 }, () => line); // 120 * 99 + 119 newlines = 11,999
      const text = `${lines.join('\n')}!`;
      expect(text.length).toBe(12_000);
      const rendered = renderLineMessages([{ type: 'text', text }]);
      expect(rendered).toHaveLength(3);
      const parts = rendered.map(textOf);
      for (const part of parts) {
        expect(part.length).toBeLessThanOrEqual(LINE_LIMITS.text);
        // Cut at line boundaries: every part starts and ends with whole lines.
        expect(part.startsWith('word')).toBe(true);
      }
      expect(parts.join('\n')).toBe(text);
      expectValidForLine(rendered);
    });

    it('splits a 12,000-unit text without spaces, keeping surrogate pairs whole', () => {
      const text = 'a'.concat('😀'.repeat(5999), 'b'); // 1 + 11,998 + 1 = 12,000 units
      const rendered = renderLineMessages([{ type: 'text', text }]);
      const parts = rendered.map(textOf);
      expect(parts.length).toBe(3);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(LINE_LIMITS.text);
      expect(parts.join('')).toBe(text);
      expectNoLoneSurrogates(rendered);
      expectValidForLine(rendered);
    });

    it('drops blank texts, which LINE rejects', () => {
      expect(renderLineMessages([{ type: 'text', text: '  \n ' }])).toEqual([]);
    });
  });

  describe('quick replies', () => {
    it('renders postback, url and message buttons as quick reply actions', () => {
      const rendered = renderLineMessages([
        {
          type: 'text',
          text: 'Pick one',
          quickReplies: [
            { type: 'postback', label: 'My tickets', data: 'action=my_tickets' },
            { type: 'postback', label: 'Cancel', data: 'action=cancel', displayText: 'Cancel my order' },
            { type: 'url', label: 'Website', url: 'https://example.com' },
            { type: 'message', label: 'Help', text: 'help' },
          ],
        },
      ]);
      expect(rendered[0]?.quickReply?.items).toEqual([
        // displayText defaults to the label: LINE requires it on quick reply postbacks.
        { type: 'action', action: { type: 'postback', label: 'My tickets', data: 'action=my_tickets', displayText: 'My tickets' } },
        { type: 'action', action: { type: 'postback', label: 'Cancel', data: 'action=cancel', displayText: 'Cancel my order' } },
        { type: 'action', action: { type: 'uri', label: 'Website', uri: 'https://example.com/' } },
        { type: 'action', action: { type: 'message', label: 'Help', text: 'help' } },
      ]);
      expectValidForLine(rendered);
    });

    it('keeps at most 13 of 20 quick replies', () => {
      const quickReplies = Array.from({ length: 20 }, (_, i) => postback(i));
      const rendered = renderLineMessages([{ type: 'text', text: 'Pick', quickReplies }]);
      const actions = quickReplyActions(rendered[0]);
      expect(actions).toHaveLength(LINE_LIMITS.quickReplyItems);
      expect(actions.map((a) => a.label)).toEqual(quickReplies.slice(0, 13).map((b) => b.label));
      expectValidForLine(rendered);
    });

    it('truncates long labels to 20 and long data and display texts to 300', () => {
      const rendered = renderLineMessages([
        {
          type: 'text',
          text: 'Pick',
          quickReplies: [
            {
              type: 'postback',
              label: 'A label much longer than twenty characters',
              data: `action=pick&${'x'.repeat(400)}`,
              displayText: 'y'.repeat(400),
            },
            { type: 'message', label: 'Tell me more', text: 'z'.repeat(400) },
          ],
        },
      ]);
      const [pb, msg] = quickReplyActions(rendered[0]);
      expect(pb).toMatchObject({ type: 'postback', label: 'A label much longer…', data: 'action=pick' });
      expect(pb?.label).toHaveLength(20);
      if (pb?.type !== 'postback' || msg?.type !== 'message') throw new Error('unexpected action types');
      expect(pb.displayText).toHaveLength(300);
      expect(msg.text).toHaveLength(300);
      expectValidForLine(rendered);
    });

    it('drops quick replies LINE would reject (blank label, URL it cannot open)', () => {
      const rendered = renderLineMessages([
        {
          type: 'text',
          text: 'Pick',
          quickReplies: [
            { type: 'postback', label: ' ', data: 'a=1' },
            { type: 'url', label: 'Bad', url: 'javascript:alert(1)' },
            { type: 'url', label: 'Long', url: `https://example.com/${'a'.repeat(1000)}` },
            { type: 'url', label: 'Call us', url: 'tel:+6621234567' },
          ],
        },
      ]);
      expect(quickReplyActions(rendered[0])).toEqual([{ type: 'uri', label: 'Call us', uri: 'tel:+6621234567' }]);
      expectValidForLine(rendered);
    });

    it('omits quickReply when no button is usable', () => {
      const rendered = renderLineMessages([
        { type: 'text', text: 'Pick', quickReplies: [{ type: 'url', label: 'Bad', url: 'ftp://example.com' }] },
      ]);
      expect(rendered).toEqual([{ type: 'text', text: 'Pick' }]);
    });

    it('moves the quick reply to the last message, which is the only one LINE shows it on', () => {
      const rendered = renderLineMessages([
        { type: 'text', text: 'Here is your ticket', quickReplies: [postback(1)] },
        { type: 'image', url: IMAGE },
        { type: 'text', text: 'Anything else?' },
      ]);
      expect(rendered).toHaveLength(3);
      expect(rendered[0]?.quickReply).toBeUndefined();
      expect(rendered[1]?.quickReply).toBeUndefined();
      expect(quickReplyActions(rendered[2]).map((a) => a.label)).toEqual(['Option 1']);
      expectValidForLine(rendered);
    });

    it('moves the quick reply onto a Flex message too', () => {
      const rendered = renderLineMessages([
        { type: 'text', text: 'Your tickets', quickReplies: [postback(1)] },
        { type: 'carousel', altText: 'Tickets', cards: [{ title: 'Ticket 1', buttons: [] }] },
      ]);
      expect(rendered[0]?.quickReply).toBeUndefined();
      expect(rendered[1]?.type).toBe('flex');
      expect(quickReplyActions(rendered[1])).toHaveLength(1);
      expectValidForLine(rendered);
    });

    it('keeps the latest quick replies when several texts have some', () => {
      const rendered = renderLineMessages([
        { type: 'text', text: 'First', quickReplies: [postback(1)] },
        { type: 'text', text: 'Second', quickReplies: [postback(2)] },
        { type: 'image', url: IMAGE },
      ]);
      expect(rendered.map((m) => m.quickReply)).toEqual([undefined, undefined, expect.anything()]);
      expect(quickReplyActions(rendered[2]).map((a) => a.label)).toEqual(['Option 2']);
    });

    it('puts the quick reply on the last part of a split text', () => {
      const rendered = renderLineMessages([{ type: 'text', text: 'x '.repeat(3000), quickReplies: [postback(1)] }]);
      expect(rendered).toHaveLength(2);
      expect(rendered[0]?.quickReply).toBeUndefined();
      expect(quickReplyActions(rendered[1])).toHaveLength(1);
    });
  });

  describe('image', () => {
    it('defaults the preview to the image', () => {
      const rendered = renderLineMessages([{ type: 'image', url: IMAGE }]);
      expect(rendered).toEqual([{ type: 'image', originalContentUrl: IMAGE, previewImageUrl: IMAGE }]);
      expectValidForLine(rendered);
    });

    it('uses the preview when given', () => {
      const rendered = renderLineMessages([{ type: 'image', url: IMAGE, previewUrl: 'https://example.com/small.png' }]);
      expect(rendered).toEqual([{ type: 'image', originalContentUrl: IMAGE, previewImageUrl: 'https://example.com/small.png' }]);
      expectValidForLine(rendered);
    });

    it('drops images LINE cannot fetch (not HTTPS, URL too long) and falls back from a bad preview', () => {
      expect(renderLineMessages([{ type: 'image', url: 'http://example.com/a.png' }])).toEqual([]);
      expect(renderLineMessages([{ type: 'image', url: `https://example.com/${'a'.repeat(2000)}` }])).toEqual([]);
      expect(renderLineMessages([{ type: 'image', url: IMAGE, previewUrl: 'http://example.com/p.png' }])).toEqual([
        { type: 'image', originalContentUrl: IMAGE, previewImageUrl: IMAGE },
      ]);
    });
  });

  describe('buttons', () => {
    const buttons: ResolvedMessage = {
      type: 'buttons',
      title: 'Order 42',
      text: 'Shipped today',
      imageUrl: IMAGE,
      buttons: [
        { type: 'postback', label: 'Track', data: 'action=track&id=42', displayText: 'Track order 42' },
        { type: 'url', label: 'Details', url: 'https://example.com/orders/42' },
        { type: 'message', label: 'Help', text: 'help' },
      ],
    };

    it('renders a Flex bubble with hero, bold title, text and footer buttons', () => {
      const rendered = renderLineMessages([buttons]);
      expect(rendered).toEqual([
        {
          type: 'flex',
          altText: 'Order 42\nShipped today',
          contents: {
            type: 'bubble',
            hero: { type: 'image', url: IMAGE, size: 'full', aspectRatio: '20:13', aspectMode: 'cover' },
            body: {
              type: 'box',
              layout: 'vertical',
              spacing: 'sm',
              contents: [
                { type: 'text', text: 'Order 42', wrap: true, weight: 'bold', size: 'lg' },
                { type: 'text', text: 'Shipped today', wrap: true, size: 'md' },
              ],
            },
            footer: {
              type: 'box',
              layout: 'vertical',
              spacing: 'sm',
              contents: [
                {
                  type: 'button',
                  style: 'link',
                  height: 'sm',
                  action: { type: 'postback', label: 'Track', data: 'action=track&id=42', displayText: 'Track order 42' },
                },
                {
                  type: 'button',
                  style: 'link',
                  height: 'sm',
                  action: { type: 'uri', label: 'Details', uri: 'https://example.com/orders/42' },
                },
                { type: 'button', style: 'link', height: 'sm', action: { type: 'message', label: 'Help', text: 'help' } },
              ],
            },
          },
        },
      ]);
      expectValidForLine(rendered);
    });

    it('omits the hero and title when absent, and does not add displayText to flex postbacks', () => {
      const bubble = bubbleOf(
        renderLineMessages([{ type: 'buttons', text: 'Choose', buttons: [{ type: 'postback', label: 'A', data: 'a=1' }] }])[0],
      );
      expect(bubble.hero).toBeUndefined();
      expect(bodyTexts(bubble).map((t) => t.text)).toEqual(['Choose']);
      expect(footerActions(bubble)).toEqual([{ type: 'postback', label: 'A', data: 'a=1' }]);
    });

    it('keeps at most 4 buttons, after dropping unusable ones', () => {
      const rendered = renderLineMessages([
        {
          type: 'buttons',
          text: 'Choose',
          buttons: [{ type: 'url', label: 'Bad', url: 'nope' }, ...Array.from({ length: 6 }, (_, i) => postback(i))],
        },
      ]);
      expect(footerActions(bubbleOf(rendered[0])).map((a) => a.label)).toEqual(['Option 0', 'Option 1', 'Option 2', 'Option 3']);
      expectValidForLine(rendered);
    });

    it('allows flex button labels up to 40 characters (not 20)', () => {
      const label30 = 'A thirty character label here!';
      const label60 = 'L'.repeat(60);
      const rendered = renderLineMessages([
        {
          type: 'buttons',
          text: 'Choose',
          buttons: [
            { type: 'postback', label: label30, data: 'a=1' },
            { type: 'postback', label: label60, data: `a=2&${'d'.repeat(500)}` },
          ],
        },
      ]);
      const [first, second] = footerActions(bubbleOf(rendered[0]));
      expect(first?.label).toBe(label30);
      expect(second?.label).toBe(`${'L'.repeat(39)}…`);
      expect(second).toMatchObject({ type: 'postback', data: 'a=2' });
      expectValidForLine(rendered);
    });

    it('truncates altText to 1,500 and keeps a very long text within the 30 KB bubble limit', () => {
      const text = '長い説明。'.repeat(4000); // 20,000 units, 60,000 UTF-8 bytes
      const rendered = renderLineMessages([{ type: 'buttons', title: 'Title', text, buttons: [postback(1)] }]);
      const flex = flexOf(rendered[0]);
      expect(flex.altText).toHaveLength(LINE_LIMITS.altText);
      expect(flex.altText.endsWith('…')).toBe(true);
      expect(jsonBytes(flex.contents)).toBeLessThanOrEqual(LINE_LIMITS.bubbleBytes);
      const [, body] = bodyTexts(bubbleOf(rendered[0]));
      expect(body?.text?.endsWith('…')).toBe(true);
      expectValidForLine(rendered);
    });

    it('still renders the text when no button is usable', () => {
      const rendered = renderLineMessages([{ type: 'buttons', text: 'Hi', buttons: [{ type: 'url', label: 'x', url: 'bad' }] }]);
      const bubble = bubbleOf(rendered[0]);
      expect(bubble.footer).toBeUndefined();
      expect(bodyTexts(bubble).map((t) => t.text)).toEqual(['Hi']);
      expectValidForLine(rendered);
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

    it('renders cards as bubbles with hero, bold title, gray small subtitle and buttons', () => {
      const rendered = renderLineMessages([
        { type: 'carousel', altText: 'Your tickets', cards: [card(1), card(2, { imageUrl: undefined, subtitle: undefined })] },
      ]);
      const flex = flexOf(rendered[0]);
      expect(flex.altText).toBe('Your tickets');
      const [first, second] = carouselOf(rendered[0]).contents;
      expect(first).toEqual({
        type: 'bubble',
        hero: { type: 'image', url: IMAGE, size: 'full', aspectRatio: '20:13', aspectMode: 'cover' },
        body: {
          type: 'box',
          layout: 'vertical',
          spacing: 'sm',
          contents: [
            { type: 'text', text: 'Ticket 1', wrap: true, weight: 'bold', size: 'md' },
            { type: 'text', text: 'Seat 1', wrap: true, size: 'sm', color: '#888888' },
          ],
        },
        footer: {
          type: 'box',
          layout: 'vertical',
          spacing: 'sm',
          contents: [
            {
              type: 'button',
              style: 'link',
              height: 'sm',
              action: { type: 'postback', label: 'Option 1', data: 'action=pick&n=1' },
            },
          ],
        },
      });
      expect(second?.hero).toBeUndefined();
      expect(second && bodyTexts(second).map((t) => t.text)).toEqual(['Ticket 2']);
      expectValidForLine(rendered);
    });

    it('keeps at most 12 of 20 cards and 3 buttons per card', () => {
      const cards = Array.from({ length: 20 }, (_, i) => card(i, { buttons: Array.from({ length: 5 }, (_, j) => postback(j)) }));
      const rendered = renderLineMessages([{ type: 'carousel', altText: 'Tickets', cards }]);
      const bubbles = carouselOf(rendered[0]).contents;
      expect(bubbles).toHaveLength(LINE_LIMITS.carouselBubbles);
      expect(bubbles.map((b) => bodyTexts(b)[0]?.text)).toEqual(cards.slice(0, 12).map((c) => c.title));
      for (const bubble of bubbles) expect(footerActions(bubble)).toHaveLength(LINE_LIMITS.cardButtons);
      expectValidForLine(rendered);
    });

    it('shortens texts so 12 large cards fit the 50 KB carousel limit', () => {
      const cards = Array.from({ length: 12 }, (_, i) =>
        card(i, {
          title: `${i} ${'T'.repeat(3000)}`,
          subtitle: 'サブタイトル'.repeat(500),
          buttons: [
            { type: 'postback', label: 'Buy', data: `a=buy&${'d'.repeat(400)}`, displayText: 'x'.repeat(400) },
            { type: 'url', label: 'Open', url: `https://example.com/${'p'.repeat(900)}` },
          ],
        }),
      );
      const rendered = renderLineMessages([{ type: 'carousel', altText: 'a'.repeat(3000), cards }]);
      const flex = flexOf(rendered[0]);
      const carousel = carouselOf(rendered[0]);
      expect(flex.altText).toHaveLength(LINE_LIMITS.altText);
      expect(carousel.contents).toHaveLength(12);
      expect(jsonBytes(carousel)).toBeLessThanOrEqual(LINE_LIMITS.carouselBytes);
      for (const bubble of carousel.contents) expect(jsonBytes(bubble)).toBeLessThanOrEqual(LINE_LIMITS.bubbleBytes);
      expectValidForLine(rendered);
    });

    it('builds altText from the titles when it rendered blank', () => {
      const rendered = renderLineMessages([{ type: 'carousel', altText: ' ', cards: [card(1), card(2)] }]);
      expect(flexOf(rendered[0]).altText).toBe('Ticket 1\nTicket 2');
      expectValidForLine(rendered);
    });

    it('drops a carousel with no cards (LINE requires at least one bubble)', () => {
      expect(renderLineMessages([{ type: 'carousel', altText: 'Nothing', cards: [] }])).toEqual([]);
    });
  });

  describe('OpenAPI validity', () => {
    it('renders a mixed conversation that LINE accepts as a reply', () => {
      const rendered = renderLineMessages([
        { type: 'text', text: 'Hi! Here are your tickets.', quickReplies: Array.from({ length: 20 }, (_, i) => postback(i)) },
        { type: 'image', url: IMAGE },
        { type: 'buttons', title: 'T'.repeat(100), text: 'x'.repeat(6000), imageUrl: IMAGE, buttons: [postback(1)] },
        {
          type: 'carousel',
          altText: 'Tickets',
          cards: Array.from({ length: 20 }, (_, i) => ({ title: `Ticket ${i}`, buttons: [postback(i)] })),
        },
      ]);
      expect(validateLineRequest('reply', { replyToken: 'x', messages: rendered.slice(0, 5) })).toEqual([]);
      expectValidForLine(rendered);
    });

    it('is checked by a validator that does reject over-long content', () => {
      const raw = { type: 'text', text: 'x'.repeat(LINE_LIMITS.text + 1) };
      expect(validateLineRequest('reply', { replyToken: 'x', messages: [raw] })).not.toEqual([]);
    });
  });
});

import {
  INSTAGRAM_LIMITS,
  renderInstagramMessages,
  splitInstagramText,
  type InstagramMessage,
} from '../../../../../shared/channels/instagram/renderInstagramMessages';
import type { Button, ResolvedMessage } from '../../../../../shared/messages/message';

const postback = (n: number): Button => ({ type: 'postback', label: `Option ${n}`, data: `action=pick&n=${n}` });
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function templateOf(message: InstagramMessage | undefined): Record<string, unknown> {
  if (message && 'attachment' in message && message.attachment.type === 'template') return message.attachment.payload;
  throw new Error(`not a template: ${JSON.stringify(message)}`);
}

describe('text', () => {
  it('sends a short text as it is', () => {
    expect(renderInstagramMessages([{ type: 'text', text: 'hello' }])).toEqual([{ text: 'hello' }]);
  });

  it('splits text over 999 characters at line breaks, every part within the limit', () => {
    const text = `${'a'.repeat(600)}\n${'b'.repeat(600)}\n${'c'.repeat(600)}`;
    const parts = renderInstagramMessages([{ type: 'text', text }]);
    expect(parts.map((p) => ('text' in p ? p.text.length : 0))).toEqual([600, 600, 600]);
    expect(renderInstagramMessages([{ type: 'text', text: 'x'.repeat(999) }])).toHaveLength(1);
    expect(renderInstagramMessages([{ type: 'text', text: 'x'.repeat(1000) }])).toHaveLength(2);
  });

  it('keeps every part within 1,000 UTF-8 bytes: CJK and emoji text splits sooner, never inside a surrogate pair', () => {
    const cjk = '你好世界。'.repeat(300); // 1,500 characters, 4,500 bytes
    const parts = splitInstagramText(cjk);
    expect(parts.length).toBeGreaterThanOrEqual(5);
    for (const part of parts) {
      expect(bytes(part)).toBeLessThanOrEqual(INSTAGRAM_LIMITS.textBytes);
      expect(part.length).toBeLessThanOrEqual(INSTAGRAM_LIMITS.text);
    }
    expect(parts.join('')).toBe(cjk);
    const emoji = '😀'.repeat(400); // 800 UTF-16 units, 1,600 bytes
    const emojiParts = splitInstagramText(emoji);
    for (const part of emojiParts) {
      expect(bytes(part)).toBeLessThanOrEqual(1000);
      expect(part).not.toMatch(/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/);
    }
    expect(emojiParts.join('')).toBe(emoji);
  });

  it('cuts quick replies to 13, titles to 20 characters, drops URL buttons, and puts them on the last part', () => {
    const quickReplies: Button[] = [
      { type: 'url', label: 'Site', url: 'https://example.com' },
      { type: 'message', label: 'A very long quick reply label indeed', text: 'hot' },
      ...Array.from({ length: 14 }, (_, i) => postback(i)),
    ];
    const rendered = renderInstagramMessages([{ type: 'text', text: `${'a'.repeat(900)}\n${'b'.repeat(900)}`, quickReplies }]);
    expect(rendered).toHaveLength(2);
    expect(rendered[0]).toEqual({ text: 'a'.repeat(900) });
    const last = rendered[1];
    if (!last || !('text' in last)) throw new Error('expected a text');
    expect(last.quick_replies).toHaveLength(13);
    expect(last.quick_replies?.[0]).toEqual({ content_type: 'text', title: 'A very long quick r…', payload: 'hot' });
    expect(last.quick_replies?.[1]).toEqual({ content_type: 'text', title: 'Option 0', payload: 'action=pick&n=0' });
    for (const reply of last.quick_replies ?? []) expect(reply.title.length).toBeLessThanOrEqual(20);
  });
});

describe('image', () => {
  it('sends an http(s) image by URL and drops any other', () => {
    expect(renderInstagramMessages([{ type: 'image', url: 'https://example.com/a b.png' }])).toEqual([
      { attachment: { type: 'image', payload: { url: 'https://example.com/a%20b.png' } } },
    ]);
    expect(renderInstagramMessages([{ type: 'image', url: 'ftp://example.com/a.png' }])).toEqual([]);
  });
});

describe('buttons', () => {
  it('becomes a button template of at most 3 postback / web_url buttons, the image sent before it', () => {
    const message: ResolvedMessage = {
      type: 'buttons',
      title: 'Order 42',
      text: 'Shipped today',
      imageUrl: 'https://example.com/box.png',
      buttons: [
        postback(1),
        { type: 'url', label: 'Track it online now please', url: 'https://example.com/t/42' },
        { type: 'message', label: 'Help', text: 'help' },
        postback(4),
      ],
    };
    const rendered = renderInstagramMessages([message]);
    expect(rendered[0]).toEqual({ attachment: { type: 'image', payload: { url: 'https://example.com/box.png' } } });
    expect(templateOf(rendered[1])).toEqual({
      template_type: 'button',
      text: 'Order 42\nShipped today',
      buttons: [
        { type: 'postback', title: 'Option 1', payload: 'action=pick&n=1' },
        { type: 'web_url', title: 'Track it online now…', url: 'https://example.com/t/42' },
        { type: 'postback', title: 'Help', payload: 'help' },
      ],
    });
  });

  it('falls back to text when no button is usable, and cuts the template text to 640', () => {
    expect(
      renderInstagramMessages([{ type: 'buttons', text: 'Call us', buttons: [{ type: 'url', label: 'Call', url: 'tel:+15550100' }] }]),
    ).toEqual([{ text: 'Call us' }]);
    const long = renderInstagramMessages([{ type: 'buttons', text: 'x'.repeat(700), buttons: [postback(1)] }]);
    expect((templateOf(long[0]).text as string).length).toBe(640);
  });
});

describe('carousel', () => {
  const card = (n: number) => ({
    title: `Card ${n} ${'T'.repeat(90)}`,
    subtitle: 'S'.repeat(90),
    imageUrl: `https://example.com/${n}.png`,
    buttons: [postback(1), postback(2), postback(3), postback(4)],
  });

  it('becomes a generic template of at most 10 elements, titles and subtitles ≤ 80, ≤ 3 buttons each', () => {
    const rendered = renderInstagramMessages([
      { type: 'carousel', altText: 'cards', cards: Array.from({ length: 12 }, (_, i) => card(i)) },
    ]);
    expect(rendered).toHaveLength(1);
    const elements = templateOf(rendered[0]).elements as Array<{ title: string; subtitle: string; buttons: unknown[] }>;
    expect(elements).toHaveLength(INSTAGRAM_LIMITS.genericElements);
    for (const element of elements) {
      expect(element.title.length).toBeLessThanOrEqual(80);
      expect(element.subtitle.length).toBeLessThanOrEqual(80);
      expect(element.buttons).toHaveLength(3);
    }
    expect(elements[0]).toMatchObject({ image_url: 'https://example.com/0.png' });
  });

  it('sends titles alone as text, and gives a lone title-only card its title as subtitle', () => {
    expect(
      renderInstagramMessages([
        {
          type: 'carousel',
          altText: 'x',
          cards: [
            { title: 'A', buttons: [] },
            { title: 'B', buttons: [] },
          ],
        },
      ]),
    ).toEqual([{ text: 'A\nB' }]);
    const mixed = renderInstagramMessages([
      {
        type: 'carousel',
        altText: 'x',
        cards: [
          { title: 'A', buttons: [] },
          { title: 'B', subtitle: 'b', buttons: [] },
        ],
      },
    ]);
    expect(templateOf(mixed[0]).elements).toEqual([
      { title: 'A', subtitle: 'A' },
      { title: 'B', subtitle: 'b' },
    ]);
  });
});

describe('accountLink', () => {
  it('becomes a button template with one web_url button (Instagram has no Log In button)', () => {
    const rendered = renderInstagramMessages([
      { type: 'accountLink', text: 'Sign in to see your orders', label: 'Sign in', url: 'https://brand.example/link?token=abc' },
    ]);
    expect(templateOf(rendered[0])).toEqual({
      template_type: 'button',
      text: 'Sign in to see your orders',
      buttons: [{ type: 'web_url', title: 'Sign in', url: 'https://brand.example/link?token=abc' }],
    });
    expect(renderInstagramMessages([{ type: 'accountLink', text: 'Sign in', label: 'Go', url: 'javascript:alert(1)' }])).toEqual([
      { text: 'Sign in' },
    ]);
  });

  it('never produces a button type Instagram templates refuse', () => {
    const rendered = renderInstagramMessages([
      { type: 'accountLink', text: 't', label: 'l', url: 'https://x.example' },
      { type: 'buttons', text: 't', buttons: [postback(1), { type: 'url', label: 'u', url: 'https://x.example' }] },
    ]);
    const types = rendered.flatMap((m) => ((templateOf(m).buttons as Array<{ type: string }>) ?? []).map((b) => b.type));
    expect(new Set(types)).toEqual(new Set(['web_url', 'postback']));
  });
});

import { lineRequestProblems, pointerToProperty, translateSchemas, validateLineRequest } from '../../../local/lineOpenApi';

const text = (value: string) => ({ type: 'text', text: value });

/** A bubble like the ticket carousel: hero image, body texts, footer buttons. */
function ticketBubble(id: string, overrides: { bodyContents?: unknown[]; footer?: unknown } = {}): Record<string, unknown> {
  return {
    type: 'bubble',
    hero: { type: 'image', url: `https://picsum.photos/seed/${id}/600/400`, size: 'full', aspectRatio: '3:2', aspectMode: 'cover' },
    body: {
      type: 'box',
      layout: 'vertical',
      contents: overrides.bodyContents ?? [
        { type: 'text', text: 'Taipei 101 Observatory', weight: 'bold', size: 'lg', wrap: true },
        { type: 'text', text: 'Valid until 2026-12-31', size: 'sm', color: '#888888' },
      ],
    },
    footer: overrides.footer ?? {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: [
        {
          type: 'button',
          style: 'primary',
          action: { type: 'postback', label: 'Use ticket', data: `action=use&id=${id}`, displayText: 'Use ticket' },
        },
        { type: 'button', style: 'link', action: { type: 'uri', label: 'Details', uri: `https://example.com/tickets/${id}` } },
      ],
    },
  };
}

function flexCarousel(bubbles: unknown[]): Record<string, unknown> {
  return { type: 'flex', altText: 'Your tickets', contents: { type: 'carousel', contents: bubbles } };
}

describe('validateLineRequest: valid requests', () => {
  it('accepts a text reply', () => {
    expect(validateLineRequest('reply', { replyToken: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA', messages: [text('Hello')] })).toEqual([]);
  });

  it('accepts a flex carousel of bubbles with hero, body texts and postback/uri footer buttons', () => {
    const body = { replyToken: 'token', messages: [flexCarousel([ticketBubble('T-1001'), ticketBubble('T-1002')])] };
    expect(validateLineRequest('reply', body)).toEqual([]);
  });

  it('accepts a text with quick reply items', () => {
    const message = {
      ...text('Which plan?'),
      quickReply: {
        items: [
          { type: 'action', action: { type: 'message', label: 'Basic', text: 'basic' } },
          { type: 'action', imageUrl: 'https://example.com/vip.png', action: { type: 'postback', label: 'VIP', data: 'plan=vip' } },
        ],
      },
    };
    expect(validateLineRequest('push', { to: 'U4af4980629', messages: [message] })).toEqual([]);
  });

  it('accepts a loading request with a multiple of 5 seconds, or none', () => {
    expect(validateLineRequest('loading', { chatId: 'U4af4980629', loadingSeconds: 20 })).toEqual([]);
    expect(validateLineRequest('loading', { chatId: 'U4af4980629' })).toEqual([]);
  });
});

describe('validateLineRequest: problems', () => {
  it('rejects an empty message list', () => {
    expect(validateLineRequest('reply', { replyToken: 't', messages: [] })).toEqual(['/messages: must NOT have fewer than 1 items']);
  });

  it('rejects 6 messages', () => {
    const messages = Array.from({ length: 6 }, (_, i) => text(`m${i}`));
    expect(validateLineRequest('push', { to: 'U1', messages })).toEqual(['/messages: must NOT have more than 5 items']);
  });

  it('checks a text message against TextMessage, not just the base Message', () => {
    expect(validateLineRequest('reply', { replyToken: 't', messages: [{ type: 'text' }] })).toEqual(['/messages/0/text: is required']);
  });

  it('rejects an unknown flex component type inside a bubble', () => {
    const bubble = ticketBubble('T-1', { bodyContents: [text('ok'), { type: 'headline', text: 'nope' }] });
    const problems = validateLineRequest('reply', { replyToken: 't', messages: [flexCarousel([bubble])] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^\/messages\/0\/contents\/contents\/0\/body\/contents\/1\/type: must be equal to one of the allowed values: "box", /,
    );
  });

  it('rejects loadingSeconds that are not a multiple of 5', () => {
    expect(validateLineRequest('loading', { chatId: 'U1', loadingSeconds: 7 })).toEqual(['/loadingSeconds: must be multiple of 5']);
  });

  it('rejects an unknown message type and a missing one', () => {
    expect(validateLineRequest('reply', { replyToken: 't', messages: [{ type: 'txt', text: 'hi' }] })[0]).toMatch(
      /^\/messages\/0\/type: must be equal to one of the allowed values/,
    );
    expect(validateLineRequest('reply', { replyToken: 't', messages: [{ text: 'hi' }] })).toEqual(['/messages/0/type: is required']);
  });

  it('applies subtype rules deep inside: a button needs an action, a uri action a URI', () => {
    const footer = {
      type: 'box',
      layout: 'vertical',
      contents: [{ type: 'button' }, { type: 'button', action: { type: 'uri', label: 'x', uri: 'not a uri' } }],
    };
    const problems = validateLineRequest('reply', { replyToken: 't', messages: [flexCarousel([ticketBubble('T-1', { footer })])] });
    expect(problems).toEqual([
      '/messages/0/contents/contents/0/footer/contents/0/action: is required',
      '/messages/0/contents/contents/0/footer/contents/1/action/uri: must match format "uri"',
    ]);
  });

  it('pins directly referenced subtypes to their own tag (carousel items must be bubbles)', () => {
    const problems = validateLineRequest('reply', { replyToken: 't', messages: [flexCarousel([{ type: 'carousel', contents: [] }])] });
    expect(problems).toEqual(['/messages/0/contents/contents/0/type: must be equal to one of the allowed values: "bubble"']);
  });

  it('rejects an unknown action type in a quick reply', () => {
    const message = { ...text('hi'), quickReply: { items: [{ type: 'action', action: { type: 'teleport', label: 'x' } }] } };
    expect(validateLineRequest('push', { to: 'U1', messages: [message] })[0]).toMatch(
      /^\/messages\/0\/quickReply\/items\/0\/action\/type: must be equal to one of/,
    );
  });

  it('reports missing top-level fields and non-object bodies', () => {
    expect(validateLineRequest('push', { messages: [text('a')] })).toEqual(['/to: is required']);
    expect(validateLineRequest('reply', 'hello')).toEqual(['/: must be object']);
  });

  it('gives LINE-style property names', () => {
    expect(lineRequestProblems('reply', { replyToken: 't', messages: [{ type: 'text' }] })).toEqual([
      { path: '/messages/0/text', property: 'messages[0].text', message: 'is required' },
    ]);
  });
});

describe('helpers', () => {
  it('converts JSON pointers to LINE property paths', () => {
    expect(pointerToProperty('')).toBe('');
    expect(pointerToProperty('/messages/0/contents/contents/2/type')).toBe('messages[0].contents.contents[2].type');
    expect(pointerToProperty('/a~1b/c~0d')).toBe('a/b.c~d');
  });

  it('splits a discriminated base into a common part and a dispatcher, and turns nullable into a null type', () => {
    const schemas = translateSchemas({
      Pet: {
        type: 'object',
        required: ['type'],
        properties: { type: { type: 'string' } },
        discriminator: { propertyName: 'type', mapping: { cat: '#/components/schemas/Cat' } },
      },
      Cat: { allOf: [{ $ref: '#/components/schemas/Pet' }, { properties: { lives: { type: 'integer', nullable: true } } }] },
    });
    expect(schemas['Pet__common']).toEqual({ type: 'object', required: ['type'], properties: { type: { type: 'string' } } });
    expect(schemas['Pet']).toEqual({
      allOf: [
        { $ref: '#/components/schemas/Pet__common' },
        { required: ['type'], properties: { type: { enum: ['cat'] } } },
        { if: { properties: { type: { const: 'cat' } }, required: ['type'] }, then: { $ref: '#/components/schemas/Cat' } },
      ],
    });
    expect(schemas['Cat']).toEqual({
      allOf: [
        { $ref: '#/components/schemas/Pet__common' },
        { properties: { lives: { type: ['integer', 'null'] } } },
        { properties: { type: { enum: ['cat'] } } },
      ],
    });
  });
});

import type { LocalStack } from '../../local/localStack';
import { demoFlow } from '../../local/demoFlow';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startTestStack } from '../support/localStackHarness';

/**
 * `POST /admin/preview`: a message block rendered for LINE and Messenger with sample values, through
 * the engine's resolveMessages and the channels' own renderers. Nothing is called or written.
 */

type Json = Record<string, unknown>;

describe('admin preview of a message block', () => {
  let stack: LocalStack;
  let admin: AdminClient;
  let flow: Json & { blocks: Record<string, Json> };

  beforeAll(async () => {
    stack = await startTestStack();
    admin = adminClient(stack, stack.demo.adminKey);
    flow = demoFlow(stack.brandApi.url) as unknown as typeof flow;
  });

  afterAll(async () => {
    await stack.stop();
  });

  const tickets = {
    tickets: [
      { id: 't1', title: 'Oolong tasting', validUntil: '2025-12-31', imageUrl: 'https://img.example/oolong.png' },
      { id: 't2', title: 'Tea & cake', validUntil: '2026-01-31', imageUrl: 'https://img.example/cake.png' },
    ],
  };

  test('a carousel repeated over a sample response renders for LINE and Messenger; nothing is called', async () => {
    stack.brandApi.reset();
    const reply = await admin.call('POST', '/admin/preview', { flow, blockId: 'show_tickets', response: tickets });
    expect(reply.status).toBe(200);
    const body = reply.body as { blockId: string; line: Json[]; messenger: Json[]; empty: boolean };
    expect(body.blockId).toBe('show_tickets');
    expect(body.empty).toBe(false);

    // LINE: one Flex carousel with a bubble per ticket, its postback data URL-encoded from the item.
    expect(body.line).toHaveLength(1);
    const flex = body.line[0] as { type: string; altText: string; contents: { type: string; contents: unknown[] } };
    expect([flex.type, flex.altText, flex.contents.type, flex.contents.contents.length]).toEqual([
      'flex',
      'Your unused tickets',
      'carousel',
      2,
    ]);
    const lineText = JSON.stringify(flex);
    for (const text of [
      'Oolong tasting',
      'Valid until 2025-12-31',
      'Tea & cake',
      'https://img.example/cake.png',
      'action=use_ticket&id=t2',
      'Use this ticket',
    ])
      expect(lineText).toContain(text);

    // Messenger: a generic template with an element per ticket.
    expect(body.messenger).toHaveLength(1);
    const payload = (body.messenger[0] as { attachment: { type: string; payload: { template_type: string; elements: Json[] } } }).attachment
      .payload;
    expect(payload.template_type).toBe('generic');
    expect(payload.elements.map((e) => [e.title, e.subtitle, e.image_url])).toEqual([
      ['Oolong tasting', 'Valid until 2025-12-31', 'https://img.example/oolong.png'],
      ['Tea & cake', 'Valid until 2026-01-31', 'https://img.example/cake.png'],
    ]);
    // The card's endpoint was not called: a preview only renders.
    expect(stack.brandApi.requests()).toEqual([]);
  });

  test('attributes and an empty repeat: the sample values render, and empty says where the turn would go', async () => {
    const withGreeting = {
      ...flow,
      blocks: {
        ...flow.blocks,
        hello: {
          type: 'message',
          messages: [
            {
              type: 'text',
              text: 'Hi {{ attributes.name }}!',
              quickReplies: [{ type: 'postback', label: 'Tickets', data: 'action=tickets' }],
            },
          ],
        },
      },
    };
    const hello = await admin.call('POST', '/admin/preview', { flow: withGreeting, blockId: 'hello', attributes: { name: 'Mei' } });
    expect(hello.status).toBe(200);
    const body = hello.body as { line: Json[]; messenger: Json[] };
    expect(body.line).toEqual([
      {
        type: 'text',
        text: 'Hi Mei!',
        quickReply: {
          items: [{ type: 'action', action: expect.objectContaining({ type: 'postback', label: 'Tickets', data: 'action=tickets' }) }],
        },
      },
    ]);
    expect(body.messenger).toEqual([
      expect.objectContaining({ text: 'Hi Mei!', quick_replies: [expect.objectContaining({ title: 'Tickets' })] }),
    ]);

    const none = await admin.call('POST', '/admin/preview', { flow, blockId: 'show_tickets', response: { tickets: [] } });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ blockId: 'show_tickets', line: [], messenger: [], empty: true });
  });

  test('an unknown block, a block that is not a message block, an invalid block or a template that cannot render: 400 with a path', async () => {
    const unknown = await admin.call('POST', '/admin/preview', { flow, blockId: 'nowhere' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ problems: [{ path: 'blockId', message: 'no block named "nowhere"' }] });

    const question = await admin.call('POST', '/admin/preview', { flow, blockId: 'ask_name' });
    expect(question.status).toBe(400);
    expect(question.body).toMatchObject({
      problems: [{ path: 'blockId', message: '"ask_name" is a question block, not a message block' }],
    });

    const broken = { ...flow, blocks: { ...flow.blocks, bad: { type: 'message', messages: [{ type: 'text', text: '' }], nxt: 'x' } } };
    const invalid = await admin.call('POST', '/admin/preview', { flow: broken, blockId: 'bad' });
    expect(invalid.status).toBe(400);
    const paths = (invalid.body as { problems: Array<{ path: string }> }).problems.map((p) => p.path).sort();
    expect(paths).toEqual(['flow.blocks.bad.messages.0.text', 'flow.blocks.bad.nxt']);

    // The rest of the flow may be unfinished: only the block previewed is checked.
    const unfinished = {
      ...flow,
      triggers: [],
      blocks: { ...flow.blocks, half: { type: 'question' }, ok: { type: 'message', messages: [{ type: 'text', text: 'fine' }] } },
    };
    expect((await admin.call('POST', '/admin/preview', { flow: unfinished, blockId: 'ok' })).status).toBe(200);

    const notArray = await admin.call('POST', '/admin/preview', { flow, blockId: 'show_tickets', response: { tickets: 'none' } });
    expect(notArray.status).toBe(400);
    expect(notArray.body).toMatchObject({
      problems: [{ path: 'flow.blocks.show_tickets.messages.0', message: expect.stringContaining('not an array') }],
    });

    const noKey = await adminClient(stack, 'wrong-key').call('POST', '/admin/preview', { flow, blockId: 'show_tickets' });
    expect(noKey.status).toBe(401);
  });
});

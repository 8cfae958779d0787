import { createHmac } from 'node:crypto';
import { CHANNEL_KINDS, adapterFor } from '../../../../shared/channels/registry';

const lineText = (source: Record<string, string>, text = 'hi') => ({
  type: 'message',
  mode: 'active',
  timestamp: 1_700_000_000_000,
  webhookEventId: '01HLINEEVENT',
  source,
  replyToken: 'reply-token',
  message: { type: 'text', id: '1', text },
});

describe('the LINE adapter', () => {
  const line = adapterFor('line');

  it("reads a delivery without events as LINE's Verify button", () => {
    expect(line.parseDelivery({ destination: 'U0', events: [] })).toEqual({ ok: true, verification: true, events: [] });
  });

  it('reads a text in a group as a turn of the group, with the member who spoke and the reply token', () => {
    const parsed = line.parseDelivery({ events: [lineText({ type: 'group', groupId: 'C1', userId: 'U2' })] });
    expect(parsed).toEqual({
      ok: true,
      verification: false,
      events: [
        {
          kind: 'turn',
          turn: {
            eventId: '01HLINEEVENT',
            userId: 'C1',
            chat: 'group',
            speakerId: 'U2',
            event: { type: 'text', text: 'hi' },
            replyToken: 'reply-token',
          },
        },
      ],
    });
  });

  it('logs a skip with its reason, and answers a body that is no LINE webhook with its problems', () => {
    const parsed = line.parseDelivery({ events: [{ ...lineText({ type: 'user', userId: 'U1' }), type: 'join' }] });
    expect(parsed.ok && parsed.events).toEqual([
      { kind: 'skip', eventId: '01HLINEEVENT', reason: 'join: answers come when a member writes' },
    ]);
    const refused = line.parseDelivery({ events: 'no' });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.answer.error).toBe('not a LINE webhook');
    expect(!refused.ok && refused.answer.problems?.length).toBe(1);
  });

  it('names the conversations of an unverified body, and checks the signature on the raw bytes', () => {
    const body = { events: [lineText({ type: 'user', userId: 'U1' }), lineText({ type: 'room', roomId: 'R1' })] };
    expect(line.conversationIds(body)).toEqual(['U1', 'R1']);
    const raw = Buffer.from(JSON.stringify(body));
    const signature = createHmac('sha256', 'secret').update(raw).digest('base64');
    expect(line.verifySignature(raw, 'secret', signature)).toBe(true);
    expect(line.verifySignature(raw, 'other', signature)).toBe(false);
    expect(line.signatureHeader).toBe('x-line-signature');
  });
});

describe('the Messenger adapter', () => {
  const messenger = adapterFor('messenger');
  const page = (messaging: unknown[]) => ({ object: 'page', entry: [{ id: 'P1', time: 1, messaging }] });

  it("reads a person's text as a turn addressed to its page", () => {
    const parsed = messenger.parseDelivery(
      page([{ sender: { id: 'PSID1' }, recipient: { id: 'P1' }, timestamp: 1_700_000_000_000, message: { mid: 'm_1', text: 'hi' } }]),
    );
    expect(parsed).toEqual({
      ok: true,
      verification: false,
      events: [{ kind: 'turn', to: 'P1', turn: { eventId: 'm_1', userId: 'PSID1', event: { type: 'text', text: 'hi' } } }],
    });
  });

  it("skips an echo that is not callcard's receipt, and answers a body that is no Messenger webhook", () => {
    const parsed = messenger.parseDelivery(
      page([{ sender: { id: 'P1' }, recipient: { id: 'PSID1' }, message: { mid: 'm_2', text: 'x', is_echo: true } }]),
    );
    expect(parsed.ok && parsed.events).toEqual([{ kind: 'skip', eventId: 'm_2', reason: 'echo' }]);
    expect(messenger.parseDelivery({ nothing: true })).toEqual({ ok: false, answer: { error: 'not a Messenger webhook' } });
  });

  it("names the senders of an unverified body (not the page's own echoes), and checks Meta's signature", () => {
    const body = page([
      { sender: { id: 'PSID1' }, message: { mid: 'm_1', text: 'hi' } },
      { sender: { id: 'P1' }, message: { mid: 'm_2', text: 'x', is_echo: true } },
    ]);
    expect(messenger.conversationIds(body)).toEqual(['PSID1']);
    const raw = Buffer.from(JSON.stringify(body));
    const header = `sha256=${createHmac('sha256', 'app-secret').update(raw).digest('hex')}`;
    expect(messenger.verifySignature(raw, 'app-secret', header)).toBe(true);
    expect(messenger.verifySignature(raw, 'app-secret', header.replace('sha256=', 'sha1='))).toBe(false);
    expect(messenger.signatureHeader).toBe('x-hub-signature-256');
  });
});

describe('every adapter', () => {
  it('renders a text fitted to its own limit', () => {
    for (const kind of CHANNEL_KINDS) {
      const adapter = adapterFor(kind);
      const limit = adapter.limits.outbound.text ?? 0;
      const rendered = adapter.render([{ type: 'text', text: 'x'.repeat(limit + 1) }]);
      expect({ kind, parts: rendered.length }).toEqual({ kind, parts: 2 });
    }
  });
});

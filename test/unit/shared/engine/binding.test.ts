import type { Binding } from '../../../../shared/domain/binding';
import type { CardOutcome } from '../../../../shared/engine/callApi';
import { runTurn, type TurnDeps, type TurnInput } from '../../../../shared/engine/runTurn';
import { flowSchema, type Flow, type FlowInput } from '../../../../shared/flow/schema';
import { BUILT_IN_TEXTS } from '../../../../shared/flow/texts';
import type { TemplateContext } from '../../../../shared/templating/liquid';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;

/** "tickets" runs the personal card `load`; `ask_code` → `check` (binds) → `load` is where verification starts. */
function ticketsFlow(extra: Partial<FlowInput> = {}, blocks: FlowInput['blocks'] = {}): Flow {
  return flowSchema.parse({
    schemaVersion: 1,
    name: 'tickets',
    triggers: [
      { type: 'postback', action: 'tickets', start: 'load' },
      { type: 'keyword', keywords: ['unlink'], start: 'unlink' },
      { type: 'keyword', keywords: ['code'], start: 'check' },
    ],
    verify: 'ask_code',
    blocks: {
      load: {
        type: 'callApi',
        personal: true,
        request: { url: 'https://brand.example/members/{{ binding.memberId }}/tickets' },
        onSuccess: 'show',
      },
      show: {
        type: 'message',
        messages: [{ type: 'text', text: 'Tickets of {{ binding.memberId }} ({{ binding.attributes.name }}, {{ binding.method }})' }],
      },
      ask_code: { type: 'question', prompt: 'Your code?', input: { type: 'text' }, saveAs: 'code', next: 'check' },
      check: {
        type: 'callApi',
        request: {
          method: 'POST',
          url: 'https://brand.example/otp/verify',
          body: { type: 'json', value: { code: '{{ attributes.code }}' } },
        },
        bind: { memberId: 'response.body.memberId', attributes: { name: 'response.body.name' } },
        onSuccess: 'load',
        onFailure: 'wrong',
      },
      wrong: { type: 'message', messages: [{ type: 'text', text: 'Wrong code ({{ failure.reason }}).' }] },
      unlink: { type: 'unbind', next: 'after_unlink' },
      after_unlink: {
        type: 'message',
        messages: [{ type: 'text', text: 'Unlinked{% if binding %}?{% else %}.{% endif %}' }],
        next: 'load',
      },
      ...blocks,
    },
    ...extra,
  });
}

const member: Binding = { memberId: 'M001', attributes: { name: 'Mei' }, method: 'oneTimeCode', verifiedAt: '2026-02-01T00:00:00.000Z' };

function brand(script: Record<string, (context: TemplateContext) => CardOutcome>) {
  const calls: Array<{ blockId: string; context: TemplateContext }> = [];
  const callApi: TurnDeps['callApi'] = async (blockId, _block, context) => {
    calls.push({ blockId, context });
    const step = script[blockId];
    if (!step) throw new Error(`no script for ${blockId}`);
    return step(context);
  };
  return { callApi, calls };
}
const ok = (body: unknown): CardOutcome => ({ ok: true, response: { status: 200, headers: {}, body }, attempts: 1 });
const tickets = () => ok({ tickets: [] });

function turn(flow: Flow, event: TurnInput['event'], extra: Partial<TurnInput> = {}, binding?: Binding): TurnInput {
  return {
    flow,
    flowRef: { flowId: 'f', version: 1 },
    event,
    session: undefined,
    customer: { id: 'U1', channel: 'line', attributes: {}, ...(binding ? { binding } : {}) },
    now: NOW,
    language: 'en',
    ...extra,
  };
}
const texts = (result: { messages: Array<{ type: string; text?: string }> }) => result.messages.map((m) => m.text ?? `[${m.type}]`);

describe('personal cards at run time', () => {
  test('a customer with a live binding: the personal card runs, templates see binding.*', async () => {
    const api = brand({ load: tickets });
    const result = await runTurn(turn(ticketsFlow(), { type: 'postback', data: 'action=tickets' }, {}, member), api);
    expect(texts(result)).toEqual(['Tickets of M001 (Mei, oneTimeCode)']);
    expect(api.calls[0]?.context.binding).toEqual({
      memberId: 'M001',
      method: 'oneTimeCode',
      verifiedAt: member.verifiedAt,
      attributes: { name: 'Mei' },
    });
    expect(result).not.toHaveProperty('binding');
    expect(result).not.toHaveProperty('refused');
  });

  test('no binding: the card is not called; the turn goes to the flow’s verify start', async () => {
    const api = brand({});
    const result = await runTurn(turn(ticketsFlow(), { type: 'postback', data: 'action=tickets' }), api);
    expect(api.calls).toEqual([]);
    expect(texts(result)).toEqual(['Your code?']);
    expect(result).toMatchObject({ refused: 'load', session: { waitingOn: 'ask_code' } });
  });

  test('no verify start: the built-in text in the workspace language, or the flow’s own', async () => {
    const flow = ticketsFlow({ verify: undefined });
    const en = await runTurn(turn(flow, { type: 'postback', data: 'action=tickets' }), brand({}));
    expect(texts(en)).toEqual([BUILT_IN_TEXTS.en.verifyFirst]);
    expect(en).toMatchObject({ session: null, refused: 'load' });
    const zh = await runTurn(turn(flow, { type: 'postback', data: 'action=tickets' }, { language: 'zh-TW' }), brand({}));
    expect(texts(zh)).toEqual([BUILT_IN_TEXTS['zh-TW'].verifyFirst]);
    const own = await runTurn(
      turn(ticketsFlow({ verify: undefined, texts: { verifyFirst: 'Members only: tap Verify in the menu.' } }), {
        type: 'postback',
        data: 'action=tickets',
      }),
      brand({}),
    );
    expect(texts(own)).toEqual(['Members only: tap Verify in the menu.']);
  });

  test('a lapsed binding is no binding: by its lapsesAt, or by the workspace’s current bindingLapseDays', async () => {
    const lapsed = { ...member, lapsesAt: new Date(NOW - 1).toISOString() };
    expect(texts(await runTurn(turn(ticketsFlow(), { type: 'postback', data: 'action=tickets' }, {}, lapsed), brand({})))).toEqual([
      'Your code?',
    ]);
    const live = { ...member, lapsesAt: new Date(NOW + 1).toISOString() };
    expect(
      texts(await runTurn(turn(ticketsFlow(), { type: 'postback', data: 'action=tickets' }, {}, live), brand({ load: tickets }))),
    ).toEqual(['Tickets of M001 (Mei, oneTimeCode)']);
    // Verified 28 days before NOW: live under 30 days, lapsed under 7.
    expect(
      texts(
        await runTurn(
          turn(ticketsFlow(), { type: 'postback', data: 'action=tickets' }, { bindingLapseDays: 30 }, member),
          brand({ load: tickets }),
        ),
      ),
    ).toEqual(['Tickets of M001 (Mei, oneTimeCode)']);
    expect(
      texts(await runTurn(turn(ticketsFlow(), { type: 'postback', data: 'action=tickets' }, { bindingLapseDays: 7 }, member), brand({}))),
    ).toEqual(['Your code?']);
  });

  test('a card that binds: on success the binding is made (oneTimeCode, verifiedAt now, lapsesAt from the setting) and live for the rest of the turn', async () => {
    const api = brand({ check: () => ok({ verified: true, memberId: 'M002', name: 'Chih-Ming', extra: 'not kept' }), load: tickets });
    const result = await runTurn(turn(ticketsFlow(), { type: 'text', text: 'code' }, { bindingLapseDays: 30 }), api);
    const made = {
      memberId: 'M002',
      attributes: { name: 'Chih-Ming' },
      method: 'oneTimeCode',
      verifiedAt: '2026-03-01T10:00:00.000Z',
      lapsesAt: new Date(NOW + 30 * DAY).toISOString(),
    };
    expect(result.binding).toEqual(made);
    expect(texts(result)).toEqual(['Tickets of M002 (Chih-Ming, oneTimeCode)']);
    expect(api.calls.map((c) => c.blockId)).toEqual(['check', 'load']);
    // No setting: no lapsesAt. A numeric member id is kept as text.
    const plain = await runTurn(
      turn(ticketsFlow(), { type: 'text', text: 'code' }),
      brand({ check: () => ok({ memberId: 42 }), load: tickets }),
    );
    expect(plain.binding).toEqual({ memberId: '42', method: 'oneTimeCode', verifiedAt: '2026-03-01T10:00:00.000Z' });
  });

  test('an answer that names no member binds nobody: the card fails (success_condition) and the personal card is not reached', async () => {
    for (const body of [{ verified: true }, { memberId: '' }, { memberId: { id: 'M1' } }, 'M001']) {
      const api = brand({ check: () => ok(body) });
      const result = await runTurn(turn(ticketsFlow(), { type: 'text', text: 'code' }), api);
      expect(texts(result)).toEqual(['Wrong code (success_condition).']);
      expect(result).not.toHaveProperty('binding');
      expect(api.calls.map((c) => c.blockId)).toEqual(['check']);
    }
  });

  test('a failed card binds nobody', async () => {
    const result = await runTurn(
      turn(ticketsFlow(), { type: 'text', text: 'code' }),
      brand({
        check: () => ({
          ok: false,
          reason: 'http_422',
          kind: 'http_4xx',
          response: { status: 422, headers: {}, body: { memberId: 'M001' } },
          attempts: 1,
        }),
      }),
    );
    expect(texts(result)).toEqual(['Wrong code (http_4xx).']);
    expect(result).not.toHaveProperty('binding');
  });

  test('unbind: the binding is gone for the rest of the turn and the result says to remove it', async () => {
    const api = brand({});
    const result = await runTurn(turn(ticketsFlow(), { type: 'text', text: 'unlink' }, {}, member), api);
    expect(result.binding).toBeNull();
    expect(texts(result)).toEqual(['Unlinked.', 'Your code?']);
    expect(api.calls).toEqual([]);
  });

  test('a way back to the personal card from verify without a binding ends the turn with the text, once', async () => {
    // The verify start goes straight back to the personal card: no loop of 100 blocks.
    const flow = ticketsFlow(
      { verify: 'again' },
      { again: { type: 'message', messages: [{ type: 'text', text: 'Verifying…' }], next: 'load' } },
    );
    const result = await runTurn(turn(flow, { type: 'postback', data: 'action=tickets' }), brand({}));
    expect(texts(result)).toEqual(['Verifying…', BUILT_IN_TEXTS.en.verifyFirst]);
  });

  test('a personal flow: every card personal, unless the card says personal: false', async () => {
    const flow = ticketsFlow(
      { personal: true },
      {
        load: { type: 'callApi', request: { url: 'https://brand.example/members/{{ binding.memberId }}/tickets' }, onSuccess: 'show' },
        check: {
          type: 'callApi',
          personal: false,
          request: { method: 'POST', url: 'https://brand.example/otp/verify' },
          bind: { memberId: 'response.body.memberId' },
          onSuccess: 'load',
        },
      },
    );
    expect(texts(await runTurn(turn(flow, { type: 'postback', data: 'action=tickets' }), brand({})))).toEqual(['Your code?']);
    const verified = await runTurn(
      turn(flow, { type: 'text', text: 'code' }),
      brand({ check: () => ok({ memberId: 'M9' }), load: tickets }),
    );
    expect(texts(verified)).toEqual(['Tickets of M9 (, oneTimeCode)']);
  });

  test('in a group or room a personal card or a card that binds never runs (a flow saved before validation refused it)', async () => {
    const flow = ticketsFlow({ chats: ['user', 'group'] });
    for (const event of [
      { type: 'postback' as const, data: 'action=tickets' },
      { type: 'text' as const, text: 'code' },
    ]) {
      const api = brand({});
      const result = await runTurn(turn(flow, event, { chat: 'group' }, member), api);
      expect(texts(result)).toEqual([BUILT_IN_TEXTS.en.oneToOneOnly]);
      expect(api.calls).toEqual([]);
      expect(result).not.toHaveProperty('binding');
    }
  });
});

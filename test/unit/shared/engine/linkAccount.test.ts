import type { Session } from '../../../../shared/domain/session';
import type { CardOutcome } from '../../../../shared/engine/callApi';
import { runTurn, type TurnDeps, type TurnInput } from '../../../../shared/engine/runTurn';
import { flowSchema, type Flow, type FlowInput } from '../../../../shared/flow/schema';
import { BUILT_IN_TEXTS } from '../../../../shared/flow/texts';
import type { TemplateContext } from '../../../../shared/templating/liquid';

/**
 * The linkAccount block in the engine: the button (a LINE link token in its URL, or Messenger's Log
 * In), the wait, and the channel's event resuming the flow at the card that resolves the nonce and
 * binds with the channel's method; failures explained; an unlink removes the binding.
 */
const NOW = Date.parse('2026-03-01T10:00:00.000Z');

function linkFlow(link: Partial<FlowInput['blocks'][string]> = {}, extra: Partial<FlowInput> = {}): Flow {
  return flowSchema.parse({
    schemaVersion: 1,
    name: 'tickets',
    triggers: [{ type: 'postback', action: 'tickets', start: 'load' }],
    verify: 'link',
    blocks: {
      load: {
        type: 'callApi',
        personal: true,
        request: { url: 'https://brand.example/members/{{ binding.memberId }}/tickets' },
        onSuccess: 'show',
      },
      show: { type: 'message', messages: [{ type: 'text', text: 'Tickets of {{ binding.memberId }} ({{ binding.method }})' }] },
      link: {
        type: 'linkAccount',
        loginUrl: 'https://brand.example/login?from={{ trigger.params.action }}',
        text: 'Sign in to see your tickets.',
        onLinked: 'resolve',
        ...link,
      },
      resolve: {
        type: 'callApi',
        request: {
          method: 'POST',
          url: 'https://brand.example/link/resolve',
          body: { type: 'json', value: { nonce: '{{ link.nonce }}' } },
        },
        bind: { memberId: 'response.body.memberId' },
        onSuccess: 'load',
        onFailure: 'sorry',
      },
      sorry: { type: 'message', messages: [{ type: 'text', text: 'That sign-in could not be checked ({{ failure.status }}).' }] },
      ask: { type: 'message', messages: [{ type: 'text', text: 'Code, then.' }] },
    },
    ...extra,
  });
}

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
const gone: CardOutcome = {
  ok: false,
  reason: 'status 410',
  kind: 'http_4xx',
  response: { status: 410, headers: {}, body: { error: 'used' } },
  attempts: 1,
};

function turn(flow: Flow, event: TurnInput['event'], extra: Partial<TurnInput> = {}, channel = 'line'): TurnInput {
  return {
    flow,
    flowRef: { flowId: 'f', version: 1 },
    event,
    session: undefined,
    customer: { id: 'U1', channel, attributes: {} },
    now: NOW,
    language: 'en',
    ...extra,
  };
}
const waitingOnLink: Session = { flowId: 'f', version: 1, waitingOn: 'link', attempts: 0, trigger: { action: 'tickets' }, expiresAt: 0 };

describe('the linkAccount block', () => {
  test('on LINE: a personal card sends an unverified customer to the link; the button carries a fresh link token, and the flow waits', async () => {
    const { callApi } = brand({});
    let issued = 0;
    const result = await runTurn(turn(linkFlow(), { type: 'postback', data: 'action=tickets' }), {
      callApi,
      linkToken: async () => `token-${(issued += 1)}`,
    });
    expect(result.messages).toEqual([
      {
        type: 'accountLink',
        text: 'Sign in to see your tickets.',
        label: BUILT_IN_TEXTS.en.linkButton,
        url: 'https://brand.example/login?from=tickets&linkToken=token-1',
      },
    ]);
    expect(result.session).toEqual({ flowId: 'f', version: 1, waitingOn: 'link', attempts: 0, trigger: { action: 'tickets' } });
    expect(result.refused).toBe('load');
    // Something else meanwhile (no trigger): the button again, with a new token.
    const again = await runTurn(turn(linkFlow(), { type: 'text', text: 'hello?' }, { session: waitingOnLink }), {
      callApi,
      linkToken: async () => `token-${(issued += 1)}`,
    });
    expect(again.messages).toEqual([
      expect.objectContaining({ type: 'accountLink', url: 'https://brand.example/login?from=tickets&linkToken=token-2' }),
    ]);
    expect(again.session?.waitingOn).toBe('link');
  });

  test('on Messenger: the Log In button to the login URL as written (Messenger adds its own parameters), no token', async () => {
    const { callApi } = brand({});
    const linkToken = jest.fn(async () => 'never');
    const result = await runTurn(turn(linkFlow({ label: 'Sign in' }), { type: 'postback', data: 'action=tickets' }, {}, 'messenger'), {
      callApi,
      linkToken,
    });
    expect(result.messages).toEqual([
      { type: 'accountLink', text: 'Sign in to see your tickets.', label: 'Sign in', url: 'https://brand.example/login?from=tickets' },
    ]);
    expect(linkToken).not.toHaveBeenCalled();
  });

  test("linked: the card resolves link.nonce, binds with the channel's method, and the personal card runs", async () => {
    for (const [channel, method] of [
      ['line', 'lineAccountLink'],
      ['messenger', 'messengerAccountLink'],
    ] as const) {
      const { callApi, calls } = brand({ resolve: () => ok({ memberId: 'M001' }), load: () => ok({ tickets: [] }) });
      const result = await runTurn(
        turn(linkFlow(), { type: 'accountLink', result: 'ok', nonce: 'nonce-1' }, { session: waitingOnLink }, channel),
        { callApi },
      );
      expect(calls.map((c) => c.blockId)).toEqual(['resolve', 'load']);
      expect(calls[0]?.context.link).toEqual({ result: 'ok', nonce: 'nonce-1' });
      expect(result.route).toBe('link');
      expect(result.binding).toEqual({ memberId: 'M001', method, verifiedAt: new Date(NOW).toISOString() });
      expect(result.messages).toEqual([{ type: 'text', text: `Tickets of M001 (${method})` }]);
      expect(result.session).toBeNull();
    }
  });

  test("a link that comes after the conversation ended is taken by the flow's link block", async () => {
    const { callApi, calls } = brand({ resolve: () => ok({ memberId: 'M002' }), load: () => ok({ tickets: [] }) });
    const result = await runTurn(turn(linkFlow(), { type: 'accountLink', result: 'ok', nonce: 'n' }), { callApi });
    expect(calls.map((c) => c.blockId)).toEqual(['resolve', 'load']);
    expect(result.binding).toMatchObject({ memberId: 'M002', method: 'lineAccountLink' });
  });

  test("the brand does not know the nonce: the card's failure path, no binding", async () => {
    const { callApi } = brand({ resolve: () => gone });
    const result = await runTurn(turn(linkFlow(), { type: 'accountLink', result: 'ok', nonce: 'used' }, { session: waitingOnLink }), {
      callApi,
    });
    expect(result.messages).toEqual([{ type: 'text', text: 'That sign-in could not be checked (410).' }]);
    expect(result.binding).toBeUndefined();
  });

  test('failed: onFailure, or the built-in text; the card is never called', async () => {
    const { callApi, calls } = brand({});
    const plain = await runTurn(turn(linkFlow(), { type: 'accountLink', result: 'failed' }, { session: waitingOnLink }), { callApi });
    expect(plain.messages).toEqual([{ type: 'text', text: BUILT_IN_TEXTS.en.linkFailed }]);
    expect(plain.session).toBeNull();
    const routed = await runTurn(
      turn(linkFlow({ onFailure: 'sorry' }), { type: 'accountLink', result: 'failed' }, { session: waitingOnLink }),
      { callApi },
    );
    expect(routed.messages).toEqual([{ type: 'text', text: 'That sign-in could not be checked ().' }]);
    expect(calls).toEqual([]);
    expect(plain.binding).toBeUndefined();
  });

  test('no link token (LINE refused, or none can be issued here): the failure path, said and logged', async () => {
    const { callApi } = brand({});
    const errors: string[] = [];
    const refused = await runTurn(turn(linkFlow(), { type: 'postback', data: 'action=tickets' }), {
      callApi,
      linkToken: () => Promise.reject(new Error('LINE 500')),
      onLinkTokenError: (id, e) => errors.push(`${id}: ${(e as Error).message}`),
    });
    expect(refused.messages).toEqual([{ type: 'text', text: BUILT_IN_TEXTS.en.linkFailed }]);
    expect(refused.session).toBeNull();
    expect(errors).toEqual(['link: LINE 500']);
    const none = await runTurn(turn(linkFlow({ onFailure: 'ask' }), { type: 'postback', data: 'action=tickets' }), { callApi });
    expect(none.messages).toEqual([{ type: 'text', text: 'Code, then.' }]);
  });

  test('where no LINE link can be made (the console simulator issues no token): elsewhere when the block names it', async () => {
    const { callApi } = brand({});
    const flow = linkFlow({ channels: ['line'], elsewhere: 'ask', onFailure: 'sorry' });
    expect((await runTurn(turn(flow, { type: 'postback', data: 'action=tickets' }), { callApi })).messages).toEqual([
      { type: 'text', text: 'Code, then.' },
    ]);
    // A token LINE refused is a failure, not another channel.
    const refused = await runTurn(turn(flow, { type: 'postback', data: 'action=tickets' }), {
      callApi,
      linkToken: () => Promise.reject(new Error('LINE 400')),
    });
    expect(refused.messages).toEqual([{ type: 'text', text: 'That sign-in could not be checked ().' }]);
  });

  test('unlinked (Messenger): the binding goes, the waiting conversation stays as it was', async () => {
    const { callApi, calls } = brand({});
    const result = await runTurn(turn(linkFlow(), { type: 'accountLink', result: 'unlinked' }, { session: waitingOnLink }, 'messenger'), {
      callApi,
    });
    expect(result.binding).toBeNull();
    expect(result.messages).toEqual([]);
    expect(result.session).toEqual({ flowId: 'f', version: 1, waitingOn: 'link', attempts: 0, trigger: { action: 'tickets' } });
    expect(calls).toEqual([]);
  });

  test('a channel the block does not link on goes elsewhere', async () => {
    const { callApi } = brand({});
    const result = await runTurn(
      turn(linkFlow({ channels: ['line'], elsewhere: 'ask' }), { type: 'postback', data: 'action=tickets' }, {}, 'messenger'),
      { callApi },
    );
    expect(result.messages).toEqual([{ type: 'text', text: 'Code, then.' }]);
  });

  test('a login URL that renders to no URL is the apology, not a button', async () => {
    const { callApi } = brand({});
    const result = await runTurn(turn(linkFlow({ loginUrl: '{{ attributes.nothing }}' }), { type: 'postback', data: 'action=tickets' }), {
      callApi,
      linkToken: async () => 't',
    });
    expect(result.messages).toEqual([{ type: 'text', text: BUILT_IN_TEXTS.en.failure }]);
  });

  test('in a group: pointed to a one-to-one chat, no token issued', async () => {
    const { callApi } = brand({});
    const linkToken = jest.fn(async () => 't');
    const flow = linkFlow({}, { triggers: [{ type: 'keyword', keywords: ['link'], start: 'link', chats: ['user', 'group'] }] });
    const result = await runTurn(turn(flow, { type: 'text', text: 'link' }, { chat: 'group' }), { callApi, linkToken });
    expect(result.messages).toEqual([{ type: 'text', text: BUILT_IN_TEXTS.en.oneToOneOnly }]);
    expect(linkToken).not.toHaveBeenCalled();
  });
});

import type { InboundEvent } from '../../../../shared/domain/inboundEvents';
import type { Session } from '../../../../shared/domain/session';
import type { CardOutcome } from '../../../../shared/engine/callApi';
import { DEFAULT_FAILURE_TEXT, runTurn, type TurnDeps, type TurnInput } from '../../../../shared/engine/runTurn';
import { flowSchema, type CallApiBlock, type Flow, type FlowInput } from '../../../../shared/flow/schema';
import { BUILT_IN_TEXTS, LEGACY_DEFAULT_REASK } from '../../../../shared/flow/texts';
import type { TemplateContext } from '../../../../shared/templating/liquid';

const FLOW_REF = { flowId: 'flow-1', version: 3 };
const GO: FlowInput['triggers'] = [{ type: 'keyword', keywords: ['go'], start: 'start' }];

function flowOf(blocks: FlowInput['blocks'], triggers: FlowInput['triggers'] = GO): Flow {
  return flowSchema.parse({ schemaVersion: 1, name: 'test flow', triggers, blocks });
}

const text = (t: string): InboundEvent => ({ type: 'text', text: t });
const postback = (data: string): InboundEvent => ({ type: 'postback', data });

function session(waitingOn: string, extra: Partial<Session> = {}): Session {
  return { ...FLOW_REF, waitingOn, attempts: 0, trigger: {}, expiresAt: 0, ...extra };
}

function ok(body: unknown, extra: Partial<Extract<CardOutcome, { ok: true }>> = {}): CardOutcome {
  return { ok: true, response: { status: 200, headers: { 'content-type': 'application/json' }, body }, attempts: 1, ...extra };
}

function failed(reason = 'http_500', body: unknown = { error: 'down' }): CardOutcome {
  return { ok: false, reason, kind: 'http_5xx', response: { status: 500, headers: {}, body }, attempts: 1 };
}

type Script = CardOutcome | ((context: TemplateContext) => CardOutcome | Promise<CardOutcome>);

/** A fake callApi: scripted outcomes per block, every call recorded with the context it got. */
function fakeCallApi(script: Record<string, Script | Script[]>) {
  const calls: Array<{ blockId: string; block: CallApiBlock; context: TemplateContext }> = [];
  const events: string[] = [];
  const callApi: TurnDeps['callApi'] = async (blockId, block, context) => {
    calls.push({ blockId, block, context });
    events.push(`callApi:${blockId}`);
    const entry = script[blockId];
    const n = calls.filter((c) => c.blockId === blockId).length - 1;
    const step = Array.isArray(entry) ? entry[Math.min(n, entry.length - 1)] : entry;
    if (step === undefined) throw new Error(`no script for ${blockId}`);
    return typeof step === 'function' ? step(context) : step;
  };
  return { callApi, calls, events };
}

function turn(flow: Flow, event: InboundEvent, extra: Partial<TurnInput> = {}): TurnInput {
  return { flow, flowRef: FLOW_REF, event, session: undefined, customer: { id: 'U1', channel: 'line', attributes: {} }, ...extra };
}

const textsOf = (messages: Array<{ type: string; text?: string }>) => messages.map((m) => (m.type === 'text' ? m.text : `[${m.type}]`));

describe('routing', () => {
  test('nothing matches and no session: route none, no messages', async () => {
    const flow = flowOf({ start: { type: 'message', messages: [{ type: 'text', text: 'hi' }] } });
    const result = await runTurn(turn(flow, text('hello?')), fakeCallApi({}));
    expect(result).toEqual({ messages: [], attributes: {}, session: null, route: 'none' });
  });

  test('a trigger runs its start block', async () => {
    const flow = flowOf({ start: { type: 'message', messages: [{ type: 'text', text: 'hi' }] } });
    const result = await runTurn(turn(flow, text('GO')), fakeCallApi({}));
    expect(result).toEqual({ messages: [{ type: 'text', text: 'hi' }], attributes: {}, session: null, route: 'trigger' });
  });

  test('the fallback runs for unmatched text', async () => {
    const flow = flowOf(
      {
        start: { type: 'message', messages: [{ type: 'text', text: 'hi' }] },
        help: { type: 'message', messages: [{ type: 'text', text: 'You said {{ trigger.text }}' }] },
      },
      [...GO, { type: 'fallback', start: 'help' }],
    );
    const result = await runTurn(turn(flow, text('what?')), fakeCallApi({}));
    expect(result).toMatchObject({ route: 'fallback', messages: [{ type: 'text', text: 'You said what?' }] });
  });

  test('a follow never falls back', async () => {
    const flow = flowOf({ start: { type: 'end' }, help: { type: 'message', messages: [{ type: 'text', text: 'help' }] } }, [
      ...GO,
      { type: 'fallback', start: 'help' },
    ]);
    expect(await runTurn(turn(flow, { type: 'follow' }), fakeCallApi({}))).toMatchObject({ route: 'none', messages: [] });
  });

  test('a follow runs the follow trigger', async () => {
    const flow = flowOf({ start: { type: 'end' }, welcome: { type: 'message', messages: [{ type: 'text', text: 'Welcome!' }] } }, [
      ...GO,
      { type: 'follow', start: 'welcome' },
    ]);
    expect(await runTurn(turn(flow, { type: 'follow' }), fakeCallApi({}))).toMatchObject({
      route: 'trigger',
      messages: [{ type: 'text', text: 'Welcome!' }],
    });
  });

  test('postback params are available as trigger.params', async () => {
    const flow = flowOf(
      {
        use: {
          type: 'message',
          messages: [{ type: 'text', text: 'Using ticket {{ trigger.params.id }} ({{ trigger.params.action }}, {{ trigger.type }})' }],
        },
      },
      [{ type: 'postback', action: 'use_ticket', start: 'use' }],
    );
    const result = await runTurn(turn(flow, postback('action=use_ticket&id=42')), fakeCallApi({}));
    expect(textsOf(result.messages)).toEqual(['Using ticket 42 (use_ticket, postback)']);
  });

  test('postback params reach a card and stay available after a question is answered', async () => {
    const flow = flowOf(
      {
        ask: {
          type: 'question',
          prompt: 'Quantity for {{ trigger.params.item }}?',
          input: { type: 'number' },
          saveAs: 'qty',
          next: 'order',
        },
        order: { type: 'callApi', request: { method: 'POST', url: 'https://api.example/orders' }, onSuccess: 'done' },
        done: { type: 'message', messages: [{ type: 'text', text: '{{ attributes.qty }} x {{ trigger.params.item }}' }] },
      },
      [{ type: 'postback', action: 'buy', start: 'ask' }],
    );
    const first = await runTurn(turn(flow, postback('action=buy&item=tea')), fakeCallApi({}));
    expect(textsOf(first.messages)).toEqual(['Quantity for tea?']);
    expect(first.session).toEqual({ ...FLOW_REF, waitingOn: 'ask', attempts: 0, trigger: { action: 'buy', item: 'tea' } });
    const api = fakeCallApi({ order: ok({}) });
    const second = await runTurn(
      turn(flow, text('3'), { session: { ...(first.session as Omit<Session, 'expiresAt'>), expiresAt: 0 } }),
      api,
    );
    expect(api.calls[0]?.context).toMatchObject({ trigger: { params: { action: 'buy', item: 'tea' } }, attributes: { qty: 3 } });
    expect(textsOf(second.messages)).toEqual(['3 x tea']);
  });
});

describe('message blocks', () => {
  test('messages come out in order across blocks, with templates rendered', async () => {
    const flow = flowOf({
      start: {
        type: 'message',
        messages: [
          { type: 'text', text: 'one {{ attributes.name }}' },
          { type: 'text', text: 'two' },
        ],
        next: 'b',
      },
      b: { type: 'message', messages: [{ type: 'text', text: 'three' }], next: 'c' },
      c: { type: 'message', messages: [{ type: 'image', url: 'https://img.example/{{ customer.id }}.png' }] },
    });
    const result = await runTurn(
      turn(flow, text('go'), { customer: { id: 'U9', channel: 'line', attributes: { name: 'Mei' } } }),
      fakeCallApi({}),
    );
    expect(result.messages).toEqual([
      { type: 'text', text: 'one Mei' },
      { type: 'text', text: 'two' },
      { type: 'text', text: 'three' },
      { type: 'image', url: 'https://img.example/U9.png' },
    ]);
  });

  test('customer text containing Liquid is printed literally', async () => {
    const flow = flowOf({ start: { type: 'message', messages: [{ type: 'text', text: 'You said: {{ trigger.text }}' }] } }, [
      { type: 'keyword', match: 'contains', keywords: ['{{'], start: 'start' },
    ]);
    const result = await runTurn(turn(flow, text('{{ 7*7 }} {% for i in (1..9) %}x{% endfor %}')), fakeCallApi({}));
    expect(textsOf(result.messages)).toEqual(['You said: {{ 7*7 }} {% for i in (1..9) %}x{% endfor %}']);
  });

  test('an end block ends the flow', async () => {
    const flow = flowOf({
      start: { type: 'message', messages: [{ type: 'text', text: 'a' }], next: 'stop' },
      stop: { type: 'end' },
    });
    expect(await runTurn(turn(flow, text('go')), fakeCallApi({}))).toMatchObject({
      messages: [{ type: 'text', text: 'a' }],
      session: null,
    });
  });
});

describe('callApi blocks', () => {
  const items = [
    { id: 1, name: 'Tea', price: 100 },
    { id: 2, name: 'Cake', price: 80 },
    { id: 3, name: 'Bun', price: 30 },
  ];

  function carouselFlow(limit?: number): Flow {
    return flowOf({
      start: { type: 'callApi', request: { url: 'https://api.example/best' }, onSuccess: 'show', onFailure: 'sorry' },
      show: {
        type: 'message',
        messages: [
          { type: 'text', text: 'Best sellers:' },
          {
            type: 'carousel',
            altText: 'Best sellers',
            repeat: { over: 'response.body.items', as: 'item', ...(limit ? { limit } : {}) },
            card: {
              title: '{{ item.name }}',
              subtitle: 'NT$ {{ item.price }}',
              buttons: [{ type: 'postback', label: 'Buy', data: 'action=buy&id={{ item.id }}' }],
            },
          },
        ],
        empty: 'none',
        next: 'after',
      },
      none: { type: 'message', messages: [{ type: 'text', text: 'Nothing today.' }] },
      after: { type: 'message', messages: [{ type: 'text', text: 'Anything else?' }] },
      sorry: { type: 'message', messages: [{ type: 'text', text: 'Cannot load ({{ response.status }}).' }] },
    });
  }

  test('a carousel repeat over response.body.items makes one card per item', async () => {
    const result = await runTurn(turn(carouselFlow(), text('go')), fakeCallApi({ start: ok({ items }) }));
    expect(textsOf(result.messages)).toEqual(['Best sellers:', '[carousel]', 'Anything else?']);
    const carousel = result.messages[1];
    if (carousel?.type !== 'carousel') throw new Error('expected a carousel');
    expect(carousel.altText).toBe('Best sellers');
    expect(carousel.cards).toEqual([
      { title: 'Tea', subtitle: 'NT$ 100', buttons: [{ type: 'postback', label: 'Buy', data: 'action=buy&id=1' }] },
      { title: 'Cake', subtitle: 'NT$ 80', buttons: [{ type: 'postback', label: 'Buy', data: 'action=buy&id=2' }] },
      { title: 'Bun', subtitle: 'NT$ 30', buttons: [{ type: 'postback', label: 'Buy', data: 'action=buy&id=3' }] },
    ]);
  });

  test('repeat.limit caps the cards', async () => {
    const result = await runTurn(turn(carouselFlow(2), text('go')), fakeCallApi({ start: ok({ items }) }));
    const carousel = result.messages.find((m) => m.type === 'carousel');
    expect(carousel?.type === 'carousel' && carousel.cards.map((c) => c.title)).toEqual(['Tea', 'Cake']);
  });

  test('an empty array goes to the block’s empty branch instead', async () => {
    const result = await runTurn(turn(carouselFlow(), text('go')), fakeCallApi({ start: ok({ items: [] }) }));
    expect(textsOf(result.messages)).toEqual(['Nothing today.']);
  });

  test('a missing array counts as empty', async () => {
    const result = await runTurn(turn(carouselFlow(), text('go')), fakeCallApi({ start: ok({}) }));
    expect(textsOf(result.messages)).toEqual(['Nothing today.']);
  });

  test('a repeated item value holding Liquid or & is data, not template or extra postback params', async () => {
    const result = await runTurn(
      turn(carouselFlow(), text('go')),
      fakeCallApi({ start: ok({ items: [{ id: '1&action=admin', name: '{{ 7*7 }}', price: 1 }] }) }),
    );
    const carousel = result.messages.find((m) => m.type === 'carousel');
    if (carousel?.type !== 'carousel') throw new Error('expected a carousel');
    expect(carousel.cards[0]?.title).toBe('{{ 7*7 }}');
    const button = carousel.cards[0]?.buttons[0];
    expect(button?.type === 'postback' && new URLSearchParams(button.data).getAll('action')).toEqual(['buy']);
  });

  test('a failure goes to onFailure, which sees the response', async () => {
    const result = await runTurn(turn(carouselFlow(), text('go')), fakeCallApi({ start: failed() }));
    expect(textsOf(result.messages)).toEqual(['Cannot load (500).']);
    expect(result.attributes).toEqual({});
  });

  test('a failure without onFailure says the default apology and ends', async () => {
    const flow = flowOf({
      start: { type: 'callApi', request: { url: 'https://api.example/x' }, onSuccess: 'yay' },
      yay: { type: 'message', messages: [{ type: 'text', text: 'yay' }] },
    });
    const result = await runTurn(
      turn(flow, text('go'), { language: 'en' }),
      fakeCallApi({ start: { ok: false, reason: 'timeout', kind: 'timeout', attempts: 4 } }),
    );
    expect(result).toEqual({ messages: [{ type: 'text', text: DEFAULT_FAILURE_TEXT }], attributes: {}, session: null, route: 'trigger' });
  });

  test('the apology comes after the messages already made this turn', async () => {
    const flow = flowOf({
      start: { type: 'message', messages: [{ type: 'text', text: 'Checking...' }], next: 'call' },
      call: { type: 'callApi', request: { url: 'https://api.example/x' } },
    });
    const result = await runTurn(turn(flow, text('go'), { language: 'en' }), fakeCallApi({ call: failed() }));
    expect(textsOf(result.messages)).toEqual(['Checking...', DEFAULT_FAILURE_TEXT]);
  });

  test('the card gets the flow context: customer, attributes and trigger', async () => {
    const flow = flowOf({ start: { type: 'callApi', request: { url: 'https://api.example/x' } } });
    const api = fakeCallApi({ start: ok({}) });
    await runTurn(turn(flow, text('go'), { customer: { id: 'U7', channel: 'line', attributes: { tier: 'gold' } } }), api);
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]?.blockId).toBe('start');
    expect(api.calls[0]?.context).toEqual({
      customer: { id: 'U7', channel: 'line', attributes: { tier: 'gold' } },
      attributes: { tier: 'gold' },
      trigger: { type: 'text', text: 'go', params: {}, chat: 'user', speakerId: 'U7' },
    });
  });

  test('a later card sees the previous response', async () => {
    const flow = flowOf({
      start: { type: 'callApi', request: { url: 'https://api.example/a' }, onSuccess: 'second' },
      second: { type: 'callApi', request: { url: 'https://api.example/b' } },
    });
    const api = fakeCallApi({ start: ok({ token: 't1' }), second: ok({}) });
    await runTurn(turn(flow, text('go')), api);
    expect(api.calls[1]?.context).toMatchObject({ response: { body: { token: 't1' } } });
  });

  test('saveToAttributes maps only the named fields', async () => {
    const flow = flowOf({
      start: {
        type: 'callApi',
        request: { url: 'https://api.example/verify' },
        saveToAttributes: { memberId: 'response.body.memberId', level: 'response.body.profile.level', missing: 'response.body.nope' },
        onSuccess: 'done',
      },
      done: {
        type: 'message',
        messages: [{ type: 'text', text: '{{ attributes.memberId }}/{{ attributes.level }}/{{ attributes.secretToken }}' }],
      },
    });
    const body = { memberId: 'M-1', profile: { level: 3 }, secretToken: 'tok', creditCard: '4111' };
    const result = await runTurn(turn(flow, text('go')), fakeCallApi({ start: ok(body) }));
    expect(result.attributes).toEqual({ memberId: 'M-1', level: 3 });
    expect(textsOf(result.messages)).toEqual(['M-1/3/']);
  });

  test('nothing is saved from a failed card', async () => {
    const flow = flowOf({
      start: {
        type: 'callApi',
        request: { url: 'https://api.example/verify' },
        saveToAttributes: { memberId: 'response.body.memberId' },
        onFailure: 'f',
      },
      f: { type: 'end' },
    });
    const result = await runTurn(turn(flow, text('go')), fakeCallApi({ start: failed('http_404', { memberId: 'M-1' }) }));
    expect(result.attributes).toEqual({});
  });

  test('messages returned by the brand are sent', async () => {
    const flow = flowOf({
      start: { type: 'callApi', request: { url: 'https://api.example/answer' }, expect: 'messages', onSuccess: 'after' },
      after: { type: 'message', messages: [{ type: 'text', text: 'after' }] },
    });
    const result = await runTurn(
      turn(flow, text('go')),
      fakeCallApi({ start: ok({}, { messages: [{ type: 'text', text: 'from brand' }] }) }),
    );
    expect(textsOf(result.messages)).toEqual(['from brand', 'after']);
  });

  test('onWaiting is called once, before the first awaited card', async () => {
    const flow = flowOf({
      start: { type: 'message', messages: [{ type: 'text', text: 'hi' }], next: 'a' },
      a: { type: 'callApi', request: { url: 'https://api.example/a' }, onSuccess: 'b' },
      b: { type: 'callApi', request: { url: 'https://api.example/b' } },
    });
    const api = fakeCallApi({ a: ok({}), b: ok({}) });
    const onWaiting = jest.fn(() => {
      api.events.push('onWaiting');
    });
    await runTurn(turn(flow, text('go')), { ...api, onWaiting });
    expect(onWaiting).toHaveBeenCalledTimes(1);
    expect(api.events).toEqual(['onWaiting', 'callApi:a', 'callApi:b']);
  });

  test('onWaiting is awaited before the card runs', async () => {
    const flow = flowOf({ start: { type: 'callApi', request: { url: 'https://api.example/a' } } });
    const api = fakeCallApi({ start: ok({}) });
    const onWaiting = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      api.events.push('onWaiting done');
    };
    await runTurn(turn(flow, text('go')), { ...api, onWaiting });
    expect(api.events).toEqual(['onWaiting done', 'callApi:start']);
  });

  test('no onWaiting without an awaited card', async () => {
    const flow = flowOf({
      start: { type: 'message', messages: [{ type: 'text', text: 'hi' }], next: 'ff' },
      ff: { type: 'callApi', fireAndForget: true, request: { method: 'POST', url: 'https://api.example/notify' } },
    });
    const onWaiting = jest.fn();
    await runTurn(turn(flow, text('go')), { ...fakeCallApi({ ff: ok({}) }), onWaiting, background: () => undefined });
    expect(onWaiting).not.toHaveBeenCalled();
  });

  test('fire-and-forget: the turn goes on without awaiting and hands the promise to background', async () => {
    const flow = flowOf({
      start: { type: 'callApi', fireAndForget: true, request: { method: 'POST', url: 'https://api.example/notify' }, onSuccess: 'next' },
      next: { type: 'message', messages: [{ type: 'text', text: 'Done, {{ response.status }}.' }] },
    });
    let release: (o: CardOutcome) => void = () => undefined;
    const pending = new Promise<CardOutcome>((resolve) => {
      release = resolve;
    });
    const api = fakeCallApi({ start: () => pending });
    const background: Array<Promise<unknown>> = [];
    const result = await runTurn(turn(flow, text('go')), { callApi: api.callApi, background: (work) => background.push(work) });
    // The turn finished while the card is still pending; its response is not seen by the next block.
    expect(textsOf(result.messages)).toEqual(['Done, .']);
    expect(api.calls).toHaveLength(1);
    expect(background).toHaveLength(1);
    let settled = false;
    void background[0]?.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    release(ok({}));
    await expect(background[0]).resolves.toMatchObject({ ok: true });
  });

  test('fire-and-forget failure does not send the apology', async () => {
    const flow = flowOf({
      start: { type: 'callApi', fireAndForget: true, request: { method: 'POST', url: 'https://api.example/notify' } },
    });
    const background: Array<Promise<unknown>> = [];
    const result = await runTurn(turn(flow, text('go')), { ...fakeCallApi({ start: failed() }), background: (w) => background.push(w) });
    expect(result.messages).toEqual([]);
    expect(background).toHaveLength(1);
  });
});

describe('questions', () => {
  const flow = flowOf(
    {
      start: { type: 'message', messages: [{ type: 'text', text: 'Registration' }], next: 'ask_phone' },
      ask_phone: {
        type: 'question',
        prompt: 'Your phone, {{ attributes.name }}?',
        input: { type: 'phone' },
        saveAs: 'phone',
        reask: 'Not a phone number. {{ prompt }}',
        maxAttempts: 3,
        onGiveUp: 'gave_up',
        next: 'ask_plan',
      },
      ask_plan: {
        type: 'question',
        prompt: 'Which plan?',
        input: {
          type: 'choice',
          choices: [
            { label: 'Standard', value: 'standard' },
            { label: 'VIP', value: 'vip' },
          ],
        },
        saveAs: 'plan',
        maxAttempts: 2,
        next: 'thanks',
      },
      thanks: { type: 'message', messages: [{ type: 'text', text: 'Thanks: {{ attributes.phone }} / {{ attributes.plan }}' }] },
      gave_up: { type: 'message', messages: [{ type: 'text', text: 'Let us try again later.' }] },
    },
    [
      { type: 'keyword', keywords: ['register'], start: 'start' },
      { type: 'keyword', keywords: ['hot'], start: 'gave_up' },
    ],
  );
  const customer = { id: 'U1', channel: 'line', attributes: { name: 'Mei' } };

  test('a question sends its prompt and returns a session waiting on it', async () => {
    const result = await runTurn(turn(flow, text('register'), { customer }), fakeCallApi({}));
    expect(result).toEqual({
      messages: [
        { type: 'text', text: 'Registration' },
        { type: 'text', text: 'Your phone, Mei?' },
      ],
      attributes: {},
      session: { flowId: 'flow-1', version: 3, waitingOn: 'ask_phone', attempts: 0, trigger: {} },
      route: 'trigger',
    });
  });

  test('a choice question offers its choices as quick replies', async () => {
    const result = await runTurn(turn(flow, text('0912345678'), { customer, session: session('ask_phone') }), fakeCallApi({}));
    expect(result.messages).toEqual([
      {
        type: 'text',
        text: 'Which plan?',
        quickReplies: [
          { type: 'message', label: 'Standard', text: 'Standard' },
          { type: 'message', label: 'VIP', text: 'VIP' },
        ],
      },
    ]);
  });

  test('a valid answer is saved and the flow continues to the next question', async () => {
    const result = await runTurn(turn(flow, text('0912-345-678'), { customer, session: session('ask_phone') }), fakeCallApi({}));
    expect(result.route).toBe('answer');
    expect(result.attributes).toEqual({ phone: '0912345678' });
    expect(result.session).toEqual({ flowId: 'flow-1', version: 3, waitingOn: 'ask_plan', attempts: 0, trigger: {} });
  });

  test('the last answer finishes the flow with all answers visible', async () => {
    const result = await runTurn(
      turn(flow, text('vip'), {
        customer: { ...customer, attributes: { ...customer.attributes, phone: '0912345678' } },
        session: session('ask_plan'),
      }),
      fakeCallApi({}),
    );
    expect(result).toEqual({
      messages: [{ type: 'text', text: 'Thanks: 0912345678 / vip' }],
      attributes: { plan: 'vip' },
      session: null,
      route: 'answer',
    });
  });

  test('an invalid answer re-asks with attempts + 1, and saves nothing', async () => {
    const result = await runTurn(turn(flow, text('call me'), { customer, session: session('ask_phone') }), fakeCallApi({}));
    expect(result).toEqual({
      messages: [{ type: 'text', text: 'Not a phone number. Your phone, Mei?' }],
      attributes: {},
      session: { ...session('ask_phone'), attempts: 1 },
      route: 'answer',
    });
  });

  test('the re-ask of a choice question keeps the quick replies and uses the default reask text', async () => {
    const result = await runTurn(turn(flow, text('gold'), { customer, session: session('ask_plan'), language: 'en' }), fakeCallApi({}));
    expect(result.messages).toEqual([{ type: 'text', text: 'Sorry, I did not get that. Which plan?', quickReplies: expect.any(Array) }]);
    expect(result.session?.attempts).toBe(1);
  });

  test('after maxAttempts invalid answers, onGiveUp', async () => {
    const second = await runTurn(turn(flow, text('x'), { customer, session: session('ask_phone', { attempts: 1 }) }), fakeCallApi({}));
    expect(second.session?.attempts).toBe(2);
    const third = await runTurn(turn(flow, text('x'), { customer, session: session('ask_phone', { attempts: 2 }) }), fakeCallApi({}));
    expect(third).toEqual({
      messages: [{ type: 'text', text: 'Let us try again later.' }],
      attributes: {},
      session: null,
      route: 'answer',
    });
  });

  test('after maxAttempts without onGiveUp, the conversation ends silently', async () => {
    const result = await runTurn(turn(flow, text('gold'), { customer, session: session('ask_plan', { attempts: 1 }) }), fakeCallApi({}));
    expect(result).toEqual({ messages: [], attributes: {}, session: null, route: 'answer' });
  });

  test('a trigger keyword while a question waits restarts cleanly', async () => {
    const result = await runTurn(
      turn(flow, text('register'), { customer, session: session('ask_plan', { attempts: 1, trigger: { old: '1' } }) }),
      fakeCallApi({}),
    );
    expect(result.route).toBe('trigger');
    expect(result.attributes).toEqual({});
    expect(textsOf(result.messages)).toEqual(['Registration', 'Your phone, Mei?']);
    expect(result.session).toEqual({ flowId: 'flow-1', version: 3, waitingOn: 'ask_phone', attempts: 0, trigger: {} });
  });

  test('another trigger while a question waits leaves the question', async () => {
    const result = await runTurn(turn(flow, text('HOT'), { customer, session: session('ask_phone') }), fakeCallApi({}));
    expect(result).toEqual({
      messages: [{ type: 'text', text: 'Let us try again later.' }],
      attributes: {},
      session: null,
      route: 'trigger',
    });
  });

  test('a session waiting on a block that is no longer a question ends the conversation', async () => {
    for (const waitingOn of ['thanks', 'gone']) {
      expect(await runTurn(turn(flow, text('0912345678'), { customer, session: session(waitingOn) }), fakeCallApi({}))).toEqual({
        messages: [],
        attributes: {},
        session: null,
        route: 'answer',
      });
    }
  });

  test('an answer is never mistaken for the fallback', async () => {
    const withFallback = flowOf(
      { ...flow.blocks, help: { type: 'message', messages: [{ type: 'text', text: 'help' }] } } as FlowInput['blocks'],
      [
        { type: 'keyword', keywords: ['register'], start: 'start' },
        { type: 'fallback', start: 'help' },
      ],
    );
    const result = await runTurn(turn(withFallback, text('nonsense'), { customer, session: session('ask_phone') }), fakeCallApi({}));
    expect(result.route).toBe('answer');
    expect(textsOf(result.messages)).toEqual(['Not a phone number. Your phone, Mei?']);
  });

  test('an answer holding Liquid is saved and shown literally', async () => {
    const f = flowOf({
      start: { type: 'question', prompt: 'Name?', input: { type: 'text' }, saveAs: 'name', next: 'hi' },
      hi: { type: 'message', messages: [{ type: 'text', text: 'Hi {{ attributes.name }}' }] },
    });
    const result = await runTurn(turn(f, text('{{ 7*7 }}'), { session: session('start') }), fakeCallApi({}));
    expect(result.attributes).toEqual({ name: '{{ 7*7 }}' });
    expect(textsOf(result.messages)).toEqual(['Hi {{ 7*7 }}']);
  });
});

describe('condition blocks', () => {
  function conditionFlow(when: Record<string, unknown>): Flow {
    return flowOf({
      start: { type: 'condition', branches: [{ when, next: 'yes' }], otherwise: 'no' } as FlowInput['blocks'][string],
      yes: { type: 'message', messages: [{ type: 'text', text: 'yes' }] },
      no: { type: 'message', messages: [{ type: 'text', text: 'no' }] },
    });
  }

  async function decide(when: Record<string, unknown>, attributes: Record<string, unknown>): Promise<string | undefined> {
    const result = await runTurn(
      turn(conditionFlow(when), text('go'), { customer: { id: 'U1', channel: 'line', attributes } }),
      fakeCallApi({}),
    );
    const first = result.messages[0];
    return first?.type === 'text' ? first.text : undefined;
  }

  test.each([
    [{ op: 'exists', attribute: 'm' }, { m: 'M-1' }, 'yes'],
    [{ op: 'exists', attribute: 'm' }, { m: 0 }, 'yes'],
    [{ op: 'exists', attribute: 'm' }, { m: false }, 'yes'],
    [{ op: 'exists', attribute: 'm' }, {}, 'no'],
    [{ op: 'exists', attribute: 'm' }, { m: '' }, 'no'],
    [{ op: 'exists', attribute: 'm' }, { m: null }, 'no'],
    [{ op: 'equals', attribute: 's', value: 'success' }, { s: 'success' }, 'yes'],
    [{ op: 'equals', attribute: 's', value: 'success' }, { s: 'Success' }, 'no'],
    [{ op: 'equals', attribute: 's', value: 'success' }, {}, 'no'],
    [{ op: 'equals', attribute: 'n', value: 3 }, { n: 3 }, 'yes'],
    [{ op: 'equals', attribute: 'n', value: 3 }, { n: '3' }, 'yes'],
    [{ op: 'equals', attribute: 'n', value: 3 }, { n: 4 }, 'no'],
    [{ op: 'equals', attribute: 'b', value: true }, { b: true }, 'yes'],
    [{ op: 'equals', attribute: 'b', value: true }, { b: 'true' }, 'yes'],
    [{ op: 'equals', attribute: 'b', value: true }, { b: false }, 'no'],
    [{ op: 'matches', attribute: 'p', pattern: '^09\\d{8}$' }, { p: '0912345678' }, 'yes'],
    [{ op: 'matches', attribute: 'p', pattern: '^09\\d{8}$' }, { p: '+886912345678' }, 'no'],
    [{ op: 'matches', attribute: 'p', pattern: '^\\d+$' }, { p: 123 }, 'no'],
    [{ op: 'matches', attribute: 'p', pattern: '(' }, { p: '(' }, 'no'],
    [{ op: 'lt', attribute: 'n', value: 10 }, { n: 9 }, 'yes'],
    [{ op: 'lt', attribute: 'n', value: 10 }, { n: 10 }, 'no'],
    [{ op: 'lte', attribute: 'n', value: 10 }, { n: 10 }, 'yes'],
    [{ op: 'gt', attribute: 'n', value: 10 }, { n: 11 }, 'yes'],
    [{ op: 'gt', attribute: 'n', value: 10 }, { n: 10 }, 'no'],
    [{ op: 'gte', attribute: 'n', value: 10 }, { n: 10 }, 'yes'],
    [{ op: 'gte', attribute: 'n', value: 10 }, { n: '12' }, 'yes'],
    [{ op: 'gte', attribute: 'n', value: 0 }, { n: '' }, 'no'],
    [{ op: 'gte', attribute: 'n', value: 0 }, { n: null }, 'no'],
    [{ op: 'gte', attribute: 'n', value: 0 }, {}, 'no'],
    [{ op: 'gte', attribute: 'n', value: 0 }, { n: 'abc' }, 'no'],
    [{ op: 'lt', attribute: 'n', value: 0 }, { n: -1 }, 'yes'],
  ])('%j with %j → %s', async (when, attributes, expected) => {
    await expect(decide(when, attributes)).resolves.toBe(expected);
  });

  test('the first matching branch wins; no otherwise and no match ends the flow', async () => {
    const f = flowOf({
      start: {
        type: 'condition',
        branches: [
          { when: { op: 'gt', attribute: 'n', value: 5 }, next: 'big' },
          { when: { op: 'gt', attribute: 'n', value: 1 }, next: 'medium' },
        ],
      },
      big: { type: 'message', messages: [{ type: 'text', text: 'big' }] },
      medium: { type: 'message', messages: [{ type: 'text', text: 'medium' }] },
    });
    const run = async (n: number) =>
      textsOf(
        (await runTurn(turn(f, text('go'), { customer: { id: 'U1', channel: 'line', attributes: { n } } }), fakeCallApi({}))).messages,
      );
    await expect(run(9)).resolves.toEqual(['big']);
    await expect(run(3)).resolves.toEqual(['medium']);
    await expect(run(0)).resolves.toEqual([]);
  });

  test('conditions see attributes set earlier in the same turn', async () => {
    const f = flowOf({
      start: {
        type: 'callApi',
        request: { url: 'https://api.example/r' },
        saveToAttributes: { status: 'response.body.status' },
        onSuccess: 'check',
      },
      check: {
        type: 'condition',
        branches: [{ when: { op: 'equals', attribute: 'status', value: 'success' }, next: 'ok' }],
        otherwise: 'full',
      },
      ok: { type: 'message', messages: [{ type: 'text', text: 'registered' }] },
      full: { type: 'message', messages: [{ type: 'text', text: 'full' }] },
    });
    expect(textsOf((await runTurn(turn(f, text('go')), fakeCallApi({ start: ok({ status: 'success' }) }))).messages)).toEqual([
      'registered',
    ]);
    expect(textsOf((await runTurn(turn(f, text('go')), fakeCallApi({ start: ok({ status: 'full' }) }))).messages)).toEqual(['full']);
  });
});

describe('setAttributes blocks', () => {
  test('values are rendered and returned as changed attributes, visible to later blocks', async () => {
    const f = flowOf({
      start: { type: 'setAttributes', set: { greeting: 'Hi {{ attributes.name }}', source: 'line-{{ trigger.text }}' }, next: 'say' },
      say: { type: 'message', messages: [{ type: 'text', text: '{{ attributes.greeting }} ({{ customer.attributes.source }})' }] },
    });
    const result = await runTurn(
      turn(f, text('go'), { customer: { id: 'U1', channel: 'line', attributes: { name: 'Mei' } } }),
      fakeCallApi({}),
    );
    expect(result.attributes).toEqual({ greeting: 'Hi Mei', source: 'line-go' });
    expect(textsOf(result.messages)).toEqual(['Hi Mei (line-go)']);
  });

  test('overrides an existing attribute', async () => {
    const f = flowOf({
      start: { type: 'setAttributes', set: { tier: 'gold' }, next: 'say' },
      say: { type: 'message', messages: [{ type: 'text', text: '{{ attributes.tier }}' }] },
    });
    const result = await runTurn(
      turn(f, text('go'), { customer: { id: 'U1', channel: 'line', attributes: { tier: 'silver' } } }),
      fakeCallApi({}),
    );
    expect(result.attributes).toEqual({ tier: 'gold' });
    expect(textsOf(result.messages)).toEqual(['gold']);
  });
});

describe('loops', () => {
  test('a loop of message blocks stops instead of hanging', async () => {
    const f = flowOf({
      start: { type: 'message', messages: [{ type: 'text', text: 'ping' }], next: 'b' },
      b: { type: 'message', messages: [{ type: 'text', text: 'pong' }], next: 'start' },
    });
    const result = await runTurn(turn(f, text('go')), fakeCallApi({}));
    expect(result.messages.length).toBeGreaterThan(0);
    expect(result.messages.length).toBeLessThanOrEqual(100);
    expect(result.session).toBeNull();
  });

  test('a loop without messages stops too', async () => {
    const f = flowOf({
      start: { type: 'setAttributes', set: { x: '1' }, next: 'check' },
      check: { type: 'condition', branches: [{ when: { op: 'exists', attribute: 'x' }, next: 'start' }] },
    });
    const result = await runTurn(turn(f, text('go')), fakeCallApi({}));
    expect(result).toMatchObject({ messages: [], attributes: { x: '1' }, session: null });
  });

  test('a card calling itself stops after a bounded number of calls', async () => {
    const f = flowOf({ start: { type: 'callApi', request: { url: 'https://api.example/again' }, onSuccess: 'start' } });
    const api = fakeCallApi({ start: ok({}) });
    await runTurn(turn(f, text('go')), api);
    expect(api.calls.length).toBeGreaterThan(1);
    expect(api.calls.length).toBeLessThanOrEqual(100);
  });
});

describe('startAt (an admin dry run of one card)', () => {
  const flow = flowOf(
    {
      start: { type: 'message', messages: [{ type: 'text', text: 'the trigger path' }] },
      card: { type: 'callApi', request: { url: 'https://brand.example/x' }, onSuccess: 'done', onFailure: 'sorry' },
      done: { type: 'message', messages: [{ type: 'text', text: 'got {{ response.body.value }} for {{ trigger.params.id }}' }] },
      sorry: { type: 'message', messages: [{ type: 'text', text: 'sorry' }] },
    },
    [
      { type: 'keyword', keywords: ['go'], start: 'start' },
      { type: 'fallback', start: 'start' },
    ],
  );

  test('starts at the block, skipping triggers, a waiting session and the fallback; params come from a postback event', async () => {
    const api = fakeCallApi({ card: ok({ value: 42 }) });
    const result = await runTurn(turn(flow, postback('id=7'), { startAt: 'card', session: session('start') }), api);
    expect(api.calls.map((c) => c.blockId)).toEqual(['card']);
    expect(result).toEqual({ messages: [{ type: 'text', text: 'got 42 for 7' }], attributes: {}, session: null, route: 'start' });
  });

  test('a text event that a trigger would take still starts at the block', async () => {
    const result = await runTurn(turn(flow, text('go'), { startAt: 'card' }), fakeCallApi({ card: failed() }));
    expect(result).toMatchObject({ route: 'start', messages: [{ type: 'text', text: 'sorry' }] });
  });
});

describe("callcard's own texts: the workspace's language, reworded per flow", () => {
  const failingCard = (texts?: FlowInput['texts']) =>
    flowSchema.parse({
      schemaVersion: 1,
      name: 'texts',
      triggers: GO,
      blocks: { start: { type: 'callApi', request: { url: 'https://api.example/x' } } },
      ...(texts ? { texts } : {}),
    });
  const questionFlow = (reask?: string, texts?: FlowInput['texts']) =>
    flowSchema.parse({
      schemaVersion: 1,
      name: 'texts',
      triggers: GO,
      blocks: {
        start: {
          type: 'question',
          prompt: '您的手機號碼？',
          input: { type: 'phone' },
          saveAs: 'phone',
          ...(reask !== undefined ? { reask } : {}),
        },
      },
      ...(texts ? { texts } : {}),
    });
  const invalidAnswer = (flow: Flow, language?: 'zh-TW' | 'en') =>
    runTurn(turn(flow, text('abc'), { session: session('start'), ...(language ? { language } : {}) }), fakeCallApi({}));

  test('the apology in Traditional Chinese for a zh-TW workspace, in English for an en one', async () => {
    const zh = await runTurn(turn(failingCard(), text('go'), { language: 'zh-TW' }), fakeCallApi({ start: failed() }));
    expect(textsOf(zh.messages)).toEqual(['抱歉，系統暫時出了點問題，請稍後再試一次。']);
    const en = await runTurn(turn(failingCard(), text('go'), { language: 'en' }), fakeCallApi({ start: failed() }));
    expect(textsOf(en.messages)).toEqual(['Sorry, something went wrong on our side. Please try again in a moment.']);
  });

  test('no language given: the default of a workspace that never chose, zh-TW', async () => {
    const result = await runTurn(turn(failingCard(), text('go')), fakeCallApi({ start: failed() }));
    expect(textsOf(result.messages)).toEqual([BUILT_IN_TEXTS['zh-TW'].failure]);
  });

  test("the flow's texts.failure wins over the language's, also for a template that cannot render", async () => {
    const flow = failingCard({ failure: '訂位系統休息中，請稍後再試！' });
    const result = await runTurn(turn(flow, text('go'), { language: 'en' }), fakeCallApi({ start: failed() }));
    expect(textsOf(result.messages)).toEqual(['訂位系統休息中，請稍後再試！']);
    const broken = flowSchema.parse({
      schemaVersion: 1,
      name: 'texts',
      triggers: GO,
      texts: { failure: 'Our shop is resting.' },
      blocks: { start: { type: 'message', messages: [{ type: 'text', text: '{{ attributes.name | append }}' }] } },
    });
    const rendered = await runTurn(turn(broken, text('go'), { language: 'zh-TW' }), fakeCallApi({}));
    expect(textsOf(rendered.messages)).toEqual(['Our shop is resting.']);
  });

  test("the re-ask in the language; the flow rewords it; a question's own reask wins over both", async () => {
    expect(textsOf((await invalidAnswer(questionFlow(), 'zh-TW')).messages)).toEqual(['抱歉，我沒有看懂您的回覆。您的手機號碼？']);
    expect(textsOf((await invalidAnswer(questionFlow(), 'en')).messages)).toEqual(['Sorry, I did not get that. 您的手機號碼？']);
    expect(textsOf((await invalidAnswer(questionFlow(undefined, { reask: '格式不對喔！{{ prompt }}' }), 'en')).messages)).toEqual([
      '格式不對喔！您的手機號碼？',
    ]);
    expect(
      textsOf((await invalidAnswer(questionFlow('請輸入 09 開頭的手機號碼。', { reask: '格式不對喔！{{ prompt }}' }), 'en')).messages),
    ).toEqual(['請輸入 09 開頭的手機號碼。']);
  });

  test('a question saved with the former built-in reask follows the language, as one without a reask', async () => {
    const result = await invalidAnswer(questionFlow(LEGACY_DEFAULT_REASK), 'zh-TW');
    expect(textsOf(result.messages)).toEqual(['抱歉，我沒有看懂您的回覆。您的手機號碼？']);
  });

  test("a carousel whose altText renders empty gets the language's text, or the flow's", async () => {
    const carousel = (texts?: FlowInput['texts']) =>
      flowSchema.parse({
        schemaVersion: 1,
        name: 'texts',
        triggers: GO,
        blocks: {
          start: { type: 'message', messages: [{ type: 'carousel', altText: '{{ attributes.none }}', cards: [{ title: 'Tea' }] }] },
        },
        ...(texts ? { texts } : {}),
      });
    const altTextOf = async (flow: Flow, language: 'zh-TW' | 'en') => {
      const [message] = (await runTurn(turn(flow, text('go'), { language }), fakeCallApi({}))).messages;
      return message?.type === 'carousel' ? message.altText : undefined;
    };
    await expect(altTextOf(carousel(), 'zh-TW')).resolves.toBe(BUILT_IN_TEXTS['zh-TW'].carouselAltText);
    await expect(altTextOf(carousel(), 'en')).resolves.toBe('Carousel');
    await expect(altTextOf(carousel({ carouselAltText: '本週推薦' }), 'en')).resolves.toBe('本週推薦');
  });
});

describe('group and room chats', () => {
  const tickets: FlowInput['triggers'] = [
    { type: 'postback', action: 'my_tickets', start: 'tickets' },
    { type: 'keyword', keywords: ['hot'], start: 'hot', chats: ['user', 'group', 'room'] },
    { type: 'keyword', keywords: ['survey'], start: 'ask', chats: ['group'] },
    { type: 'fallback', start: 'huh' },
  ];
  const flow = flowOf(
    {
      tickets: { type: 'message', messages: [{ type: 'text', text: 'Your member number is {{ attributes.memberId }}' }] },
      hot: { type: 'message', messages: [{ type: 'text', text: 'Best sellers for {{ trigger.chat }}, asked by {{ trigger.speakerId }}' }] },
      ask: { type: 'question', prompt: 'Which day suits the group?', input: { type: 'text' }, saveAs: 'day', next: 'thanks' },
      thanks: { type: 'message', messages: [{ type: 'text', text: 'The group picked {{ attributes.day }}.' }] },
      huh: { type: 'message', messages: [{ type: 'text', text: 'Sorry?' }] },
    },
    tickets,
  );
  const inGroup = (event: InboundEvent, extra: Partial<TurnInput> = {}) =>
    turn(flow, event, {
      chat: 'group',
      speakerId: 'U-speaker',
      customer: { id: 'C-group', channel: 'line', attributes: { memberId: 'M-group-never' } },
      ...extra,
    });

  test('a personal trigger used in a group answers, in the workspace language, to ask in a one-to-one chat, and runs nothing', async () => {
    const api = fakeCallApi({});
    expect(await runTurn(inGroup(postback('action=my_tickets'), { language: 'zh-TW' }), api)).toEqual({
      messages: [{ type: 'text', text: '這項服務請在一對一聊天中使用喔。' }],
      attributes: {},
      session: null,
      route: 'oneToOneOnly',
    });
    expect(textsOf((await runTurn(inGroup(postback('action=my_tickets'), { language: 'en' }), api)).messages)).toEqual([
      'Please ask me in a one-to-one chat for this.',
    ]);
    expect(textsOf((await runTurn(inGroup(postback('action=my_tickets'), { chat: 'room' }), api)).messages)).toEqual([
      BUILT_IN_TEXTS['zh-TW'].oneToOneOnly,
    ]);
    expect(api.calls).toEqual([]);
  });

  test("the flow's texts reword the notice", async () => {
    const worded = flowSchema.parse({ ...flow, texts: { oneToOneOnly: 'Tap me in a private chat!' } });
    expect(textsOf((await runTurn({ ...inGroup(postback('action=my_tickets')), flow: worded }, fakeCallApi({}))).messages)).toEqual([
      'Tap me in a private chat!',
    ]);
  });

  test("the notice leaves the group's open conversation as it was", async () => {
    const open = session('ask', { attempts: 1 });
    const result = await runTurn(inGroup(postback('action=my_tickets'), { session: open }), fakeCallApi({}));
    expect(result.route).toBe('oneToOneOnly');
    expect(result.session).toEqual({ flowId: open.flowId, version: open.version, waitingOn: 'ask', attempts: 1, trigger: {} });
  });

  test('a trigger that serves groups runs there: trigger.chat and trigger.speakerId name the group and who spoke', async () => {
    const result = await runTurn(inGroup(text('hot')), fakeCallApi({}));
    expect(result).toMatchObject({ route: 'trigger', messages: [{ type: 'text', text: 'Best sellers for group, asked by U-speaker' }] });
    expect(textsOf((await runTurn(turn(flow, text('hot')), fakeCallApi({}))).messages)).toEqual(['Best sellers for user, asked by U1']);
  });

  test('a group question waits for the group: any member answers, and the answer is saved on the group', async () => {
    const asked = await runTurn(inGroup(text('survey')), fakeCallApi({}));
    expect(asked).toMatchObject({
      route: 'trigger',
      messages: [{ type: 'text', text: 'Which day suits the group?' }],
      session: { waitingOn: 'ask' },
    });
    const answered = await runTurn(inGroup(text('Friday'), { speakerId: 'U-other', session: session('ask') }), fakeCallApi({}));
    expect(answered).toMatchObject({
      route: 'answer',
      attributes: { day: 'Friday' },
      messages: [{ type: 'text', text: 'The group picked Friday.' }],
      session: null,
    });
  });

  test('the fallback stays quiet in a group unless it says it serves groups', async () => {
    expect(await runTurn(inGroup(text('good morning all')), fakeCallApi({}))).toEqual({
      messages: [],
      attributes: {},
      session: null,
      route: 'none',
    });
    expect(textsOf((await runTurn(turn(flow, text('good morning')), fakeCallApi({}))).messages)).toEqual(['Sorry?']);
  });

  test('a group-only trigger says nothing in a one-to-one chat (the fallback answers there)', async () => {
    expect(await runTurn(turn(flow, text('survey')), fakeCallApi({}))).toMatchObject({
      route: 'fallback',
      messages: [{ type: 'text', text: 'Sorry?' }],
    });
  });
});

describe('closed conversations and postback params', () => {
  const flow = flowOf(
    {
      ask: { type: 'question', prompt: 'When?', input: { type: 'text' }, saveAs: 'when', next: 'done' },
      done: { type: 'message', messages: [{ type: 'text', text: 'Booked for {{ trigger.params.datetime }}' }] },
      booked: { type: 'message', messages: [{ type: 'text', text: 'Booked {{ trigger.params.shop }} on {{ trigger.params.date }}' }] },
    },
    [
      { type: 'keyword', keywords: ['go'], start: 'ask' },
      { type: 'postback', action: 'book', start: 'booked' },
      { type: 'fallback', start: 'ask' },
    ],
  );

  test('an unfollow or a leave ends the open conversation without a word, whatever the flow', async () => {
    for (const by of ['unfollow', 'leave'] as const) {
      const result = await runTurn(turn(flow, { type: 'closed', by }, { session: session('ask') }), fakeCallApi({}));
      expect(result).toEqual({ messages: [], attributes: {}, session: null, route: 'closed' });
    }
  });

  test("a datetime picker's choice reaches templates as trigger.params", async () => {
    const result = await runTurn(
      turn(flow, { type: 'postback', data: 'action=book&shop=Taipei', params: { date: '2026-12-24' } }),
      fakeCallApi({}),
    );
    expect(textsOf(result.messages)).toEqual(['Booked Taipei on 2026-12-24']);
  });
});

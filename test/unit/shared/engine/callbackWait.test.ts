import type { Session } from '../../../../shared/domain/session';
import { buildCardRequest, type CardOutcome } from '../../../../shared/engine/callApi';
import { runTurn, type TurnDeps, type TurnInput } from '../../../../shared/engine/runTurn';
import { flowSchema, type Flow } from '../../../../shared/flow/schema';
import { BUILT_IN_TEXTS } from '../../../../shared/flow/texts';
import type { TemplateContext } from '../../../../shared/templating/liquid';

/**
 * A card that waits for the brand's callback (issue 20): a 202 ends the turn with the conversation
 * waiting on the card; the callback it waits for resumes it as a direct answer would (follow-up,
 * successWhen, saveToAttributes); its timeout takes the failure path (`callback_timeout`); any other
 * callback resumes nothing.
 */
const flow: Flow = flowSchema.parse({
  schemaVersion: 1,
  name: 'booking',
  triggers: [
    { type: 'postback', action: 'book', start: 'booking' },
    { type: 'keyword', keywords: ['menu'], start: 'menu' },
  ],
  blocks: {
    booking: {
      type: 'callApi',
      request: {
        method: 'POST',
        url: 'https://brand.example/bookings',
        body: { type: 'json', value: { seat: '{{ trigger.params.seat }}', notify: '{{ callback.url }}' } },
      },
      callback: { timeoutSeconds: 30 },
      successWhen: 'response.body.status == "confirmed"',
      saveToAttributes: { bookingId: 'response.body.bookingId' },
      onSuccess: 'booked',
      onReason: { callback_timeout: 'late' },
      onFailure: 'refused',
    },
    booked: { type: 'message', messages: [{ type: 'text', text: 'Booked: {{ attributes.bookingId }}' }] },
    refused: { type: 'message', messages: [{ type: 'text', text: 'Not booked ({{ failure.reason }})' }] },
    late: { type: 'message', messages: [{ type: 'text', text: 'Still no word from the venue ({{ failure.reason }})' }] },
    menu: { type: 'message', messages: [{ type: 'text', text: 'Menu' }] },
  },
});

const accepted: CardOutcome = { ok: true, response: { status: 202, headers: {}, body: { queued: true } }, attempts: 1 };

function deps(outcome: CardOutcome = accepted, withCallbacks = true) {
  const calls: TemplateContext[] = [];
  const d: TurnDeps = {
    callApi: async (_id, _block, context) => {
      calls.push(context);
      return outcome;
    },
    ...(withCallbacks ? { newCallback: () => ({ id: 'cb-1', url: 'https://api.example/callbacks/ws/cb-1' }) } : {}),
  };
  return { d, calls };
}

function turn(event: TurnInput['event'], session?: Session): TurnInput {
  return {
    flow,
    flowRef: { flowId: 'f', version: 1 },
    event,
    session,
    customer: { id: 'U1', channel: 'line', attributes: {} },
    language: 'en',
  };
}
const waiting: Session = {
  flowId: 'f',
  version: 1,
  waitingOn: 'booking',
  attempts: 0,
  trigger: { action: 'book', seat: '12A' },
  callbackId: 'cb-1',
  expiresAt: 0,
};

describe('a card waiting for a callback', () => {
  test('a 202 ends the turn waiting on the card, the callback URL given to the brand', async () => {
    const { d, calls } = deps();
    const result = await runTurn(turn({ type: 'postback', data: 'action=book&seat=12A' }), d);
    expect(calls[0]?.callback).toEqual({ url: 'https://api.example/callbacks/ws/cb-1' });
    expect(result.messages).toEqual([]);
    expect(result.session).toEqual({
      flowId: 'f',
      version: 1,
      waitingOn: 'booking',
      attempts: 0,
      trigger: { action: 'book', seat: '12A' },
      callbackId: 'cb-1',
    });
    expect(result.callback).toEqual({ id: 'cb-1', blockId: 'booking', timeoutSeconds: 30 });
  });

  test('the request carries the URL in its header and where the admin put {{ callback.url }}', async () => {
    const block = flow.blocks.booking;
    if (block?.type !== 'callApi') throw new Error('no card');
    const request = await buildCardRequest({
      block,
      context: { trigger: { params: { seat: '12A' } }, callback: { url: 'https://api.example/callbacks/ws/cb-1' } },
      secrets: {},
    });
    expect(request.headers?.['callcard-callback-url']).toBe('https://api.example/callbacks/ws/cb-1');
    expect(JSON.parse(request.body ?? '')).toEqual({ seat: '12A', notify: 'https://api.example/callbacks/ws/cb-1' });
  });

  test('a direct answer other than 202 is taken at once, as for any card', async () => {
    const { d } = deps({ ok: true, response: { status: 200, headers: {}, body: { status: 'confirmed', bookingId: 'B-1' } }, attempts: 1 });
    const result = await runTurn(turn({ type: 'postback', data: 'action=book&seat=12A' }), d);
    expect(result.messages).toEqual([{ type: 'text', text: 'Booked: B-1' }]);
    expect(result.session).toBeNull();
    expect(result.callback).toBeUndefined();
  });

  test('without a way to receive callbacks (dry run, simulator) a 202 is a plain success', async () => {
    const { d, calls } = deps(accepted, false);
    const result = await runTurn(turn({ type: 'postback', data: 'action=book&seat=12A' }), d);
    expect(calls[0]?.callback).toBeUndefined();
    expect(result.callback).toBeUndefined();
    // The stand-in judged the 202 a success (executeCallApi judges it by successWhen, as any answer).
    expect(result.messages).toEqual([{ type: 'text', text: 'Booked: ' }]);
    expect(result.session).toBeNull();
  });

  test('the callback resumes the card: successWhen, saveToAttributes and the follow-up work on its body', async () => {
    const { d, calls } = deps();
    const result = await runTurn(
      turn({ type: 'callback', callbackId: 'cb-1', result: 'ok', body: '{"status":"confirmed","bookingId":"B-17"}' }, waiting),
      d,
    );
    expect(calls).toEqual([]);
    expect(result.route).toBe('callback');
    expect(result.messages).toEqual([{ type: 'text', text: 'Booked: B-17' }]);
    expect(result.attributes).toEqual({ bookingId: 'B-17' });
    expect(result.session).toBeNull();
  });

  test('a callback saying no takes the failure path; one that is not JSON, too', async () => {
    const { d } = deps();
    const no = await runTurn(turn({ type: 'callback', callbackId: 'cb-1', result: 'ok', body: '{"status":"full"}' }, waiting), d);
    expect(no.messages).toEqual([{ type: 'text', text: 'Not booked (success_condition)' }]);
    const garbled = await runTurn(turn({ type: 'callback', callbackId: 'cb-1', result: 'ok', body: 'OK!' }, waiting), d);
    expect(garbled.messages).toEqual([{ type: 'text', text: 'Not booked (invalid_json)' }]);
  });

  test('no callback in time: the failure path with reason callback_timeout (the apology without one)', async () => {
    const { d } = deps();
    const result = await runTurn(turn({ type: 'callback', callbackId: 'cb-1', result: 'timeout' }, waiting), d);
    expect(result.messages).toEqual([{ type: 'text', text: 'Still no word from the venue (callback_timeout)' }]);
    expect(result.session).toBeNull();
    const plain = flowSchema.parse({
      ...flow,
      blocks: { ...flow.blocks, booking: { ...flow.blocks.booking, onReason: undefined, onFailure: undefined } },
    });
    const apology = await runTurn({ ...turn({ type: 'callback', callbackId: 'cb-1', result: 'timeout' }, waiting), flow: plain }, d);
    expect(apology.messages).toEqual([{ type: 'text', text: BUILT_IN_TEXTS.en.failure }]);
  });

  test('a callback the conversation does not wait on resumes nothing (late, after a timeout or a restart; another id)', async () => {
    const { d } = deps();
    const other = await runTurn(turn({ type: 'callback', callbackId: 'cb-2', result: 'ok', body: '{"status":"confirmed"}' }, waiting), d);
    expect(other).toMatchObject({ messages: [], route: 'none', session: { callbackId: 'cb-1' } });
    const none = await runTurn(turn({ type: 'callback', callbackId: 'cb-1', result: 'ok', body: '{"status":"confirmed"}' }), d);
    expect(none).toMatchObject({ messages: [], route: 'none', session: null });
    const timeoutAfterTheAnswer = await runTurn(turn({ type: 'callback', callbackId: 'cb-1', result: 'timeout' }), d);
    expect(timeoutAfterTheAnswer).toMatchObject({ messages: [], route: 'none', session: null });
  });

  test('the customer writing meanwhile keeps the wait; a trigger starts over (the callback then resumes nothing)', async () => {
    const { d } = deps();
    const meanwhile = await runTurn(turn({ type: 'text', text: 'so?' }, waiting), d);
    expect(meanwhile).toMatchObject({ messages: [], route: 'none', session: { waitingOn: 'booking', callbackId: 'cb-1' } });
    const restart = await runTurn(turn({ type: 'text', text: 'menu' }, waiting), d);
    expect(restart).toMatchObject({ messages: [{ type: 'text', text: 'Menu' }], route: 'trigger', session: null });
  });
});

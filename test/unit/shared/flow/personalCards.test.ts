import { demoFlow } from '../../../../local/demoFlow';
import { flowFromTemplate } from '../../../../shared/flow/templates';
import { flowJsonSchema, validateFlow, type FlowProblem } from '../../../../shared/flow/validateFlow';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function problems(input: unknown): FlowProblem[] {
  const result = validateFlow(input);
  return result.ok ? [] : result.problems;
}
const paths = (input: unknown) => problems(input).map((p) => p.path);

/** A small flow: `tickets` (a postback) starts at `load`, a personal card; `verify` is where verification starts. */
function ticketsFlow(): Doc {
  return {
    schemaVersion: 1,
    name: 'tickets',
    triggers: [{ type: 'postback', action: 'tickets', start: 'load' }],
    verify: 'ask_code',
    blocks: {
      load: {
        type: 'callApi',
        personal: true,
        request: { url: 'https://brand.example/members/{{ binding.memberId }}/tickets' },
        onSuccess: 'show',
      },
      show: { type: 'message', messages: [{ type: 'text', text: '{{ response.body.count }} tickets' }] },
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
      },
    },
  };
}

describe('personal cards: where they may run', () => {
  test('the demo flow and the my tickets template: a personal card, verification by account link on LINE and one-time code elsewhere', () => {
    for (const flow of [demoFlow('https://brand.example'), flowFromTemplate('myTickets', 'Tickets', 'https://brand.example')]) {
      const result = validateFlow(flow);
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(result.flow.verify).toBe('link_account');
      expect(result.flow.blocks.link_account).toMatchObject({
        type: 'linkAccount',
        loginUrl: 'https://brand.example/link/login',
        channels: ['line'],
        elsewhere: 'ask_phone',
        onLinked: 'resolve_link',
      });
      expect(result.flow.blocks.resolve_link).toMatchObject({
        bind: { memberId: 'response.body.memberId' },
        request: { url: 'https://brand.example/link/resolve' },
      });
      expect(result.flow.blocks.load_tickets).toMatchObject({
        personal: true,
        request: { url: 'https://brand.example/members/{{ binding.memberId }}/tickets' },
      });
      expect(result.flow.blocks.check_code).toMatchObject({ bind: { memberId: 'response.body.memberId' } });
      // No binding by a typed phone alone: no card saves a member id as a plain attribute.
      expect(JSON.stringify(result.flow)).not.toMatch(/saveToAttributes":\{"memberId|members\/verify|attributes\.memberId/);
    }
  });

  test('a personal card with a verify start, or with a card that binds on every way to it, is fine', () => {
    expect(problems(ticketsFlow())).toEqual([]);
    const bindFirst = ticketsFlow();
    delete bindFirst.verify;
    bindFirst.triggers = [{ type: 'postback', action: 'tickets', start: 'ask_code' }];
    expect(problems(bindFirst)).toEqual([]);
  });

  test('a personal card a trigger reaches with no verification on the way and no verify start is a problem at the card', () => {
    const doc = ticketsFlow();
    delete doc.verify;
    doc.triggers.push({ type: 'keyword', keywords: ['code'], start: 'ask_code' });
    expect(problems(doc)).toEqual([
      { path: 'blocks.load.personal', message: expect.stringMatching(/needs a way to verify.*verify start/) },
    ]);
    // Reached through the card that binds on its failure path only: still unverified there.
    const viaFailure = ticketsFlow();
    delete viaFailure.verify;
    viaFailure.triggers = [{ type: 'keyword', keywords: ['code'], start: 'ask_code' }];
    viaFailure.blocks.check.onFailure = 'load';
    expect(paths(viaFailure)).toEqual(['blocks.load.personal']);
  });

  test('a personal flow: every card is personal unless it says personal: false; a card that binds cannot be personal', () => {
    const doc = ticketsFlow();
    delete doc.blocks.load.personal;
    doc.personal = true;
    expect(problems(doc)).toEqual([
      {
        path: 'blocks.check',
        message: expect.stringMatching(/a card that binds .* cannot be personal \(personal: false in a personal flow\)/),
      },
    ]);
    doc.blocks.check.personal = false;
    expect(problems(doc)).toEqual([]);
  });

  test('the way from verify: no personal card before a card binds, and a card that binds at all', () => {
    const doc = ticketsFlow();
    doc.blocks.ask_code.next = 'lookup';
    doc.blocks.lookup = { type: 'callApi', personal: true, request: { url: 'https://brand.example/x' }, onSuccess: 'check' };
    expect(problems(doc)).toEqual([
      { path: 'blocks.lookup.personal', message: expect.stringMatching(/cannot run there \(personal: false\)/) },
    ]);
    const noBind = ticketsFlow();
    delete noBind.blocks.check.bind;
    expect(problems(noBind)).toEqual([
      {
        path: 'blocks.load.personal',
        message: expect.stringMatching(/on the way to verification \(from verify: ask_code\) before any card binds/),
      },
      { path: 'verify', message: expect.stringMatching(/no card that binds/) },
    ]);
    const nowhere = ticketsFlow();
    nowhere.verify = 'nowhere';
    expect(paths(nowhere)).toEqual(['verify', 'blocks.ask_code', 'blocks.check']);
  });

  test('the verify start counts as reachable', () => {
    const doc = ticketsFlow();
    expect(problems(doc).filter((p) => p.message.startsWith('unreachable'))).toEqual([]);
    delete doc.verify;
    doc.blocks.load.personal = false;
    expect(paths(doc)).toEqual(['blocks.ask_code', 'blocks.check']);
  });

  test('never in a group: a personal card or a card that binds reached from a trigger that answers in groups or rooms', () => {
    const doc = ticketsFlow();
    doc.triggers[0].chats = ['user', 'group'];
    expect(problems(doc)).toEqual([
      {
        path: 'blocks.load.personal',
        message: expect.stringMatching(/^triggers\.0 answers in LINE groups or rooms .*a personal card runs in one-to-one chats only/),
      },
    ]);
    const flowWide = ticketsFlow();
    flowWide.chats = ['room'];
    flowWide.triggers.push({ type: 'keyword', keywords: ['code'], start: 'ask_code' });
    expect(paths(flowWide)).toEqual(['blocks.load.personal', 'blocks.check', 'blocks.load.personal']);
    // One-to-one only, explicitly: fine.
    const oneToOne = ticketsFlow();
    oneToOne.chats = ['group'];
    oneToOne.triggers[0].chats = ['user'];
    expect(problems(oneToOne)).toEqual([]);
  });

  test('a personal card is never cached, whether it says personal or its request reads binding', () => {
    const doc = ticketsFlow();
    doc.blocks.load.cache = { ttlSeconds: 60 };
    expect(problems(doc)).toEqual([{ path: 'blocks.load.cache', message: "only for non-personal data: this card's request uses binding" }]);
    doc.blocks.load.request.url = 'https://brand.example/tickets';
    expect(problems(doc)).toEqual([{ path: 'blocks.load.cache', message: 'only for non-personal data: this card is personal' }]);
  });

  test('bind: paths into the response, never on a fire-and-forget card, oneTimeCode the only method a flow may name', () => {
    const doc = ticketsFlow();
    doc.blocks.check.bind = {
      memberId: 'attributes.phone',
      attributes: { name: 'response.body.name | upcase', constructor: 'response.body.x' },
      method: 'lineAccountLink',
    };
    expect(paths(doc).sort()).toEqual(
      [
        'blocks.check.bind.attributes.constructor',
        'blocks.check.bind.attributes.name',
        'blocks.check.bind.memberId',
        'blocks.check.bind.method',
      ].sort(),
    );
    const fired = ticketsFlow();
    fired.blocks.check.fireAndForget = true;
    expect(paths(fired)).toEqual(['blocks.check.bind']);
  });

  test('unbind: a block that goes on to next, checked like any other edge', () => {
    const doc = ticketsFlow();
    doc.triggers.push({ type: 'keyword', keywords: ['unlink'], start: 'unlink' });
    doc.blocks.unlink = { type: 'unbind', next: 'bye' };
    doc.blocks.bye = { type: 'message', messages: [{ type: 'text', text: 'Unlinked.' }] };
    expect(problems(doc)).toEqual([]);
    doc.blocks.unlink.next = 'gone';
    doc.blocks.unlink.then = 'x';
    expect(paths(doc)).toEqual(expect.arrayContaining(['blocks.unlink.then', 'blocks.unlink.next']));
  });

  test('the JSON Schema for editors knows personal, bind, verify and unbind', () => {
    const schema = JSON.stringify(flowJsonSchema());
    for (const word of ['"personal"', '"bind"', '"verify"', '"unbind"', '"oneTimeCode"']) expect(schema).toContain(word);
  });
});

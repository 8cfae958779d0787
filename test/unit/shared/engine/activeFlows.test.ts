import { channelSchema } from '../../../../shared/channels/channel';
import { describeFlowRef, triggerConflicts, withFlow, withoutFlow } from '../../../../shared/engine/activeFlows';
import { matchActiveFlows, triggerKeys, type RunningFlow } from '../../../../shared/engine/triggers';
import { flowSchema, type FlowInput } from '../../../../shared/flow/schema';

/** A flow version whose triggers all start at an end block. */
function running(flowId: string, triggers: FlowInput['triggers'], version = 1): RunningFlow {
  const blocks = Object.fromEntries(triggers.map((t) => [t.start, { type: 'end' as const }]));
  return { flowId, version, flow: flowSchema.parse({ schemaVersion: 1, name: flowId, triggers, blocks }) };
}

const keyword = (keywords: string[], match: 'exact' | 'contains' = 'exact') => ({ type: 'keyword' as const, match, keywords, start: 'k' });
const demo = running('demo', [
  { type: 'postback', action: 'my_tickets', start: 'tickets' },
  keyword(['hot', '熱銷', 'best sellers']),
  { type: 'follow', start: 'welcome' },
  { type: 'fallback', start: 'help' },
]);

describe('triggerKeys: what a trigger answers, as matching compares it', () => {
  test('keywords normalized (full width, case, spaces), postback actions, follow, fallback', () => {
    expect(triggerKeys({ type: 'keyword', match: 'exact', keywords: ['ＨＯＴ', ' hot ', 'Best   Sellers'], start: 'k' })).toEqual([
      'keyword:hot',
      'keyword:best sellers',
    ]);
    expect(triggerKeys({ type: 'postback', action: 'my_tickets', start: 'p' })).toEqual(['postback:my_tickets']);
    expect(triggerKeys({ type: 'follow', start: 'f' })).toEqual(['follow']);
    expect(triggerKeys({ type: 'fallback', start: 'f' })).toEqual(['fallback']);
  });
});

describe('triggerConflicts: what a flow being published would share with the flows of a channel', () => {
  test('disjoint triggers: none', () => {
    expect(
      triggerConflicts(running('weather', [keyword(['weather', '天氣']), { type: 'postback', action: 'forecast', start: 'p' }]), [demo]),
    ).toEqual([]);
  });

  test('each shared trigger, naming the active flow first, then the published one', () => {
    const weather = running(
      'weather',
      [
        keyword(['Weather', 'ＨＯＴ']),
        { type: 'postback', action: 'my_tickets', start: 'p' },
        { type: 'follow', start: 'f' },
        { type: 'fallback', start: 'x' },
      ],
      3,
    );
    const pair = [
      { flowId: 'demo', version: 1 },
      { flowId: 'weather', version: 3 },
    ];
    expect(triggerConflicts(weather, [demo])).toEqual([
      { trigger: 'keyword:hot', flows: pair },
      { trigger: 'postback:my_tickets', flows: pair },
      { trigger: 'follow', flows: pair },
      { trigger: 'fallback', flows: pair },
    ]);
  });

  test('a keyword is shared whatever the match mode', () => {
    expect(triggerConflicts(running('a', [keyword(['hot'], 'contains')]), [demo]).map((c) => c.trigger)).toEqual(['keyword:hot']);
  });

  test("a contains keyword inside another flow's keyword: a customer typing that keyword would match both", () => {
    // Published "contains sell" vs the active exact "best sellers".
    expect(triggerConflicts(running('sale', [keyword(['sell'], 'contains')]), [demo])).toEqual([
      {
        trigger: 'keyword:best sellers',
        flows: [
          { flowId: 'demo', version: 1 },
          { flowId: 'sale', version: 1 },
        ],
      },
    ]);
    // And the other way round: the active flow's contains keyword inside the published one's.
    const tea = running('tea', [keyword(['tea'], 'contains')]);
    expect(triggerConflicts(running('workshop', [keyword(['Tea Workshop'])]), [tea]).map((c) => c.trigger)).toEqual([
      'keyword:tea workshop',
    ]);
    // An exact keyword inside another exact keyword is no overlap: "hot" is not "hot deals".
    expect(triggerConflicts(running('deals', [keyword(['hot deals'])]), [demo])).toEqual([]);
  });

  test('another version of the same flow is not a conflict (publishing replaces it)', () => {
    expect(triggerConflicts({ ...demo, version: 2 }, [demo])).toEqual([]);
  });

  test('against several flows: each conflict names its own flow', () => {
    const weather = running('weather', [keyword(['weather'])]);
    const both = running('both', [keyword(['weather', 'hot'])]);
    expect(triggerConflicts(both, [demo, weather]).map((c) => `${c.trigger} ${describeFlowRef(c.flows[0])}`)).toEqual([
      'keyword:hot demo v1',
      'keyword:weather weather v1',
    ]);
  });
});

describe('the active set', () => {
  const a1 = { flowId: 'a', version: 1 };
  const b1 = { flowId: 'b', version: 1 };
  test('a new flow goes last; another version of one replaces it in place; unpublish removes it', () => {
    expect(withFlow([], a1)).toEqual([a1]);
    expect(withFlow([a1], b1)).toEqual([a1, b1]);
    expect(withFlow([a1, b1], { flowId: 'a', version: 3 })).toEqual([{ flowId: 'a', version: 3 }, b1]);
    expect(withoutFlow([a1, b1], 'a')).toEqual([b1]);
    expect(withoutFlow([b1], 'a')).toEqual([b1]);
  });

  test('an item of the single-flow shape reads as a set of one; the new shape wins over it', () => {
    const item = { workspaceId: 'ws', kind: 'line', channelId: 'c', secret: 's', accessToken: 't' };
    expect(channelSchema.parse({ ...item, activeFlow: a1 })).toEqual({ ...item, name: '', activeFlows: [a1] });
    expect(channelSchema.parse(item).activeFlows).toEqual([]);
    expect(channelSchema.parse({ ...item, activeFlow: a1, activeFlows: [] }).activeFlows).toEqual([]);
    expect(channelSchema.parse({ ...item, activeFlows: [a1, b1], activeFlowsRevision: 2 })).toMatchObject({
      activeFlows: [a1, b1],
      activeFlowsRevision: 2,
    });
  });
});

describe("matchActiveFlows: the union of the active flows' triggers", () => {
  const weather = running('weather', [keyword(['weather']), { type: 'postback', action: 'forecast', start: 'p' }]);
  const deal = running('deal', [keyword(['deal'], 'contains')]);
  const flows = [demo, weather, deal];

  test('each flow answers its own triggers', () => {
    expect(matchActiveFlows(flows, { type: 'text', text: 'hot' }, { includeFallback: true })?.flow.flowId).toBe('demo');
    expect(matchActiveFlows(flows, { type: 'text', text: 'ＷＥＡＴＨＥＲ' }, { includeFallback: true })?.flow.flowId).toBe('weather');
    expect(matchActiveFlows(flows, { type: 'postback', data: 'action=forecast&day=1' }, { includeFallback: true })).toMatchObject({
      flow: { flowId: 'weather' },
      match: { start: 'p', params: { action: 'forecast', day: '1' } },
    });
    expect(matchActiveFlows(flows, { type: 'follow' }, { includeFallback: true })?.flow.flowId).toBe('demo');
  });

  test('the fallback only when no flow has another trigger for the text, and only if asked for', () => {
    const dealsFirst = [deal, demo];
    expect(matchActiveFlows(dealsFirst, { type: 'text', text: 'any deal?' }, { includeFallback: true })?.flow.flowId).toBe('deal');
    expect(matchActiveFlows(dealsFirst, { type: 'text', text: 'hello' }, { includeFallback: true })).toMatchObject({
      flow: { flowId: 'demo' },
      match: { trigger: { type: 'fallback' } },
    });
    expect(matchActiveFlows(dealsFirst, { type: 'text', text: 'hello' }, { includeFallback: false })).toBeUndefined();
    expect(matchActiveFlows([], { type: 'text', text: 'hot' }, { includeFallback: true })).toBeUndefined();
  });

  test('contains keywords of two flows meeting in one message: the set order decides', () => {
    const hotContains = running('hot-any', [keyword(['hot'], 'contains')]);
    expect(matchActiveFlows([hotContains, deal], { type: 'text', text: 'hot deal' }, { includeFallback: false })?.flow.flowId).toBe(
      'hot-any',
    );
    expect(matchActiveFlows([deal, hotContains], { type: 'text', text: 'hot deal' }, { includeFallback: false })?.flow.flowId).toBe('deal');
  });
});

import { demoFlow } from '../../../../local/demoFlow';
import { validateFlow } from '../../../../shared/flow/validateFlow';
import {
  bestSellersScenario,
  EXAMPLE_BASE_URL,
  flowFromTemplate,
  myTicketsScenario,
  orderStatusScenario,
  registrationScenario,
  TEMPLATE_IDS,
  templateCallsApi,
} from '../../../../shared/flow/templates';

// The console's flow templates (shared/flow/templates.ts) and the seeded demo flow built from the same scenarios.

describe('flow templates', () => {
  test.each(TEMPLATE_IDS.filter((id) => id !== 'blank'))(
    '%s is a valid flow against the base URL given, with no default spelled out',
    (id) => {
      const flow = flowFromTemplate(id, 'Mine', 'https://brand.example/api/');
      const result = validateFlow(flow);
      expect(result).toMatchObject({ ok: true });
      expect(flow.name).toBe('Mine');
      const text = JSON.stringify(flow);
      // The trailing slash is trimmed; every URL is the brand's.
      expect(text).not.toContain('api//');
      for (const url of text.match(/"url":"[^"]*"/g) ?? [])
        if (!url.includes('{{ item.url }}')) expect(url).toMatch(/^"url":"https:\/\/brand\.example\/api\//);
      // As written by hand: the defaults are left out.
      expect(text).not.toMatch(/"match":"exact"|"maxAttempts":3|"retry":true|"timeoutMs":10000|"headers":\{\}|"type":"none"/);
      expect(templateCallsApi(id)).toBe(true);
    },
  );

  test('blank: no triggers or blocks yet (not valid until the admin adds them), and calls no API', () => {
    expect(flowFromTemplate('blank', 'Empty')).toEqual({ schemaVersion: 1, name: 'Empty', triggers: [], blocks: {} });
    expect(validateFlow(flowFromTemplate('blank', 'Empty')).ok).toBe(false);
    expect(templateCallsApi('blank')).toBe(false);
  });

  test('order status: order / 訂單 asks the number, calls the brand with the key secret, routes 404 apart from other failures', () => {
    const flow = flowFromTemplate('orderStatus', 'Orders');
    expect(flow.triggers).toEqual([{ type: 'keyword', keywords: ['order', '訂單'], start: 'ask_order' }]);
    expect(flow.blocks.ask_order).toEqual({
      type: 'question',
      prompt: 'What is your order number?',
      input: { type: 'text' },
      saveAs: 'orderId',
      next: 'load_order',
    });
    expect(flow.blocks.load_order).toEqual({
      type: 'callApi',
      request: {
        method: 'GET',
        url: `${EXAMPLE_BASE_URL}/orders/{{ attributes.orderId }}`,
        headers: { 'x-api-key': '{{ secrets.ORDERS_API_KEY }}' },
      },
      onSuccess: 'show_order',
      onStatus: { '404': 'no_such_order' },
      onFailure: 'order_failed',
    });
    expect(flow.blocks.show_order).toMatchObject({
      messages: [
        { type: 'text', text: 'Order {{ response.body.id }}: {{ response.body.status }}' },
        { type: 'carousel', repeat: { over: 'response.body.items' } },
      ],
    });
    expect(JSON.stringify(flow.blocks.no_such_order)).toContain('no such order {{ attributes.orderId }}');
    expect(JSON.stringify(flow.blocks.order_failed)).toContain('we are having trouble');
  });

  test('each call gives fresh objects: editing one flow leaves the next untouched', () => {
    const first = flowFromTemplate('bestSellers', 'A');
    (first.triggers[0]?.keywords as string[]).push('changed');
    expect(flowFromTemplate('bestSellers', 'B').triggers[0]).toEqual({
      type: 'keyword',
      keywords: ['hot', '熱銷', 'best sellers'],
      start: 'best_sellers',
    });
  });

  test('the demo flow is the three scenarios, with a welcome and help', () => {
    const base = 'http://127.0.0.1:4010';
    const demo = demoFlow(base);
    const scenarios = [myTicketsScenario(base), bestSellersScenario(base), registrationScenario(base)];
    expect(demo.triggers).toEqual([
      ...scenarios.flatMap((s) => s.triggers),
      { type: 'follow', start: 'welcome' },
      { type: 'fallback', start: 'help' },
    ]);
    for (const scenario of scenarios) for (const [id, block] of Object.entries(scenario.blocks)) expect(demo.blocks[id]).toEqual(block);
    expect(Object.keys(demo.blocks)).toEqual(['welcome', 'help', ...scenarios.flatMap((s) => Object.keys(s.blocks))]);
    // Order status is a template only: the demo flow does not answer "order".
    expect(Object.keys(orderStatusScenario(base).blocks).some((id) => id in demo.blocks)).toBe(false);
  });
});

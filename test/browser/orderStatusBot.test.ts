import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// Issue 18's yardstick: the "order status" bot built in the console from a workspace with no flows,
// with no JSON typed and no CLI: New flow, a keyword trigger, a question, a Call an API card (the URL
// with the answer, a secret header), its test, a text and a carousel from the response, a "no such
// order" block for a 404 and a "we are having trouble" block for any other failure, both created from
// the card's form, then Save and publish to LINE. Every click, fill, choice and key press is counted
// and printed as `order-status bot built in N UI actions`. Then the bot is talked to in the chat
// simulator: an order found, one not found, and the brand down.

type Doc = { name: string; triggers: unknown[]; blocks: Record<string, Record<string, unknown>> };

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the order-status bot built from nothing');
} else {
  describe('the order-status bot built in the console from nothing', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
      // An empty workspace: the seeded demo flow is taken off its channels and deleted (its channels
      // and secrets stay: the LINE channel to publish to, ORDERS_API_KEY for the demo brand's orders).
      const { stack } = session;
      const admin = (method: string, path: string, body?: unknown) =>
        fetch(`${stack.url}${path}`, {
          method,
          headers: session.adminHeaders(),
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      const channels = [
        { kind: 'line', channelId: stack.demo.lineChannelId },
        { kind: 'messenger', channelId: stack.demo.messengerPageId },
      ];
      expect((await admin('POST', '/admin/flows/demo/unpublish', { channels })).status).toBe(200);
      expect((await admin('DELETE', '/admin/flows/demo')).status).toBe(200);
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    test('built with no JSON, published to LINE, then found, not found and brand down in the simulator', async () => {
      const { stack } = session;
      await page.goto(`${stack.url}/console`);
      await page.locator('#lang').selectOption('en');
      await page.getByLabel('Workspace admin key').fill(stack.demo.adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('No flows yet').waitFor();

      let actions = 0;
      /** One UI action of the admin's: counted, then done. */
      const act = async (action: () => Promise<unknown>) => {
        actions += 1;
        await action();
      };
      const field = (label: string) => page.getByLabel(label, { exact: true });
      const button = (name: string) => page.getByRole('button', { name, exact: true });
      const doc = async () => JSON.parse(await page.locator('#flow-json').inputValue()) as Doc;

      // A new flow, blank, started by the keywords order / 訂單 (the editor opens on that trigger).
      await act(() => button('New flow').click());
      await act(() => page.locator('form').getByLabel('Name', { exact: true }).fill('Order status'));
      await act(() => field('Keywords that start it (optional)').fill('order, 訂單'));
      await act(() => button('Open in the editor').click());
      await page.locator('#flow-json').waitFor();

      // The trigger starts at a new question.
      await act(() => field('Starts at').selectOption('new:question'));
      await page.getByRole('heading', { name: /^Question block / }).waitFor();
      await act(() => field('Prompt').fill('What is your order number?'));
      await act(() => field('Save the answer as attribute').fill('orderId'));
      await act(() => field('Next').selectOption('new:callApi'));
      await page.getByRole('heading', { name: /^Card / }).waitFor();

      // The card: the URL with the answer, the API key as a secret header, tested with order A123.
      await act(() => field('URL').fill(`${stack.brandApi.url}/orders/{{ attributes.orderId }}`));
      await act(() => button('Add a header').click());
      await act(() => field('Header 1 name').fill('x-api-key'));
      // Chosen, the secret fills the empty value (Insert would add it at the caret of a value typed).
      await act(() => field('Secret or value for header 1').selectOption('secrets.ORDERS_API_KEY'));
      await act(() => field('Attribute 1 value').fill('A123'));
      await act(() => button('Test').click());
      await page.locator('#test-outcome', { hasText: 'Success after 1 attempt(s).' }).waitFor();

      // On success: a text and a carousel of the order's items, picked from the test's response.
      await act(() => button('Create a message block').click());
      await act(() => field('Message 1: text').fill('Order {{ response.body.id }}: {{ response.body.status }}'));
      await act(() => button('Add a carousel').click());

      // A 404 is "no such order"; any other failure is "we are having trouble", each a block created here.
      await act(() => button('Add a status').click());
      await act(() => field('Block for status 404').selectOption('new:message'));
      await page.getByRole('heading', { name: /^Message block / }).waitFor();
      await act(() => field('Message 1 text').fill('Sorry, there is no order {{ attributes.orderId }}. Please check the number.'));
      const blocks = (await doc()).blocks;
      const cardId = Object.keys(blocks).find((id) => blocks[id]?.type === 'callApi') ?? '';
      await act(() => page.getByRole('button', { name: `Open card ${cardId}` }).click());
      await act(() => field('On failure').selectOption('new:message'));
      await page.getByRole('heading', { name: /^Message block / }).waitFor();
      await act(() => field('Message 1 text').fill('Sorry, we are having trouble looking up orders. Please try again later.'));

      // Published to LINE: never saved yet, so Save and publish saves it first (creating the flow, version 1).
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      const panel = page.locator('#versions-panel');
      await act(() => panel.getByRole('checkbox', { name: new RegExp(`^LINE ${stack.demo.lineChannelId} `) }).check());
      await act(() => panel.getByRole('button', { name: 'Save and publish', exact: true }).click());
      await page
        .locator('#versions-outcome')
        .getByText(new RegExp(`^LINE ${stack.demo.lineChannelId}: .*version 1$`))
        .waitFor();
      await page.locator('#version', { hasText: 'Version 1' }).waitFor();
      // Saved: the button says Publish again. The editor's heading names the flow by its name, as the list does (its id beside it).
      await panel.getByRole('button', { name: 'Publish', exact: true }).waitFor();
      expect(await page.locator('#view-heading').innerText()).toBe('Flow Order status order-status');
      console.log(`order-status bot built in ${actions} UI actions`);

      // What was saved is what a hand-written flow would say: no defaults the admin did not set.
      const saved = await doc();
      const card = saved.blocks[cardId] ?? {};
      expect(saved.triggers).toEqual([{ type: 'keyword', keywords: ['order', '訂單'], start: expect.any(String) }]);
      expect(card.request).toEqual({
        url: `${stack.brandApi.url}/orders/{{ attributes.orderId }}`,
        headers: { 'x-api-key': '{{ secrets.ORDERS_API_KEY }}' },
      });
      expect(Object.keys(card).sort()).toEqual(['onFailure', 'onStatus', 'onSuccess', 'request', 'type']);
      expect(Object.keys(card.onStatus as object)).toEqual(['404']);
      // Ids that say what each block does, made from the keyword: ask_order → call_order → call_order_reply.
      expect(Object.keys(saved.blocks).sort()).toEqual([
        'ask_order',
        'call_order',
        'call_order_404',
        'call_order_failed',
        'call_order_reply',
      ]);
      expect(saved.triggers).toEqual([{ type: 'keyword', keywords: ['order', '訂單'], start: 'ask_order' }]);
      await session.screenshot('console-order-status-built');

      // Talked to in the simulator on LINE: found, not found, brand down.
      await page.getByRole('link', { name: 'Chat simulator' }).click();
      await page.getByLabel('Channel').selectOption(`line/${stack.demo.lineChannelId}`);
      const log = page.locator('#sim-log');
      const say = async (text: string) => {
        await page.getByLabel('Message').fill(text);
        await page.getByLabel('Message').press('Enter');
      };
      await say('order');
      await log.getByText('What is your order number?').first().waitFor({ timeout: 15_000 });
      await say('a123');
      await log.getByText('Order A123: shipped').waitFor({ timeout: 15_000 });
      await log.locator('.msg-card').first().waitFor();
      await say('訂單');
      await log.getByText('What is your order number?').nth(1).waitFor({ timeout: 15_000 });
      await say('Z999');
      await log.getByText('Sorry, there is no order Z999. Please check the number.').waitFor({ timeout: 15_000 });
      // The customer's bubbles hold their text (a width limit on a shrink-wrapped box once cut it off).
      const overflowing = await log
        .locator('.msg.mine .msg-text')
        .evaluateAll((bubbles) => bubbles.filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent));
      expect(overflowing).toEqual([]);
      await stack.brandApi.close();
      await say('order');
      await log.getByText('What is your order number?').nth(2).waitFor({ timeout: 15_000 });
      await say('A123');
      await log.getByText('Sorry, we are having trouble looking up orders. Please try again later.').waitFor({ timeout: 40_000 });
      await session.screenshot('console-order-status-simulator');
      expect(actions).toBeLessThanOrEqual(MEASURED_ACTIONS);
      expect(session.pageErrors).toEqual([]);
    }, 180_000);
  });
}

/** The count this build took when the test was written: more is a regression (issue 18's target is 25). */
const MEASURED_ACTIONS = 25;

import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, untilTrue, type ConsoleSession } from '../support/browser';

// The console end to end, as a brand's admin uses it: sign in, change a card's follow-up in the form,
// test the card, save, publish the new version to the LINE channel, and play scenario 1 in the chat
// simulator against what was published.

if (!HAVE_CHROMIUM) {
  skipBrowserTests('end to end');
} else {
  describe('the console end to end', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      page = session.page;
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    test('edit the ticket carousel in the form, test it, save, publish to LINE, then see it in the simulator', async () => {
      const { stack } = session;
      await session.signIn();
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).click();
      await page.locator('#version', { hasText: 'Version 1' }).waitFor();

      // The form: the carousel's button now says "Redeem".
      await page.getByRole('button', { name: 'Open card load_tickets' }).click();
      await page.getByRole('heading', { name: 'Card load_tickets' }).waitFor();
      const label = page.getByLabel('Button label', { exact: true });
      expect(await label.inputValue()).toBe('Use this ticket');
      await label.fill('Redeem');
      await untilTrue(page, `document.getElementById('flow-json').value.includes('"label": "Redeem"')`);

      // Its test, for verified member M001 (a personal card): the LINE preview shows the new button on each ticket.
      await page.getByLabel('Member field 1 value').fill('M001');
      await page.getByRole('button', { name: 'Test', exact: true }).click();
      await page.locator('#test-outcome', { hasText: 'Success after 1 attempt(s).' }).waitFor();
      expect(await page.locator('#line-preview .msg-card .msg-button').allTextContents()).toEqual(['Redeem', 'Redeem', 'Redeem']);

      // Save version 2 and publish it on the LINE channel: the panel says what ran there before.
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.locator('#version', { hasText: 'Version 2' }).waitFor();
      const panel = page.locator('#versions-panel');
      await panel.getByRole('checkbox', { name: new RegExp(`^LINE ${stack.demo.lineChannelId} .*: runs version 1$`) }).check();
      await panel.getByRole('button', { name: 'Publish', exact: true }).click();
      await page.locator('#versions-outcome').getByText(`LINE ${stack.demo.lineChannelId}: version 1 → version 2`).waitFor();

      // Scenario 1 in the simulator, on the LINE channel: it runs version 2.
      await page.getByRole('link', { name: 'Chat simulator' }).click();
      await page.getByLabel('Channel').selectOption(`line/${stack.demo.lineChannelId}`);
      const log = page.locator('#sim-log');
      await page.getByRole('navigation', { name: /Menu/ }).getByRole('button', { name: 'my_tickets' }).click();
      await log.getByText(/What is your member phone number\?/).waitFor();
      await page.getByLabel('Message').fill('0912-345-678');
      await page.getByLabel('Message').press('Enter');
      await log.getByText(/we just texted it a 6-digit code/).waitFor({ timeout: 15_000 });
      await page.locator('#sim-working .typing').waitFor({ state: 'detached', timeout: 15_000 });
      // The code the demo brand texted to the member's phone.
      await page.getByLabel('Message').fill(stack.brandApi.lastCode('0912345678') ?? '');
      await page.getByLabel('Message').press('Enter');
      await log.getByText('Thank you, Chen Mei-Ling: you are verified as member M001.').waitFor({ timeout: 15_000 });
      await log.locator('.msg-card').nth(2).waitFor({ timeout: 15_000 });
      expect(await log.locator('.msg-card .msg-button').allTextContents()).toEqual(['Redeem', 'Redeem', 'Redeem']);
      await page.locator('#sim-log-table').waitFor({ timeout: 10_000 });
      await session.screenshot('console-end-to-end');

      // What the simulated customer ran is the published version 2, and nothing went to LINE.
      const channel = (await (
        await fetch(`${stack.url}/admin/channels/line/${stack.demo.lineChannelId}`, { headers: session.adminHeaders() })
      ).json()) as { activeFlows: unknown[] };
      expect(channel.activeFlows).toEqual([{ flowId: 'demo', version: 2 }]);
      expect(stack.lineStandIn.calls().filter((call) => 'to' in call && String(call.to).startsWith('sim-'))).toEqual([]);
      expect(session.pageErrors).toEqual([]);
    }, 90_000);
  });
}

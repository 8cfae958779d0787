import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, untilTrue, type ConsoleSession } from '../support/browser';

// Scenario 1 played in the console's chat simulator, in a real browser: the member's tickets behind a
// one-time code the demo brand texts to the member's phone, on the demo LINE channel and then on the
// Messenger page. The brand API answers after 1.2 s, so the loading indicator is seen while the cards run.

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the chat simulator');
} else {
  describe('the chat simulator', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession({ brandApi: { latencyMs: 1_200 } });
      page = session.page;
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    test('scenario 1 on LINE: the menu button, a wrong then a right phone number, the code texted to it, the carousel, a tap on its button; the log beside', async () => {
      await session.signIn();
      await page.getByRole('link', { name: 'Chat simulator' }).click();
      await page.getByRole('heading', { name: 'Chat simulator' }).waitFor();
      const channel = page.getByLabel('Channel');
      await channel.selectOption(`line/${session.stack.demo.lineChannelId}`);
      const user = (await page.locator('#sim-user').textContent()) ?? '';
      expect(user).toMatch(/^sim-[a-z0-9]{8}$/);
      const log = page.locator('#sim-log');

      // The rich menu's "my_tickets" postback: the card asks for the phone number first.
      await page.getByRole('navigation', { name: /Menu/ }).getByRole('button', { name: 'my_tickets' }).click();
      await log.getByText('Tapped “my_tickets”').waitFor();
      await log
        .getByText('To show your tickets, please verify your membership first. What is your member phone number? We will text you a code.')
        .waitFor();

      // Not a phone number: asked again, without calling the brand.
      await page.getByLabel('Message').fill('my phone?');
      await page.getByRole('button', { name: 'Send' }).click();
      await log.getByText(/That does not look like a phone number/).waitFor();

      // The number: the brand texts a code to the member's phone (a card), and the code is asked for.
      await page.getByLabel('Message').fill('0912-345-678');
      await page.getByLabel('Message').press('Enter');
      await log
        .getByText('If 0912345678 is a member number, we just texted it a 6-digit code. Please type the code here.')
        .waitFor({ timeout: 15_000 });
      await page.locator('#sim-working .typing').waitFor({ state: 'detached', timeout: 15_000 });

      // The code the member received: the check card runs (the loading indicator shows, and the log
      // says it is being read again) and binds, then the tickets card.
      await page.getByLabel('Message').fill(session.stack.brandApi.lastCode('0912345678') ?? '');
      await page.getByLabel('Message').press('Enter');
      await page.getByRole('status').filter({ hasText: 'The bot is working…' }).waitFor();
      await page.locator('#sim-log-status', { hasText: 'Updating the log…' }).waitFor();
      // Typed while the bot answers (issue 18): kept, shown as waiting, not lost; Send still works.
      await page.getByLabel('Message').fill('what can you do?');
      await page.getByRole('button', { name: 'Send' }).click();
      expect(await page.getByLabel('Message').inputValue()).toBe('');
      const queued = log.locator('.msg.queued', { hasText: 'what can you do?' });
      await queued.getByText('Sent once the bot has answered').waitFor();
      await log.getByText('Thank you, Chen Mei-Ling: you are verified as member M001.').waitFor({ timeout: 15_000 });
      const cards = log.locator('.msg-card');
      await cards.nth(2).waitFor({ timeout: 15_000 });
      const answeredAt = Date.now();
      expect(await cards.count()).toBe(3);
      expect(await cards.first().textContent()).toContain('Taipei 101 Observatory');
      // The execution log beside the conversation: the three cards, successful, shown with the answer
      // (not seconds later), the "updating" line gone.
      const logTable = page.locator('#sim-log-table');
      await logTable.locator('tr', { hasText: 'load_tickets' }).waitFor({ timeout: 1_500 });
      expect(Date.now() - answeredAt).toBeLessThan(1_500);
      expect(await logTable.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
      expect(await logTable.textContent()).toMatch(/load_tickets.*success/s);
      expect(await logTable.textContent()).toMatch(/check_code.*success/s);
      // The queued message went once the bot had answered: sent as the customer's, answered by the fallback.
      await queued.waitFor({ state: 'detached', timeout: 5_000 });
      await log.locator('.msg.mine:not(.queued)', { hasText: 'what can you do?' }).waitFor();
      await log.getByText('Sorry, I did not catch that. Try one of these:').waitFor({ timeout: 15_000 });
      const order = await log.locator('.msg').evaluateAll((els) => els.map((el) => el.textContent ?? ''));
      const at = (text: string) => order.findIndex((line) => line.includes(text));
      expect(at('Taipei 101 Observatory')).toBeLessThan(at('what can you do?'));
      expect(at('what can you do?')).toBeLessThan(at('Sorry, I did not catch that.'));
      await page.locator('#sim-working .typing').waitFor({ state: 'detached', timeout: 15_000 });
      await untilTrue(page, "document.querySelector('#sim-log-status')?.textContent === ''");
      await session.screenshot('console-simulator');

      // Nothing went to LINE: the answers stayed in the console.
      expect(session.stack.lineStandIn.calls().filter((call) => 'to' in call && call.to === user)).toEqual([]);

      // A carousel button is a postback like any other.
      await cards.first().getByRole('button', { name: 'Use this ticket' }).click();
      await log.getByText('Tapped “Use this ticket”').waitFor();

      // Start over: a new simulated customer, an empty conversation.
      await page.locator('#sim-working .typing').waitFor({ state: 'detached', timeout: 15_000 });
      await page.getByRole('button', { name: 'Start over' }).click();
      // And what it erased (issue 19): the conversation's entries, profile, binding, log and turns.
      await page
        .getByText(
          new RegExp(
            `^Started over: the conversation, attributes and log of ${user} are gone \\(\\d+ conversation entries, profile yes, binding yes, \\d+ log entries, \\d+ turns erased\\)\\.$`,
          ),
        )
        .waitFor();
      expect(await log.locator('.msg').count()).toBe(0);
      expect(await page.locator('#sim-user').textContent()).not.toBe(user);
      expect(session.pageErrors).toEqual([]);
    }, 90_000);

    test('on Messenger: the carousel drawn as Messenger draws it, and a tapped quick reply', async () => {
      const channel = page.getByLabel('Channel');
      await channel.selectOption(`messenger/${session.stack.demo.messengerPageId}`);
      await page.locator('.sim-phone.messenger').waitFor();
      await page.getByRole('navigation', { name: /Menu/ }).getByRole('button', { name: 'my_tickets' }).click();
      const log = page.locator('#sim-log');
      await log.getByText(/What is your member phone number\?/).waitFor();
      await page.getByLabel('Message').fill('0912345678');
      await page.getByRole('button', { name: 'Send' }).click();
      await log.getByText(/we just texted it a 6-digit code/).waitFor({ timeout: 15_000 });
      await page.locator('#sim-working .typing').waitFor({ state: 'detached', timeout: 15_000 });
      await page.getByLabel('Message').fill(session.stack.brandApi.lastCode('0912345678') ?? '');
      await page.getByRole('button', { name: 'Send' }).click();
      await log.locator('.msg-card').nth(2).waitFor({ timeout: 15_000 });
      expect(await log.locator('.msg-card').first().textContent()).toContain('Taipei 101 Observatory');

      // Text no trigger takes: the fallback answers with quick replies; "Best sellers" sends its payload,
      // which Messenger's webhook reads as the text "hot": the best-seller carousel.
      await page.locator('#sim-working .typing').waitFor({ state: 'detached', timeout: 15_000 });
      await page.getByLabel('Message').fill('what can you do?');
      await page.getByLabel('Message').press('Enter');
      const chip = log.locator('.chips').last().getByRole('button', { name: 'Best sellers' });
      await chip.waitFor({ timeout: 15_000 });
      await log.getByText('Sorry, I did not catch that. Try one of these:').waitFor();
      await chip.click();
      await log.getByText('Tapped “Best sellers”').waitFor();
      await log.locator('.msg-card', { hasText: '阿里山高山烏龍茶 150g' }).waitFor({ timeout: 15_000 });
      expect(session.stack.messengerStandIn.calls().filter((call) => 'to' in call && String(call.to).startsWith('sim-'))).toEqual([]);
      expect(session.pageErrors).toEqual([]);
    }, 60_000);
  });
}

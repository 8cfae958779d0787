import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, polled, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// The card form's "Wait for the brand's callback" (issue 20, README "Waiting for the brand
// (callbacks)"): the card's `callback.timeoutSeconds` set from the form, refused out of its bounds.

type Card = Record<string, unknown> & { callback?: { timeoutSeconds?: number } };

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the callback setting of a card');
} else {
  describe("a card's callback setting", () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    test('checked: the card waits 300 s by default; the seconds are written, 5 is a problem at its path; unchecked: gone', async () => {
      await session.signIn();
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).click();
      const editor = page.getByLabel('Flow JSON');
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      const card = async () => (JSON.parse(await editor.inputValue()) as { blocks: Record<string, Card> }).blocks.best_sellers as Card;
      /** The card once the form's change has reached the flow's JSON. */
      const cardWhen = (check: (c: Card) => boolean): Promise<Card> => polled(card, check);
      await page.getByRole('button', { name: 'Open card best_sellers' }).click();
      await page.getByRole('heading', { name: 'Card best_sellers' }).waitFor();
      expect((await cardWhen(() => true)).callback).toBeUndefined();
      // best_sellers caches its answer: a callback card may not (the validator says so), so no cache first.
      await page.getByLabel('Cache the answer', { exact: true }).uncheck();

      await page.getByLabel("Wait for the brand's callback", { exact: true }).check();
      expect((await cardWhen((c) => c.callback !== undefined)).callback).toEqual({ timeoutSeconds: 300 });
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      const seconds = page.getByLabel('Wait for it at most (seconds, 10 to 900)', { exact: true });
      await seconds.fill('20');
      expect((await cardWhen((c) => c.callback?.timeoutSeconds === 20)).callback).toEqual({ timeoutSeconds: 20 });
      await seconds.fill('5');
      expect((await cardWhen((c) => c.callback?.timeoutSeconds === 5)).callback).toEqual({ timeoutSeconds: 5 });
      await page
        .getByText(/blocks\.best_sellers\.callback\.timeoutSeconds/)
        .first()
        .waitFor();
      await seconds.fill('60');
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();

      await page.getByLabel("Wait for the brand's callback", { exact: true }).uncheck();
      expect((await cardWhen((c) => c.callback === undefined)).callback).toBeUndefined();
    }, 90_000);
  });
}

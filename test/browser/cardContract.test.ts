import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, HAVE_CHROMIUM, polled, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// The card form's response contract (issue 21, README "Response contracts"): a test of the card, then
// "Learn contract" puts the shape of its answer into the card, edited as a form (type, required, must
// not be empty, fail or warn), each control written into the flow's JSON; saving then refuses a
// follow-up that reads a field the contract no longer has.

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; minItems?: number };
type Card = Record<string, unknown> & { contract?: { body: Schema; onMismatch?: string } };

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the response contract form');
} else {
  describe('the response contract form', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    test('learnt from a test, edited field by field, written into the card', async () => {
      await session.signIn();
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).click();
      const editor = page.getByLabel('Flow JSON');
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      const card = async () => (JSON.parse(await editor.inputValue()) as { blocks: Record<string, Card> }).blocks.best_sellers as Card;
      /** The card once the form's change has reached the flow's JSON. */
      const cardWhen = (check: (c: Card) => boolean): Promise<Card> => polled(card, check);

      await page.getByRole('button', { name: 'Open card best_sellers' }).click();
      await page.getByRole('heading', { name: 'Card best_sellers' }).waitFor();
      // Nothing to learn from before a test.
      const learn = page.locator('#card-contract-learn');
      await expect(learn.isDisabled()).resolves.toBe(true);
      expect((await card()).contract).toBeUndefined();

      await page.getByRole('button', { name: 'Test', exact: true }).click();
      await page.locator('#test-outcome', { hasText: 'Success after 1 attempt(s).' }).waitFor();
      await page.locator('#card-contract-learn:not([disabled])').waitFor();
      await learn.click();
      await page.locator('#card-contract-mismatch').waitFor();
      const learnt = (await cardWhen((c) => c.contract !== undefined)).contract;
      expect(learnt?.body.type).toBe('object');
      const arrays = Object.entries(learnt?.body.properties ?? {}).filter(([, schema]) => schema.type === 'array');
      expect(arrays.length).toBeGreaterThan(0);
      const [arrayName] = arrays[0] ?? [''];
      // A learnt array may be empty (a member with no tickets): "must not be empty" is the admin's choice.
      expect(learnt?.body.properties?.[arrayName]?.minItems).toBeUndefined();
      expect(learnt?.body.required).toContain(arrayName);

      await page.getByLabel(`response.body.${arrayName} must not be empty`, { exact: true }).check();
      expect(
        (await cardWhen((c) => c.contract?.body.properties?.[arrayName]?.minItems === 1)).contract?.body.properties?.[arrayName]?.minItems,
      ).toBe(1);
      // README "Response contracts" shows this form.
      await page.locator('#card-contract').screenshot({ path: path.join(ARTIFACTS, 'console-card-contract.png') });

      await page.getByLabel(`response.body.${arrayName} is required`, { exact: true }).uncheck();
      expect((await cardWhen((c) => !(c.contract?.body.required ?? []).includes(arrayName))).contract?.body.required ?? []).not.toContain(
        arrayName,
      );
      await page.getByLabel(`response.body.${arrayName} is required`, { exact: true }).check();
      expect((await cardWhen((c) => (c.contract?.body.required ?? []).includes(arrayName))).contract?.body.required).toContain(arrayName);

      await page.locator('#card-contract-mismatch').selectOption('warn');
      expect((await cardWhen((c) => c.contract?.onMismatch === 'warn')).contract?.onMismatch).toBe('warn');
      await page.locator('#card-contract-mismatch').selectOption('fail');
      expect((await cardWhen((c) => c.contract?.onMismatch === undefined)).contract?.onMismatch).toBeUndefined();

      // The array's type changed to a string: what only an array has goes with it, and the follow-up
      // that reads its items is now a problem at its path.
      await page.getByLabel(`Type of response.body.${arrayName}`, { exact: true }).selectOption('string');
      expect(
        (await cardWhen((c) => c.contract?.body.properties?.[arrayName]?.type === 'string')).contract?.body.properties?.[arrayName],
      ).toEqual({ type: 'string' });
      await page
        .getByText(/the contract of card "best_sellers" does not have/)
        .first()
        .waitFor();

      await page.locator('#card-contract-remove').click();
      expect((await cardWhen((c) => c.contract === undefined)).contract).toBeUndefined();
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
    }, 90_000);
  });
}

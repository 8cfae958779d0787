import type { Locator, Page } from 'playwright-core';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// Issue 19 in the console: a card's personal marker and bind (its form), the flow's verify start and
// personal marker (its settings), each written into the flow document as an admin would write it,
// and the API's problems shown where they are when a personal card is left with no way to verify.

type Doc = { verify?: string; personal?: boolean; blocks: Record<string, Record<string, unknown>> };

if (!HAVE_CHROMIUM) {
  skipBrowserTests('personal cards in the console');
} else {
  describe('personal cards in the console', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    const field = (label: string): Locator => page.getByLabel(label, { exact: true });
    const doc = async () => JSON.parse(await page.getByLabel('Flow JSON').inputValue()) as Doc;
    const noProblems = () => page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
    /** The problems listed at exactly `path` (an item reads its path, then its message). */
    const problem = (path: string) =>
      page.locator('#problem-list li').filter({ has: page.locator('code', { hasText: new RegExp(`^${path.replace(/\./g, '\\.')}$`) }) });

    test('a card is personal or not, a card binds, the flow verifies at a block; a personal card with no way to verify is a problem at its path', async () => {
      await session.signIn();
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).click();
      await noProblems();

      // load_tickets: personal. "As the flow says" leaves the key out; personal again.
      await page.getByRole('button', { name: 'Open card load_tickets' }).click();
      await page.getByRole('heading', { name: 'Card load_tickets' }).waitFor();
      const personal = field('Who the card runs for');
      expect(await personal.inputValue()).toBe('true');
      expect(await personal.locator('option').allTextContents()).toEqual([
        'As the flow says (not personal)',
        'Verified members only (personal)',
        'Anyone (not personal)',
      ]);
      await personal.selectOption('');
      expect((await doc()).blocks.load_tickets).not.toHaveProperty('personal');
      await noProblems();
      await personal.selectOption('true');
      expect((await doc()).blocks.load_tickets?.personal).toBe(true);
      // The verified member's values are offered to its templates.
      expect(await page.locator('#card-url-insert option').allTextContents()).toEqual(
        expect.arrayContaining(['binding.memberId', 'binding.attributes.name']),
      );

      // check_code binds: the member id and one more attribute, paths into the answer.
      await page.getByRole('button', { name: 'Open card check_code' }).click();
      await page.getByRole('heading', { name: 'Card check_code' }).waitFor();
      const bind = field('Verifies the customer: binds them to the member the answer names');
      expect(await bind.isChecked()).toBe(true);
      expect(await field('Member id in the answer').inputValue()).toBe('response.body.memberId');
      expect(await field('Binding attribute 1 name').inputValue()).toBe('name');
      expect(await field('Binding attribute 1 path').inputValue()).toBe('response.body.name');
      await page.getByRole('button', { name: 'Remove binding attribute 1' }).click();
      expect((await doc()).blocks.check_code?.bind).toEqual({ memberId: 'response.body.memberId' });
      await bind.uncheck();
      expect((await doc()).blocks.check_code).not.toHaveProperty('bind');
      await bind.check();
      await field('Member id in the answer').fill('response.body.member.id');
      await page.getByRole('button', { name: 'Add a binding attribute' }).click();
      await field('Binding attribute 1 name').fill('tier');
      await field('Binding attribute 1 path').fill('response.body.tier');
      expect((await doc()).blocks.check_code?.bind).toEqual({
        memberId: 'response.body.member.id',
        attributes: { tier: 'response.body.tier' },
      });
      await noProblems();
      // A path that is not into the answer: a problem under the field.
      await field('Member id in the answer').fill('attributes.phone');
      await problem('blocks.check_code.bind.memberId').waitFor();
      await field('Member id in the answer').fill('response.body.memberId');
      await noProblems();

      // The flow's settings: where verification starts, and whether every card is personal.
      await page.locator('#open-settings').click();
      const verify = field('Verification starts at');
      expect(await verify.inputValue()).toBe('link_account');
      await verify.selectOption('');
      expect(await doc()).not.toHaveProperty('verify');
      // A personal card with no way to verify: a problem at its path (and the verification blocks unreachable).
      await problem('blocks.load_tickets.personal').waitFor();
      expect(await problem('blocks.load_tickets.personal').textContent()).toMatch(/needs a way to verify/);
      // Verification that starts where no card binds would never verify anyone.
      await verify.selectOption('link_failed');
      await problem('verify').first().waitFor();
      expect(await problem('verify').first().textContent()).toMatch(/no card that binds/);
      await verify.selectOption('link_account');
      expect((await doc()).verify).toBe('link_account');
      await noProblems();

      const everyCard = field('Every card of this flow is personal');
      await everyCard.check();
      expect((await doc()).personal).toBe(true);
      // The cards on the way to verification must then say they are not personal.
      await problem('blocks.send_code').first().waitFor();
      expect(await problem('blocks.check_code').first().textContent()).toMatch(/cannot be personal/);
      await everyCard.uncheck();
      expect(await doc()).not.toHaveProperty('personal');
      await noProblems();

      // Saved: the admin API holds the flow as edited.
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved version 2.').waitFor();
      const saved = (await (await fetch(`${session.stack.url}/admin/flows/demo`, { headers: session.adminHeaders() })).json()) as {
        flow: Doc;
      };
      expect(saved.flow).toMatchObject({
        verify: 'link_account',
        blocks: {
          load_tickets: { personal: true },
          check_code: { bind: { memberId: 'response.body.memberId', attributes: { tier: 'response.body.tier' } } },
        },
      });
      expect(session.pageErrors).toEqual([]);
    }, 90_000);
  });
}

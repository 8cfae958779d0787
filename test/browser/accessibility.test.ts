import type { Page } from 'playwright-core';
import { AUDIT } from '../support/accessibilityAudit';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// Every page of the console, in both languages: each control has an accessible name, each text has
// WCAG AA contrast against what is behind it, and the menu works from the keyboard alone.

if (!HAVE_CHROMIUM) {
  skipBrowserTests('accessibility');
} else {
  describe('the console is accessible', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      page = session.page;
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    async function audit(where: string): Promise<void> {
      await page.waitForTimeout(300);
      const result = (await page.evaluate(AUDIT)) as { unnamed: string[]; low: string[]; controls: number };
      expect({ where, unnamed: result.unnamed, low: result.low }).toEqual({ where, unnamed: [], low: [] });
      expect(result.controls).toBeGreaterThan(0);
    }

    test('control: the audit does find an unnamed control and low-contrast text', async () => {
      await page.goto(`${session.stack.url}/console`);
      await page.evaluate(
        `document.body.append(Object.assign(document.createElement('input'), { id: 'bad' }), Object.assign(document.createElement('p'), { textContent: 'faint', style: 'color:#ccc' }))`,
      );
      const result = (await page.evaluate(AUDIT)) as { unnamed: string[]; low: string[] };
      expect(result.unnamed).toEqual([expect.stringContaining('id="bad"')]);
      // #ccc on the page's #f6f7f9: 1.50 to 1, far below 4.5.
      expect(result.low).toEqual(['P "faint" 1.50']);
    });

    test.each(['en', 'zh-TW'])(
      'every page in %s: named controls, AA contrast',
      async (lang) => {
        await page.goto(`${session.stack.url}/console`);
        await page.locator('#lang').selectOption(lang);
        await audit(`${lang} sign-in`);
        await page.locator('#admin-key').fill(session.stack.demo.adminKey);
        await page.locator('form.signin button[type=submit]').click();
        await page.locator('#flows').waitFor();
        await audit(`${lang} flows`);
        // The New flow form (the blank template shows its keywords field), closed by Escape.
        await page.locator('#new-flow').click();
        await page.locator('#new-flow-keywords').waitFor();
        await audit(`${lang} new flow`);
        await page.keyboard.press('Escape');
        await page.locator('#new-flow-form').waitFor({ state: 'detached' });
        await page.locator('#flows a').first().click();
        await page.locator('#flow-json').waitFor();
        await page.locator('#card-list button[id^=open-card-]').first().click();
        await page.locator('#card-method').waitFor();
        await audit(`${lang} editor with a card open`);
        // The other forms of the editor: a message block (with its preview), a question, a condition, an unlink, a trigger, the flow's settings.
        for (const id of [
          'open-block-welcome',
          'open-block-ask_phone',
          'open-block-registration_outcome',
          'open-block-unlink',
          'open-settings',
        ]) {
          await page.locator(`#${id}`).click();
          await page.locator('#inspector form, #inspector fieldset, #inspector section').first().waitFor();
          await page.waitForLoadState('networkidle');
          await audit(`${lang} editor, ${id}`);
        }
        await page
          .locator('#flow-outline button[aria-label^="Open trigger 1"], #flow-outline button[aria-label^="開啟觸發條件 1"]')
          .first()
          .click();
        await audit(`${lang} editor, a trigger`);
        for (const name of ['simulator', 'channels', 'connections', 'secrets', 'logs']) {
          await page.goto(`${session.stack.url}/console#/${name}`);
          await page.locator('#view-heading').waitFor();
          await page.waitForLoadState('networkidle');
          await audit(`${lang} ${name}`);
        }
        await page.locator('#sign-out').click();
      },
      90_000,
    );

    test('the menu and the simulator work from the keyboard alone', async () => {
      await session.signIn();
      // Tab from the top of the page to the menu's "Chat simulator" link, and follow it with Enter.
      await page.locator('body').focus();
      let reached = false;
      for (let i = 0; i < 15 && !reached; i += 1) {
        await page.keyboard.press('Tab');
        reached = (await page.evaluate('document.activeElement?.textContent')) === 'Chat simulator';
      }
      expect(reached).toBe(true);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Chat simulator' }).waitFor();
      // The message box takes a message; Enter sends it.
      await page.locator('#sim-text').waitFor();
      await page.locator('#sim-text').focus();
      await page.keyboard.type('hello');
      await page.keyboard.press('Enter');
      await page.locator('#sim-log .msg.mine', { hasText: 'hello' }).waitFor();
      expect(session.pageErrors).toEqual([]);
    }, 60_000);
  });
}

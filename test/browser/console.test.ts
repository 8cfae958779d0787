import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { LocalStack } from '../../local/localStack';
import { ARTIFACTS, HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, untilTrue, type ConsoleSession } from '../support/browser';

// The console in a real browser (test/support/browser.ts): sign in, the flow editor, a card's form and
// its test, saves and conflicts, zh-TW, sign out.

const BRAND_TOKEN = 'brand-bearer-token-6a5b4c3d';

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the flow editor');
} else {
  describe('the web console', () => {
    let session: ConsoleSession;
    let stack: LocalStack;
    let page: Page;
    const adminHeaders = () => session.adminHeaders();

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ stack, page } = session);
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    test('sign in, open the demo flow, see a problem at its path, save a new version, meet a stale save', async () => {
      const pageErrors = session.pageErrors;
      const secret = await fetch(`${stack.url}/admin/secrets/BRAND_TOKEN`, {
        method: 'PUT',
        headers: adminHeaders(),
        body: JSON.stringify({ value: BRAND_TOKEN, allowedHosts: ['127.0.0.1'] }),
      });
      expect(secret.status).toBe(200);
      await page.goto(`${stack.url}/console`);
      await page.getByLabel('Language').selectOption('en');

      // A wrong key is refused with the API's reason; the demo key signs in and lists the flows.
      await page.getByLabel('Workspace admin key').fill('not-a-key');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('The key was refused: unknown admin key').waitFor();
      await page.getByLabel('Workspace admin key').fill(stack.demo.adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const demoLink = page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' });
      await demoLink.waitFor();
      expect(await page.evaluate("sessionStorage.getItem('callcard.adminKey')")).toBe(stack.demo.adminKey);

      // Open it: the JSON of version 1, checked at once.
      await demoLink.click();
      const editor = page.getByLabel('Flow JSON');
      await editor.waitFor();
      // JSON pasted whole (one input event): Playwright's fill types a multi-line text line by line,
      // an input event per line, which makes each replacement of the document take seconds.
      const paste = (text: string) =>
        page.evaluate(
          `(() => { const t = document.getElementById('flow-json'); t.focus(); t.value = ${JSON.stringify(text)}; t.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' })); })()`,
        );
      await page.locator('#version', { hasText: 'Version 1' }).waitFor();
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      const flow = JSON.parse(await editor.inputValue()) as { name: string; blocks: Record<string, Record<string, unknown>> };
      expect(flow.name).toBe('Formosa Travel & Shop demo');

      // The Call an API cards as forms: the load_tickets card; its timeout changed in the form shows in the JSON,
      // and a timeout changed in the JSON shows in the form.
      await page.getByRole('button', { name: 'Open card load_tickets' }).click();
      await page.getByRole('heading', { name: 'Card load_tickets' }).waitFor();
      expect(await page.getByLabel('Method').inputValue()).toBe('GET');
      expect(await page.getByLabel('URL', { exact: true }).inputValue()).toMatch(/\/members\/\{\{ binding\.memberId \}\}\/tickets$/);
      expect(await page.getByLabel('On success').inputValue()).toBe('show_tickets');
      expect(await page.getByLabel('On failure', { exact: true }).inputValue()).toBe('tickets_failed');
      await page.getByLabel('Timeout (ms)').fill('5000');
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      const edited = JSON.parse(await editor.inputValue()) as typeof flow;
      expect(edited.blocks.load_tickets).toMatchObject({ timeoutMs: 5000, onSuccess: 'show_tickets' });
      expect(edited.blocks.check_code).toEqual(flow.blocks.check_code);
      // A header whose value is a secret, picked by name; then the JSON edited by hand refreshes the form.
      await page.getByRole('button', { name: 'Add a header' }).click();
      await page.getByLabel('Header 1 name').fill('Authorization');
      await page.getByLabel('Secret or value for header 1', { exact: true }).selectOption('secrets.BRAND_TOKEN');
      // Chosen into an empty value, the secret fills it: Insert then adds nothing more.
      await expect(page.getByLabel('Header 1 value').inputValue()).resolves.toBe('{{ secrets.BRAND_TOKEN }}');
      await page.getByRole('button', { name: 'Insert: Secret or value for header 1' }).click();
      await untilTrue(page, `document.getElementById('flow-json').value.includes('"Authorization": "{{ secrets.BRAND_TOKEN }}"')`);
      await expect(page.getByLabel('Header 1 value').inputValue()).resolves.toBe('{{ secrets.BRAND_TOKEN }}');
      // Choosing again (arrow keys through the list) replaces only what a choice put there, also once the
      // form was drawn again (here by a hand edit of the JSON); a value typed is kept, and Insert adds
      // the choice at its caret.
      await editor.fill(`${await editor.inputValue()} `);
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      const picker1 = page.getByLabel('Secret or value for header 1', { exact: true });
      const second = await picker1.locator('option').nth(2).getAttribute('value');
      await picker1.selectOption(second ?? '');
      await expect(page.getByLabel('Header 1 value').inputValue()).resolves.toBe(`{{ ${second} }}`);
      await page.getByLabel('Header 1 value').fill('Bearer ');
      await untilTrue(page, `document.getElementById('flow-json').value.includes('"Authorization": "Bearer "')`);
      await picker1.selectOption('secrets.BRAND_TOKEN');
      await expect(page.getByLabel('Header 1 value').inputValue()).resolves.toBe('Bearer ');
      // The form drawn again (a hand edit of the JSON; a validation's answer does the same) between the
      // choice and Insert: the choice waits there still.
      await editor.fill(`${await editor.inputValue()} `);
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      await expect(page.getByLabel('Secret or value for header 1', { exact: true }).inputValue()).resolves.toBe('secrets.BRAND_TOKEN');
      await page.getByRole('button', { name: 'Insert: Secret or value for header 1' }).click();
      await expect(page.getByLabel('Header 1 value').inputValue()).resolves.toBe('Bearer {{ secrets.BRAND_TOKEN }}');
      await page.getByLabel('Header 1 value').fill('{{ secrets.BRAND_TOKEN }}');
      await untilTrue(page, `document.getElementById('flow-json').value.includes('"Authorization": "{{ secrets.BRAND_TOKEN }}"')`);
      expect(await page.content()).not.toContain(BRAND_TOKEN);
      await paste(await editor.inputValue().then((text) => text.replace('"timeoutMs": 5000', '"timeoutMs": 7000')));
      // The form follows the text at the next frame.
      await untilTrue(page, `document.getElementById('card-timeout')?.value === '7000'`);
      expect(await page.getByLabel('Timeout (ms)').inputValue()).toBe('7000');
      await page.getByRole('button', { name: 'Remove header 1' }).click();
      expect(JSON.parse(await editor.inputValue())).toMatchObject({
        blocks: { load_tickets: { timeoutMs: 7000, request: { headers: {} } } },
      });
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-card-editor.png'), fullPage: true });

      // Test the card for verified member M001 (a personal card): the request, the outcome, the response
      // as a tree, and the follow-up as chat bubbles: three ticket cards in the LINE preview (the used
      // fourth is never offered).
      expect(await page.getByLabel('Member field 1 name').inputValue()).toBe('memberId');
      await page.getByLabel('Member field 1 value').fill('M001');
      await page.getByRole('button', { name: 'Test', exact: true }).click();
      await page.locator('#test-outcome', { hasText: 'Success after 1 attempt(s).' }).waitFor();
      expect(await page.locator('#test-request').textContent()).toMatch(/^GET http:\/\/.+\/members\/M001\/tickets/);
      await page.locator('#test-response code', { hasText: 'tickets' }).waitFor();
      const lineCards = page.locator('#line-preview .msg-card');
      expect(await lineCards.count()).toBe(3);
      expect(await lineCards.first().textContent()).toContain('Taipei 101 Observatory');
      expect(await lineCards.first().locator('.msg-button').textContent()).toBe('Use this ticket');
      expect(await page.locator('#messenger-preview .msg-card').count()).toBe(3);
      await page.locator('#card-test').screenshot({ path: path.join(ARTIFACTS, 'console-card-test.png') });

      // A misspelt key: the API's problem, at its path in the document.
      const { otherwise, ...outcome } = flow.blocks.registration_outcome ?? {};
      await paste(
        JSON.stringify({ ...flow, blocks: { ...flow.blocks, registration_outcome: { ...outcome, otherwize: otherwise } } }, null, 2),
      );
      const problem = page.locator('#problem-list li', { hasText: 'blocks.registration_outcome.otherwize' });
      await problem.waitFor();
      expect(await problem.textContent()).toMatch(/unknown key "otherwize"/);
      expect(await editor.getAttribute('aria-invalid')).toBe('true');
      // Not JSON at all: said at once, without asking the API.
      await paste('{ "name": ');
      await page.locator('#problem-list li', { hasText: 'not valid JSON' }).waitFor();

      // A valid change saves version 2.
      await paste(JSON.stringify({ ...flow, name: 'Formosa demo (edited in the console)' }, null, 2));
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved version 2.').waitFor();
      await page.locator('#version', { hasText: 'Version 2' }).waitFor();
      const saved = (await (await fetch(`${stack.url}/admin/flows/demo`, { headers: adminHeaders() })).json()) as {
        version: number;
        flow: { name: string };
      };
      expect(saved).toMatchObject({ version: 2, flow: { name: 'Formosa demo (edited in the console)' } });
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-saved.png'), fullPage: true });

      // A colleague saves version 3; this editor, still on version 2, is told plainly and reloads.
      const colleague = await fetch(`${stack.url}/admin/flows/demo`, {
        method: 'PUT',
        headers: adminHeaders(),
        body: JSON.stringify({ baseVersion: 2, flow: { ...flow, name: "A colleague's name" } }),
      });
      expect(colleague.status).toBe(200);
      await paste(JSON.stringify({ ...flow, name: 'My later edit' }, null, 2));
      await page.keyboard.press('Control+s');
      await page.getByText('Version 3 of this flow was saved after you opened version 2').waitFor();
      await page.getByRole('button', { name: 'Reload version 3' }).click();
      await page.locator('#version', { hasText: 'Version 3' }).waitFor();
      expect(JSON.parse(await editor.inputValue())).toMatchObject({ name: "A colleague's name" });

      // The same in Traditional Chinese, then sign out: the key is forgotten.
      await page.getByLabel('Language').selectOption('zh-TW');
      await page.locator('#version', { hasText: '版本 3' }).waitFor();
      await page.getByRole('button', { name: '儲存' }).waitFor();
      await page.getByRole('heading', { name: '卡片 load_tickets' }).waitFor();
      expect(await page.getByLabel('逾時（毫秒）').inputValue()).toBe('10000');
      await page.getByRole('button', { name: '測試', exact: true }).waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-zh-TW.png'), fullPage: true });
      await page.getByRole('button', { name: '登出' }).click();
      await page.getByLabel('工作區管理金鑰').waitFor();
      expect(await page.evaluate("sessionStorage.getItem('callcard.adminKey')")).toBeNull();
      expect(pageErrors).toEqual([]);
    }, 60_000);
  });
}

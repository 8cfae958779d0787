import type { Locator, Page } from 'playwright-core';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// Issue 18, "Test the card" and the pickers it feeds: only a successful test's response feeds the
// form's pickers, remembered (as its shape) across a reload; the sample rows have visible column
// labels and "Add" never leaves a blank row above another; the outcome's reason and the last-used
// field's label follow the language.

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the card test panel');
} else {
  describe('the card test panel', () => {
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
    /** Every value the card form's pickers offer. */
    const offered = () =>
      page.locator('#card-form select option').evaluateAll((options) => options.map((option) => option.getAttribute('value') ?? ''));
    /** The values of the inputs `locator` finds, in order. */
    const values = async (locator: Locator) => Promise.all((await locator.all()).map((input) => input.inputValue()));
    const focused = async () => (await page.evaluate('document.activeElement?.id')) as string | undefined;
    const openCard = async (id: string) => {
      await page.getByRole('button', { name: `Open card ${id}` }).click();
      await page.getByRole('heading', { name: `Card ${id}` }).waitFor();
    };
    const openDemo = async () => {
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).click();
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
    };
    const runTest = async (outcome: RegExp) => {
      await page.getByRole('button', { name: 'Test', exact: true }).click();
      await page.locator('#test-outcome', { hasText: outcome }).waitFor();
    };

    test('a failed test leaves the pickers to the last success, which a reload remembers (its shape only)', async () => {
      await session.signIn();
      await openDemo();
      await openCard('load_tickets');
      expect(await offered()).not.toContain('response.body.tickets[0].title');

      // A personal card: tested for a sample verified member.
      await field('Member field 1 value').fill('M001');
      await runTest(/^Success after 1 attempt\(s\)\.$/);
      expect(await offered()).toEqual(expect.arrayContaining(['response.body.tickets', 'response.body.tickets[0].title', 'ticket.title']));

      // A member the brand does not know: a 404 whose body is {"error": …}. The pickers keep the tickets.
      await field('Member field 1 value').fill('NOBODY');
      await runTest(/^Failed after 1 attempt\(s\)/);
      expect(await page.locator('#test-response').textContent()).toContain('error');
      expect(await offered()).toEqual(expect.arrayContaining(['response.body.tickets', 'response.body.tickets[0].title', 'ticket.title']));
      expect(await offered()).not.toContain('response.body.error');

      // Reloaded: the same pickers before any test, from what this browser remembered: keys, no values.
      await page.reload();
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      await openCard('load_tickets');
      expect(await offered()).toEqual(expect.arrayContaining(['response.body.tickets', 'response.body.tickets[0].title', 'ticket.title']));
      const stored = (await page.evaluate("localStorage.getItem('callcard.testResponses') ?? ''")) as string;
      expect(JSON.parse(stored)).toEqual([
        {
          flow: 'demo',
          card: 'load_tickets',
          shape: expect.objectContaining({ tickets: expect.arrayContaining([expect.objectContaining({ title: '' })]) }),
        },
      ]);
      expect(stored).toContain('"title"');
      expect(stored).not.toContain('Taipei 101');
      expect(stored).not.toContain('M001');
      // Another card of the flow has none.
      await openCard('check_code');
      expect(await offered()).not.toContain('response.body.tickets[0].title');
      expect(session.pageErrors).toEqual([]);
    }, 90_000);

    test('sample rows have visible labels; "Add" goes to a blank row instead of adding one above another', async () => {
      await openCard('load_tickets');
      // A personal card: its sample verified member (memberId) beside the attributes and parameters.
      const member = page.locator('#card-test fieldset', { hasText: 'Sample verified member (binding)' });
      const head = member.locator('.rows-head');
      expect(await head.isVisible()).toBe(true);
      expect(await head.locator('span').allTextContents()).toEqual(['Name', 'Value']);
      const names = () => values(member.locator('input[id^="binding-name-"]'));
      expect(await names()).toEqual(['memberId']);

      // Added, then added again: one blank row, focused both times.
      await page.getByRole('button', { name: 'Add a member field' }).click();
      await page.getByRole('button', { name: 'Add a member field' }).click();
      expect(await names()).toEqual(['memberId', '']);
      expect(await focused()).toBe('binding-name-1');

      // The card now reads binding.attributes.lang: it goes into that blank row, not below it.
      const url = field('URL');
      await url.fill(`${await url.inputValue()}?lang={{ binding.attributes.lang }}`);
      await openCard('check_code');
      await openCard('load_tickets');
      expect(await names()).toEqual(['memberId', 'lang']);

      // Headers (and every name/value list of the form): a second "Add" while a header has no name
      // goes to it, rather than a made-up name below a blank row.
      await page.getByRole('button', { name: 'Add a header' }).click();
      await page.getByRole('button', { name: 'Add a header' }).click();
      expect(await values(page.locator('input[id^="header-name-"]'))).toEqual(['']);
      expect(await focused()).toBe('header-name-0');
      await page.getByRole('button', { name: 'Remove header 1' }).click();
      await url.fill((await url.inputValue()).replace('?lang={{ binding.attributes.lang }}', ''));
      expect(session.pageErrors).toEqual([]);
    }, 60_000);

    test('in zh-TW the outcome is worded in Chinese; back in English, the last-used field is named in English', async () => {
      await openCard('load_tickets');
      await page.locator('#lang').selectOption('zh-TW');
      await page.getByRole('heading', { name: '卡片 load_tickets' }).waitFor();
      await page.getByLabel('會員欄位 1 值', { exact: true }).fill('NOBODY');
      await page.getByRole('button', { name: '測試', exact: true }).click();
      const outcome = page.locator('#test-outcome', { hasText: /^失敗/ });
      await outcome.waitFor();
      expect(await outcome.textContent()).toBe('失敗（嘗試 1 次）：品牌 API 回應 HTTP 404 (http_404)');

      // The success condition used last, in Chinese; then English again.
      await page.getByLabel('成功條件', { exact: true }).click();
      expect(await page.locator('#pick-field-label').textContent()).toBe('成功條件');
      await page.locator('#lang').selectOption('en');
      await page.getByRole('heading', { name: 'Card load_tickets' }).waitFor();
      expect(await page.locator('#pick-field-label').textContent()).toBe('Success condition');
      expect(await page.locator('#test-outcome').textContent()).toBe('Failed after 1 attempt(s): the brand answered HTTP 404 (http_404)');
      const chinese = (await page.locator('main, body').first().innerText())
        .split('\n')
        .filter((line) => /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/.test(line));
      // Only the flow's own content (its keywords) and the language's own name stay in Chinese.
      expect(chinese.filter((line) => !/熱銷|報名|解除綁定|繁體中文/.test(line))).toEqual([]);
      expect(session.pageErrors).toEqual([]);
    }, 60_000);
  });
}

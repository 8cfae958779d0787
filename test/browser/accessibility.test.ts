import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// Every page of the console, in both languages: each control has an accessible name, each text has
// WCAG AA contrast against what is behind it, and the menu works from the keyboard alone.

/** Run in the page: the controls without a name, and the texts below AA contrast. */
const AUDIT = `(() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const nameOf = (el) => {
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
    if (el.labels && el.labels.length) return Array.from(el.labels).map((l) => l.textContent).join(' ').trim();
    if (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName) || el.getAttribute('role') === 'button') return (el.textContent ?? '').trim();
    return (el.getAttribute('title') ?? '').trim();
  };
  const unnamed = Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href], [role=button], [tabindex="0"]'))
    .filter((el) => visible(el) && el.id !== 'view-heading' && el.getAttribute('role') !== 'log' && !nameOf(el))
    .map((el) => el.outerHTML.slice(0, 120));
  const rgba = (text) => { const m = text.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0]; const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) { const c = rgba(getComputedStyle(node).backgroundColor); if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let out = [255, 255, 255];
    for (const c of layers.reverse()) out = out.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
    return out;
  };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el) || el.closest('svg') || !Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(el);
    const fg = rgba(s.color);
    const bg = background(el);
    const color = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));
    const [a, b] = [lum(color), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const disabled = el.closest('button:disabled, [aria-disabled=true]');
    if (!disabled && ratio < (large ? 3 : 4.5)) low.push(el.tagName + ' "' + el.textContent.trim().slice(0, 40) + '" ' + ratio.toFixed(2));
  }
  return { unnamed, low, controls: document.querySelectorAll('input, select, textarea, button').length };
})()`;

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
      await page.evaluate(`document.body.append(Object.assign(document.createElement('input'), { id: 'bad' }), Object.assign(document.createElement('p'), { textContent: 'faint', style: 'color:#ccc' }))`);
      const result = (await page.evaluate(AUDIT)) as { unnamed: string[]; low: string[] };
      expect(result.unnamed).toEqual([expect.stringContaining('id="bad"')]);
      // #ccc on the page's #f6f7f9: 1.50 to 1, far below 4.5.
      expect(result.low).toEqual(['P "faint" 1.50']);
    });

    test.each(['en', 'zh-TW'])('every page in %s: named controls, AA contrast', async (lang) => {
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
      for (const id of ['open-block-welcome', 'open-block-ask_phone', 'open-block-registration_outcome', 'open-block-unlink', 'open-settings']) {
        await page.locator(`#${id}`).click();
        await page.locator('#inspector form, #inspector fieldset, #inspector section').first().waitFor();
        await page.waitForLoadState('networkidle');
        await audit(`${lang} editor, ${id}`);
      }
      await page.locator('#flow-outline button[aria-label^="Open trigger 1"], #flow-outline button[aria-label^="開啟觸發條件 1"]').first().click();
      await audit(`${lang} editor, a trigger`);
      for (const name of ['simulator', 'channels', 'connections', 'secrets', 'logs']) {
        await page.goto(`${session.stack.url}/console#/${name}`);
        await page.locator('#view-heading').waitFor();
        await page.waitForLoadState('networkidle');
        await audit(`${lang} ${name}`);
      }
      await page.locator('#sign-out').click();
    }, 90_000);

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

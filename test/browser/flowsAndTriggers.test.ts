import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import type { Locator, Page } from 'playwright-core';
import { BUILT_IN_TEXTS } from '../../shared/flow/texts';
import { flowFromTemplate } from '../../shared/flow/templates';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, untilTrue, type ConsoleSession } from '../support/browser';

// The flow list in the real console (rename, duplicate, delete, refused while published, a new flow
// from a template opened in the editor and saved), then the trigger forms and the flow's settings
// mounted alone in a page built from test/browser/harness/triggerForms.entry.js with an editor
// context that does what the editor does: every trigger type created, edited, moved and removed
// through the forms, and the JSON equal to what an admin writes by hand (no defaults).

type Json = Record<string, unknown>;

const ROOT = path.join(__dirname, '..', '..');

/** The harness page: the console's styles and the entry bundled with the console modules it mounts. */
function harnessFiles(): { html: string; js: string; css: string } {
  const built = buildSync({
    entryPoints: [path.join(__dirname, 'harness', 'triggerForms.entry.js')],
    bundle: true,
    format: 'esm',
    write: false,
    target: 'chrome109',
    logLevel: 'warning',
  });
  const js = built.outputFiles[0]?.text ?? '';
  const css = readFileSync(path.join(ROOT, 'console', 'console.css'), 'utf8');
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>trigger forms</title><link rel="stylesheet" href="/trigger-harness/console.css"><script type="module" src="/trigger-harness/forms.js"></script></head><body><main class="wide"><div id="list" class="card"></div><div id="form" class="card"></div></main></body></html>';
  return { html, js, css };
}

if (!HAVE_CHROMIUM) {
  skipBrowserTests('flows, triggers and flow settings');
} else {
  describe('the console: flows, triggers, flow settings', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
      page.setDefaultTimeout(8_000);
      const files = harnessFiles();
      await page.route(`${session.stack.url}/trigger-harness/**`, (route) => {
        const url = new URL(route.request().url());
        const [body, type] = url.pathname.endsWith('.js')
          ? [files.js, 'text/javascript']
          : url.pathname.endsWith('.css')
            ? [files.css, 'text/css']
            : [files.html, 'text/html'];
        return route.fulfill({ status: 200, contentType: `${type}; charset=utf-8`, body });
      });
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    afterEach(() => {
      expect(session.pageErrors).toEqual([]);
    });

    const api = async (method: string, route: string, body?: unknown): Promise<{ status: number; body: Json }> => {
      const response = await fetch(`${session.stack.url}${route}`, {
        method,
        headers: session.adminHeaders(),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const field = (label: string): Locator => page.getByLabel(label, { exact: true });
    const button = (name: string): Locator => page.getByRole('button', { name, exact: true });
    const status = () => page.locator('#flow-list-status');

    describe('the flow list', () => {
      test('rename, duplicate, delete; a published flow is not deleted, and says where it runs', async () => {
        await session.signIn();
        const before = await api('GET', '/admin/flows/demo');

        // Rename: a new version with only the name changed.
        await button('Rename flow Formosa Travel & Shop demo').click();
        await expect(field('New name of Formosa Travel & Shop demo').inputValue()).resolves.toBe('Formosa Travel & Shop demo');
        await field('New name of Formosa Travel & Shop demo').fill('Formosa demo bot');
        await field('New name of Formosa Travel & Shop demo').press('Enter');
        await page.getByRole('link', { name: 'Open flow Formosa demo bot' }).waitFor();
        await expect(status().textContent()).resolves.toBe('Renamed to "Formosa demo bot" (version 2).');
        const renamed = await api('GET', '/admin/flows/demo');
        expect(renamed.body).toMatchObject({ version: 2, flow: { ...(before.body.flow as Json), name: 'Formosa demo bot' } });
        expect(Object.keys(renamed.body.flow as Json)).toEqual(Object.keys(before.body.flow as Json));

        // Duplicate: a new flow with a new id and name, the same document otherwise.
        await button('Duplicate flow Formosa demo bot').click();
        await expect(field('Name of the copy').inputValue()).resolves.toBe('Formosa demo bot (copy)');
        await expect(field('Flow id of the copy').inputValue()).resolves.toBe('demo-copy');
        // A taken id is refused before anything is sent.
        await field('Flow id of the copy').fill('demo');
        await button('Duplicate').click();
        await expect(status().textContent()).resolves.toBe('There is already a flow demo.');
        await expect(page.evaluate('document.activeElement.id')).resolves.toBe('copy-id');
        await field('Flow id of the copy').fill('demo-2');
        await field('Name of the copy').fill('Demo two');
        await button('Duplicate').click();
        await page.getByRole('link', { name: 'Open flow Demo two' }).waitFor();
        await expect(status().textContent()).resolves.toContain('Duplicated as "Demo two" (demo-2)');
        expect((await api('GET', '/admin/flows/demo-2')).body).toMatchObject({
          version: 1,
          flow: { ...(renamed.body.flow as Json), name: 'Demo two' },
        });

        // Delete the copy: confirmed in a dialog (cancel first: nothing happens).
        await button('Delete flow Demo two').click();
        const dialog = page.getByRole('dialog', { name: 'Delete Demo two?' });
        await dialog.waitFor();
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        await dialog.waitFor({ state: 'detached' });
        await expect(page.evaluate('document.activeElement.id')).resolves.toBe('delete-demo-2');
        expect((await api('GET', '/admin/flows/demo-2')).status).toBe(200);
        await button('Delete flow Demo two').click();
        await dialog.getByRole('button', { name: 'Delete the flow' }).click();
        await page.getByRole('link', { name: 'Open flow Demo two' }).waitFor({ state: 'detached' });
        await expect(status().textContent()).resolves.toBe('Deleted "Demo two".');
        expect((await api('GET', '/admin/flows/demo-2')).status).toBe(404);

        // The published demo: refused, saying on which channels it runs.
        await button('Delete flow Formosa demo bot').click();
        await page.getByRole('dialog', { name: 'Delete Formosa demo bot?' }).getByRole('button', { name: 'Delete the flow' }).click();
        await expect(page.getByRole('alert').textContent()).resolves.toBe(
          'Published on LINE demo-line, Messenger demo-messenger: unpublish it there first.',
        );
        expect((await api('GET', '/admin/flows/demo')).status).toBe(200);
        await session.screenshot('flow-list-actions');
      }, 60_000);

      test('New flow: a template with the brand API base URL opens in the editor unsaved; Save creates it', async () => {
        // Still signed in (the key is kept in the tab's session).
        await page.goto(`${session.stack.url}/console`);
        await page.getByRole('link', { name: 'Open flow Formosa demo bot' }).waitFor();
        await button('New flow').click();
        await expect(page.evaluate('document.activeElement.id')).resolves.toBe('new-flow-name');
        await field('Name').fill('Order status (TW)');
        // The id follows the name until it is typed.
        await expect(field('Flow id').inputValue()).resolves.toBe('order-status-tw');
        await page.getByRole('radio', { name: 'Order status' }).check();
        // The base URL is the demo brand's, from the demo flow's cards.
        const base = field("Your brand API's base URL");
        await untilTrue(page, `document.getElementById('new-flow-base-url')?.value === ${JSON.stringify(session.stack.brandApi.url)}`);
        await page.getByText('Taken from flow demo.').waitFor();
        // A taken id and a bad URL are said at their fields.
        await field('Flow id').fill('demo');
        await base.fill('ftp://nope');
        await button('Open in the editor').click();
        await page.getByText('There is already a flow demo.').waitFor();
        await page.getByText('The base URL is an address starting with https://').waitFor();
        await expect(page.evaluate('document.activeElement.id')).resolves.toBe('new-flow-id');
        await field('Flow id').fill('orders');
        await base.fill(`${session.stack.brandApi.url}/`);
        await button('Open in the editor').click();

        // The editor: the template's JSON, not saved yet.
        await page.waitForURL(/#\/flows\/orders$/);
        const json = page.getByLabel('Flow JSON', { exact: true });
        await untilTrue(page, `document.getElementById('flow-json')?.value.includes('"ask_order"')`);
        expect(JSON.parse(await json.inputValue())).toEqual(
          flowFromTemplate('orderStatus', 'Order status (TW)', session.stack.brandApi.url),
        );
        expect((await api('GET', '/admin/flows/orders')).status).toBe(404);
        await button('Save').click();
        await page.getByText('Saved version 1.').waitFor();
        const saved = await api('GET', '/admin/flows/orders');
        expect(saved.body).toMatchObject({
          version: 1,
          flow: flowFromTemplate('orderStatus', 'Order status (TW)', session.stack.brandApi.url),
        });
        // The demo workspace holds the orders key the template sends: no warning about a missing secret.
        const template = flowFromTemplate('orderStatus', 'Orders', session.stack.brandApi.url);
        expect((await api('POST', '/admin/flows/validate', { flow: template })).body).toEqual({ ok: true });
        expect(
          (
            await api('POST', '/admin/flows/validate', {
              flow: {
                ...template,
                blocks: {
                  ...template.blocks,
                  load_order: {
                    ...template.blocks.load_order,
                    request: { url: 'https://api.example.com/x', headers: { 'x-api-key': '{{ secrets.NOT_SET }}' } },
                  },
                },
              },
            })
          ).body,
        ).toMatchObject({
          ok: true,
          warnings: [expect.objectContaining({ path: expect.stringContaining('load_order') })],
        });

        // Blank: no triggers or blocks yet.
        await page.getByRole('link', { name: 'Back to flows' }).click();
        await button('New flow').click();
        await field('Name').fill('訂單查詢');
        await expect(field('Flow id').inputValue()).resolves.toBe('flow');
        await expect(page.getByRole('radio', { name: 'Blank' }).isChecked()).resolves.toBe(true);
        await expect(field("Your brand API's base URL").count()).resolves.toBe(0);
        await button('Open in the editor').click();
        await page.waitForURL(/#\/flows\/flow$/);
        await untilTrue(page, `document.getElementById('flow-json')?.value.includes('訂單查詢')`);
        expect(JSON.parse(await page.getByLabel('Flow JSON', { exact: true }).inputValue())).toEqual({
          schemaVersion: 1,
          name: '訂單查詢',
          triggers: [],
          blocks: {},
        });
        page.once('dialog', (d) => void d.accept());
        await page.getByRole('link', { name: 'Back to flows' }).click();
        await page.getByRole('link', { name: 'Open flow Order status (TW)' }).waitFor();
        expect((await api('GET', '/admin/flows/flow')).status).toBe(404);
      }, 60_000);

      test('an empty workspace says so, with New flow at hand', async () => {
        for (const channel of [
          { kind: 'line', channelId: 'demo-line' },
          { kind: 'messenger', channelId: 'demo-messenger' },
        ]) {
          expect((await api('POST', '/admin/flows/demo/unpublish', { channels: [channel] })).status).toBe(200);
        }
        const flows = (await api('GET', '/admin/flows')).body.flows as Array<{ flowId: string }>;
        for (const { flowId } of flows) expect((await api('DELETE', `/admin/flows/${flowId}`)).status).toBe(200);
        await page.goto(`${session.stack.url}/console`);
        await page.getByText('No flows yet: start one from a template or from scratch.').waitFor();
        await button('New flow').click();
        await field('Name').fill('First');
        await page.getByRole('radio', { name: 'Best sellers' }).check();
        await expect(field("Your brand API's base URL").inputValue()).resolves.toBe('https://api.example.com');
        await button('Open in the editor').click();
        await untilTrue(page, `document.getElementById('flow-json')?.value.includes('best_sellers')`);
        expect(JSON.parse(await page.getByLabel('Flow JSON', { exact: true }).inputValue())).toEqual(
          flowFromTemplate('bestSellers', 'First', 'https://api.example.com'),
        );
        await session.screenshot('flow-new-from-template');
      }, 60_000);
    });

    describe('the trigger forms and the flow settings (harness)', () => {
      const mount = async (flow: Json, selection?: Json) => {
        await page.goto(`${session.stack.url}/trigger-harness/index.html`);
        await page.locator('body[data-ready="true"]').waitFor();
        await page.evaluate(
          `harness.mount(${JSON.stringify({ key: session.stack.demo.adminKey, flow, ...(selection ? { selection } : {}) })})`,
        );
      };
      const flow = async () => (await page.evaluate('harness.flow()')) as Json;
      const triggers = async () => (await flow()).triggers;
      const validated = async () => {
        const before = (await page.evaluate('harness.validations()')) as number;
        await untilTrue(page, `harness.validations() > ${before}`);
      };
      const base = (): Json => ({
        schemaVersion: 1,
        name: 'Triggers',
        triggers: [],
        blocks: {
          hello: { type: 'message', messages: [{ type: 'text', text: 'Hello!' }] },
          help: { type: 'message', messages: [{ type: 'text', text: 'Try "hot".' }] },
        },
      });

      test('each trigger type added, edited, moved and removed; the JSON as written by hand', async () => {
        await mount(base());
        await page.getByText('No triggers yet').waitFor();

        // Keyword: only its type at first, what it lacks shown in place once validated.
        await button('Add a keyword trigger').click();
        await page.getByRole('heading', { name: 'Trigger 1: Keyword' }).waitFor();
        expect(await triggers()).toEqual([{ type: 'keyword' }]);
        await validated();
        await page.getByRole('group', { name: 'Problems here' }).waitFor();
        await field('New keyword').fill('hot');
        await field('New keyword').press('Enter');
        await field('New keyword').fill('熱銷');
        await button('Add the keyword').click();
        await field('New keyword').fill('typo');
        await field('New keyword').press('Enter');
        await button('Remove keyword 3').click();
        await field('Starts at').selectOption('hello');
        expect(await triggers()).toEqual([{ type: 'keyword', keywords: ['hot', '熱銷'], start: 'hello' }]);
        await field('Keyword 1').fill('HOT deals');
        // Contains is written; back to exact, nothing is.
        await page.getByRole('radio', { name: 'The message contains the keyword' }).check();
        expect((await triggers()) as Json[]).toEqual([
          { type: 'keyword', keywords: ['HOT deals', '熱銷'], start: 'hello', match: 'contains' },
        ]);
        await page.getByRole('radio', { name: 'The whole message is the keyword' }).check();
        // Chats: its own when ticked, none written when all are unticked.
        await field('One-to-one chats').check();
        await field('LINE groups').check();
        expect(await triggers()).toEqual([{ type: 'keyword', keywords: ['HOT deals', '熱銷'], start: 'hello', chats: ['user', 'group'] }]);
        await field('One-to-one chats').uncheck();
        await field('LINE groups').uncheck();
        expect(await triggers()).toEqual([{ type: 'keyword', keywords: ['HOT deals', '熱銷'], start: 'hello' }]);
        await validated();
        await expect(page.getByRole('group', { name: 'Problems here' }).count()).resolves.toBe(0);

        // Postback: the action typed as in the data; its start a new block, created and linked.
        await button('Add a postback trigger').click();
        await page.getByRole('heading', { name: 'Trigger 2: Postback' }).waitFor();
        await field('Action').fill('action=my_tickets');
        await field('Starts at').selectOption('new:message');
        await page.locator('#selected-block', { hasText: 'block my_tickets' }).waitFor();
        expect(await page.evaluate('harness.created()')).toEqual([
          { type: 'message', from: { owner: { kind: 'trigger', index: 1 }, outlet: ['start'] }, hint: 'my_tickets', id: 'my_tickets' },
        ]);

        // Follow: LINE only, no chats.
        await button('Add a follow trigger').click();
        await page.getByRole('heading', { name: 'Trigger 3: Follow' }).waitFor();
        await expect(page.getByRole('group', { name: 'Chats it answers in' }).count()).resolves.toBe(0);
        await field('Starts at').selectOption('hello');

        // Fallback, answering in rooms too.
        await button('Add a fallback trigger').click();
        await page.getByRole('heading', { name: 'Trigger 4: Fallback' }).waitFor();
        await field('Starts at').selectOption('help');
        await field('One-to-one chats').check();
        await field('LINE multi-person chats (rooms)').check();

        // Move the fallback to the top, remove the follow, open the postback from the list.
        await button('Move trigger 4 up').click();
        await expect(page.evaluate('document.activeElement.id')).resolves.toBe('trigger-2-up');
        await button('Move trigger 3 up').click();
        await button('Move trigger 2 up').click();
        await button('Remove trigger 4').click();
        await page.locator('#open-trigger-2').click();
        await page.getByRole('heading', { name: 'Trigger 3: Postback' }).waitFor();
        await expect(field('Action').inputValue()).resolves.toBe('my_tickets');

        expect(await triggers()).toEqual([
          { type: 'fallback', start: 'help', chats: ['user', 'room'] },
          { type: 'keyword', keywords: ['HOT deals', '熱銷'], start: 'hello' },
          { type: 'postback', action: 'my_tickets', start: 'my_tickets' },
        ]);
        await expect(page.locator('#open-trigger-1').textContent()).resolves.toBe('Keyword: HOT deals, 熱銷 → hello');
        await validated();
        // The new block is a bare message block (its messages are still to write); the triggers have no problem.
        expect(
          ((await page.evaluate('harness.problems()')) as Array<{ path: string }>).filter((p) => p.path.startsWith('flow.triggers')),
        ).toEqual([]);
        await session.screenshot('trigger-forms');
      }, 60_000);

      test('keywords typed but not added are kept when the trigger is used further; a question it starts is ask_<keyword>', async () => {
        await mount({ ...base(), triggers: [{ type: 'keyword' }] }, { kind: 'trigger', index: 0 });
        await page.getByRole('heading', { name: 'Trigger 1: Keyword' }).waitFor();
        // No Enter, no Add: choosing where it starts takes them first (and names the new block after them).
        await field('New keyword').fill('order, 訂單');
        await field('Starts at').selectOption('new:question');
        await page.locator('#selected-block', { hasText: 'block ask_order' }).waitFor();
        expect(await page.evaluate('harness.created()')).toEqual([
          { type: 'question', from: { owner: { kind: 'trigger', index: 0 }, outlet: ['start'] }, hint: 'ask_order', id: 'ask_order' },
        ]);
        expect(await triggers()).toEqual([{ type: 'keyword', keywords: ['order', '訂單'], start: 'ask_order' }]);
        // The same with how it matches: the keyword typed is added, drawn as a row, and focus stays on the choice.
        await page.locator('#open-trigger-0').click();
        await field('New keyword').fill('status');
        await page.getByRole('radio', { name: 'The message contains the keyword' }).check();
        expect(await triggers()).toEqual([
          { type: 'keyword', keywords: ['order', '訂單', 'status'], start: 'ask_order', match: 'contains' },
        ]);
        await expect(field('Keyword 3').inputValue()).resolves.toBe('status');
        await expect(field('New keyword').inputValue()).resolves.toBe('');
        await expect(page.evaluate('document.activeElement.id')).resolves.toBe('trigger-match-contains');
      }, 30_000);

      test('a trigger as written elsewhere keeps what the form does not change (match exact, unknown keys)', async () => {
        await mount(
          { ...base(), triggers: [{ type: 'keyword', match: 'exact', keywords: ['hi'], start: 'hello', note: 'kept' }] },
          { kind: 'trigger', index: 0 },
        );
        await page.getByRole('heading', { name: 'Trigger 1: Keyword' }).waitFor();
        await expect(page.getByRole('radio', { name: 'The whole message is the keyword' }).isChecked()).resolves.toBe(true);
        await field('Keyword 1').fill('hello');
        expect(await triggers()).toEqual([{ type: 'keyword', match: 'exact', keywords: ['hello'], start: 'hello', note: 'kept' }]);
        await validated();
        // The unknown key is a problem at its path, shown in the form.
        await page.getByRole('group', { name: 'Problems here' }).getByText('triggers.0').first().waitFor();
        // Emptied and left, a keyword goes; the last one gone, so does the list.
        await field('Keyword 1').fill('');
        await field('Keyword 1').blur();
        expect(await triggers()).toEqual([{ type: 'keyword', match: 'exact', start: 'hello', note: 'kept' }]);
      }, 30_000);

      test('flow settings: name, chats, texts over the workspace language, and the language itself', async () => {
        await mount({ ...base(), triggers: [{ type: 'keyword', keywords: ['hi'], start: 'hello' }] }, { kind: 'settings' });
        await page.getByRole('heading', { name: 'Flow settings' }).waitFor();
        // The demo workspace speaks English: its texts are the placeholders.
        await page.locator('#workspace-language:not([disabled])').waitFor();
        await expect(field('Workspace language').inputValue()).resolves.toBe('en');
        await expect(field('When a card fails').getAttribute('placeholder')).resolves.toBe(BUILT_IN_TEXTS.en.failure);
        await expect(field('One-to-one only').getAttribute('placeholder')).resolves.toBe(BUILT_IN_TEXTS.en.oneToOneOnly);

        await field('Flow name').fill('Renamed bot');
        await field('LINE groups').check();
        await field('When a card fails').fill('Our shop system is resting, back soon!');
        expect(await flow()).toMatchObject({
          name: 'Renamed bot',
          chats: ['group'],
          texts: { failure: 'Our shop system is resting, back soon!' },
        });
        await field('Re-asking a question').fill('Hmm? {{ prompt }}');
        await field('When a card fails').fill('');
        await field('LINE groups').uncheck();
        const edited = await flow();
        expect(edited).toEqual({
          ...base(),
          name: 'Renamed bot',
          triggers: [{ type: 'keyword', keywords: ['hi'], start: 'hello' }],
          texts: { reask: 'Hmm? {{ prompt }}' },
        });
        await field('Re-asking a question').fill('');
        expect(await flow()).not.toHaveProperty('texts');
        // The name is required: emptied, it is left out and its problem shows under it.
        await field('Flow name').fill('');
        expect(await flow()).not.toHaveProperty('name');
        await validated();
        await page.locator('#flow-name-problem').waitFor();
        await field('Flow name').fill('Renamed bot');

        // The workspace language: changed here, saved as the workspace's setting, the placeholders follow.
        await field('Workspace language').selectOption('zh-TW');
        await page.getByText('The workspace language is now 繁體中文.').waitFor();
        await expect(field('When a card fails').getAttribute('placeholder')).resolves.toBe(BUILT_IN_TEXTS['zh-TW'].failure);
        expect((await api('GET', '/admin/settings')).body).toMatchObject({ language: 'zh-TW' });
        await field('Workspace language').selectOption('en');
        await page.getByText('The workspace language is now English.').waitFor();
        expect((await api('GET', '/admin/settings')).body).toMatchObject({ language: 'en' });
        await session.screenshot('flow-settings');
      }, 60_000);
    });
  });
}

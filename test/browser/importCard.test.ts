import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { DEMO_ORDERS_API_KEY } from '../../local/demoBrandApi';
import { AUDIT, type AuditResult } from '../support/accessibilityAudit';
import { ARTIFACTS, HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// Issue 21, "Import a card" in the console: the card form's Import… dialog (a modal dialog with two
// tabs, Escape closing it) fills a card from the order-status API's OpenAPI document (a file) and from
// a curl line, as the form would: method, URL, the key header as a secret reference (the value stored
// as a workspace secret, never in the flow), the body, the response schema as the contract and the
// pickers' fields before any test; then the card is tested against the demo brand and answers.

const ORDERS_DOCUMENT = fs.readFileSync(path.join(__dirname, '../fixtures/import/openapi/order-status.yaml'), 'utf8');

type Card = Record<string, unknown> & { request: Record<string, unknown>; contract?: { body: Record<string, unknown> } };

if (!HAVE_CHROMIUM) {
  skipBrowserTests('importing a card');
} else {
  describe('importing a card', () => {
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
    const dialog = (): Locator => page.getByRole('dialog', { name: 'Import a card' });
    const flowText = async () => page.getByLabel('Flow JSON').inputValue();
    const card = async () => (JSON.parse(await flowText()) as { blocks: Record<string, Card> }).blocks.order as Card;
    /** Every value the card form's pickers offer. */
    const offered = () =>
      page.locator('#card-form select option').evaluateAll((options) => options.map((option) => option.getAttribute('value') ?? ''));
    const openImport = async () => {
      await page.getByRole('button', { name: 'Import card order from a curl command or an OpenAPI document' }).click();
      await dialog().waitFor();
    };
    const fill = async () => {
      await dialog().getByRole('button', { name: 'Fill the card' }).click();
      await dialog().waitFor({ state: 'detached' });
      await page.locator('#card-import-status', { hasText: 'Card order filled from the import' }).waitFor();
    };
    const runTest = async () => {
      await page.getByRole('button', { name: 'Test', exact: true }).click();
      await page.locator('#test-outcome', { hasText: /^Success after 1 attempt\(s\)\.$/ }).waitFor();
    };

    test('the order-status API from its OpenAPI document, then from a curl line: the card filled, its key a secret, tested against the demo brand', async () => {
      const brand = session.stack.brandApi.url;
      // A connection to the demo brand, its key the demo's ORDERS_API_KEY.
      const connection = {
        baseUrl: { production: brand },
        auth: { type: 'header', header: 'x-api-key', prefix: '', secret: { production: 'ORDERS_API_KEY' } },
      };
      expect(
        (
          await fetch(`${session.stack.url}/admin/connections/orders`, {
            method: 'PUT',
            headers: session.adminHeaders(),
            body: JSON.stringify(connection),
          })
        ).status,
      ).toBe(200);
      await session.signIn();
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).click();
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      // A flow of one card still to write, and the message its answer goes to.
      const flow = {
        schemaVersion: 1,
        name: 'Imported orders',
        triggers: [{ type: 'keyword', keywords: ['order'], start: 'order' }],
        blocks: {
          order: { type: 'callApi', request: { method: 'GET', url: 'https://api.brand.example/todo' }, onSuccess: 'show' },
          show: { type: 'message', messages: [{ type: 'text', text: 'Order {{ response.body.id }}: {{ response.body.status }}' }] },
        },
      };
      await page.getByLabel('Flow JSON').fill(JSON.stringify(flow, null, 2));
      await page.getByRole('button', { name: 'Open card order' }).click();
      await page.getByRole('heading', { name: 'Card order' }).waitFor();
      expect(await offered()).not.toContain('response.body.items[0].name');

      // The dialog: modal, labelled, the curl tab first; Escape closes it and the focus goes back.
      await openImport();
      expect(await dialog().getByRole('tab', { name: 'curl' }).getAttribute('aria-selected')).toBe('true');
      expect(await page.evaluate('document.activeElement?.id')).toBe('import-curl');
      await page.keyboard.press('Escape');
      await dialog().waitFor({ state: 'detached' });
      expect(await page.evaluate('document.activeElement?.id')).toBe('card-import');

      // OpenAPI: the document as a file (its server the demo brand), its operations, one picked.
      await openImport();
      await dialog().getByRole('tab', { name: 'OpenAPI' }).click();
      await field('Document file (JSON or YAML)').setInputFiles({
        name: 'order-status.yaml',
        mimeType: 'application/yaml',
        buffer: Buffer.from(ORDERS_DOCUMENT.replace('https://api.brand.example', brand)),
      });
      // The file's text goes into the paste box (what is sent is what the admin sees).
      for (let i = 0; i < 50 && !(await field('Or paste the document').inputValue()).includes('Demo brand orders'); i++)
        await page.waitForTimeout(100);
      await dialog().getByRole('button', { name: 'List the operations' }).click();
      await dialog().getByRole('group', { name: 'Operations of Demo brand orders' }).waitFor();
      expect(await dialog().getByRole('radio').count()).toBe(2);
      await dialog()
        .getByRole('radio', { name: /GET \/orders\/\{id\} getOrder/ })
        .check();
      await dialog().getByRole('button', { name: 'Import the operation' }).click();
      await dialog()
        .locator('#import-request', { hasText: `GET ${brand}/orders/{{ attributes.id }}` })
        .waitFor();
      expect(await dialog().locator('#import-headers').textContent()).toBe('x-api-key: {{ secrets.API_KEY }}');
      expect(await dialog().locator('#import-contract').textContent()).toMatch(/8 field\(s\)/);
      // README "Import a card" shows the dialog at this point.
      await dialog().screenshot({ path: path.join(ARTIFACTS, 'console-import-dialog.png') });
      // Every control of the dialog named, its texts at AA contrast (the accessibility test's audit; that test opens no dialog).
      const audit = (await page.evaluate(AUDIT)) as AuditResult;
      expect({ unnamed: audit.unnamed, low: audit.low }).toEqual({ unnamed: [], low: [] });
      // The document names the scheme, not the key: the card uses the demo workspace's ORDERS_API_KEY.
      await field('Secret name for header x-api-key').fill('ORDERS_API_KEY');
      await dialog().getByText('The workspace has a secret of this name: the card uses it.').waitFor();
      await fill();

      expect(await field('Method').inputValue()).toBe('GET');
      expect(await field('URL').inputValue()).toBe(`${brand}/orders/{{ attributes.id }}`);
      expect(await field('Header 1 name').inputValue()).toBe('x-api-key');
      expect(await field('Header 1 value').inputValue()).toBe('{{ secrets.ORDERS_API_KEY }}');
      const fromDocument = await card();
      expect(fromDocument.request).toMatchObject({
        method: 'GET',
        url: `${brand}/orders/{{ attributes.id }}`,
        headers: { 'x-api-key': '{{ secrets.ORDERS_API_KEY }}' },
      });
      expect(fromDocument.contract?.body).toMatchObject({ type: 'object', required: ['id', 'status', 'items'] });
      expect(fromDocument.onSuccess).toBe('show');
      // The contract's fields are the pickers' before any test.
      expect(await offered()).toEqual(expect.arrayContaining(['response.body.id', 'response.body.status', 'response.body.items[0].name']));
      await page.locator('#card-form optgroup[label="Response schema (no test yet)"]').first().waitFor({ state: 'attached' });

      // Tested against the demo brand: the order's status comes back.
      await field('Attribute 1 name').waitFor();
      expect(await field('Attribute 1 name').inputValue()).toBe('id');
      await field('Attribute 1 value').fill('A123');
      await runTest();
      expect(await page.locator('#test-response').textContent()).toContain('shipped');
      expect(await page.locator('#card-test').textContent()).toContain('Order A123: shipped');

      // curl: the same API as its documentation prints it, the key in a header.
      await openImport();
      await dialog().getByRole('tab', { name: 'curl' }).click();
      await field('curl command').fill(
        `curl -sS '${brand}/orders/A123' \\\n  -H 'x-api-key: ${DEMO_ORDERS_API_KEY}' \\\n  -H 'Accept: application/json'`,
      );
      await dialog().getByRole('button', { name: 'Read the command' }).click();
      await dialog()
        .locator('#import-request', { hasText: `GET ${brand}/orders/A123` })
        .waitFor();
      expect(await dialog().locator('#import-headers').textContent()).toContain('x-api-key: {{ secrets.API_KEY }}');
      // Named after a secret the workspace has, storing would replace it: the dialog says so.
      await field('Secret name for header x-api-key').fill('ORDERS_API_KEY');
      await dialog()
        .getByText('The workspace has a secret of this name: storing replaces its value (uncheck to keep it, and the card uses it).')
        .waitFor();
      await field('Secret name for header x-api-key').fill('IMPORTED_ORDERS_KEY');
      expect(await field('Store the value from the command as this secret (sent only to 127.0.0.1)').isChecked()).toBe(true);
      await fill();
      expect(await page.locator('#card-import-status').textContent()).toContain('secret(s) stored: IMPORTED_ORDERS_KEY');
      expect(await field('URL').inputValue()).toBe(`${brand}/orders/A123`);
      expect(await field('Header 1 value').inputValue()).toBe('{{ secrets.IMPORTED_ORDERS_KEY }}');
      expect(await field('Header 2 name').inputValue()).toBe('Accept');
      // A curl line has no schema: the contract of the document's import is gone with its request.
      expect((await card()).contract).toBeUndefined();
      const secrets = (await (await fetch(`${session.stack.url}/admin/secrets`, { headers: session.adminHeaders() })).json()) as {
        secrets: Array<{ name: string; allowedHosts?: string[] }>;
      };
      expect(secrets.secrets).toContainEqual(expect.objectContaining({ name: 'IMPORTED_ORDERS_KEY', allowedHosts: ['127.0.0.1'] }));
      await runTest();
      expect(await page.locator('#card-test').textContent()).toContain('Order A123: shipped');

      // A line the import refuses: why, as an alert, and nothing left to fill the card with.
      await openImport();
      await field('curl command').fill(`curl -I ${brand}/orders/A123`);
      await dialog().getByRole('button', { name: 'Read the command' }).click();
      await dialog()
        .getByRole('alert')
        .filter({ hasText: /^cannot import: -I/ })
        .waitFor();
      expect(await dialog().getByRole('button', { name: 'Fill the card' }).isDisabled()).toBe(true);
      await dialog().getByRole('button', { name: 'Cancel' }).click();
      await dialog().waitFor({ state: 'detached' });

      // A curl line with a JSON body: its values offered as variables, one read from an attribute.
      await openImport();
      await field('curl command').fill(
        `curl -X POST ${brand}/notify -H 'Content-Type: application/json' -d '{"orderId": "A123", "message": "Your order has shipped"}'`,
      );
      await dialog().getByRole('button', { name: 'Read the command' }).click();
      await dialog()
        .locator('#import-request', { hasText: `POST ${brand}/notify` })
        .waitFor();
      await field('Read body field orderId from attributes.orderId (was A123)').check();
      await fill();
      expect(await field('Method').inputValue()).toBe('POST');
      expect(await field('Body field 1 name').inputValue()).toBe('orderId');
      expect(await field('Body field 1 value').inputValue()).toBe('{{ attributes.orderId }}');
      expect(await field('Body field 2 value').inputValue()).toBe('Your order has shipped');
      expect((await card()).request.body).toEqual({
        type: 'json',
        value: { orderId: '{{ attributes.orderId }}', message: 'Your order has shipped' },
      });

      // A URL under a connection's base URL: the dialog offers the connection (its key then comes from it).
      await openImport();
      await field('curl command').fill(`curl -s ${brand}/orders/A123`);
      await dialog().getByRole('button', { name: 'Read the command' }).click();
      await dialog()
        .locator('#import-request', { hasText: `GET ${brand}/orders/A123` })
        .waitFor();
      await field('Call it through connection orders (path /orders/A123)').check();
      await fill();
      expect((await card()).request).toEqual({ method: 'GET', connection: 'orders', url: '/orders/A123' });
      expect(await field('A connection and a path').isChecked()).toBe(true);
      expect(await field('Path').inputValue()).toBe('/orders/A123');
      await runTest();
      expect(await page.locator('#card-test').textContent()).toContain('Order A123: shipped');

      // In Traditional Chinese: the button and the dialog in the console's other language, audited too.
      await page.locator('#lang').selectOption('zh-TW');
      await page.getByRole('button', { name: '從 curl 指令或 OpenAPI 文件匯入卡片 order' }).click();
      const zh = page.getByRole('dialog', { name: '匯入卡片' });
      await zh.waitFor();
      await zh.getByRole('tab', { name: 'OpenAPI' }).click();
      await zh.getByRole('button', { name: '列出操作' }).click();
      await zh.getByRole('group', { name: 'Demo brand orders 的操作' }).waitFor();
      await zh.getByRole('button', { name: '匯入這個操作' }).click();
      await zh.getByText('標頭 x-api-key 的密鑰名稱').waitFor();
      const zhAudit = (await page.evaluate(AUDIT)) as AuditResult;
      expect({ unnamed: zhAudit.unnamed, low: zhAudit.low }).toEqual({ unnamed: [], low: [] });
      await page.keyboard.press('Escape');
      await zh.waitFor({ state: 'detached' });
      await page.locator('#lang').selectOption('en');

      // No import left a key in the flow.
      expect(await flowText()).not.toContain(DEMO_ORDERS_API_KEY);
      expect(session.pageErrors).toEqual([]);
      await session.screenshot('import-card');
    }, 120_000);
  });
}

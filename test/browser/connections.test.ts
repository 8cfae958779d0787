import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// The console's Connections page and the card form's endpoint (issue 20) in a real browser: an OAuth2
// connection made in the form (a warning at the client secret's field: the secret is not set yet), a
// problem at its field, a card set to call the connection and a path (the flow JSON holds both; a
// connection the workspace lacks is a problem at the card's connection field), an unused connection
// deleted, and one a published flow calls refused with the API's words.

const FLOW_WITH_CONNECTION = {
  schemaVersion: 1,
  name: 'Calls brand_orders',
  triggers: [{ type: 'keyword', keywords: ['brand orders'], start: 'orders' }],
  blocks: {
    orders: { type: 'callApi', request: { connection: 'brand_orders', url: '/orders' }, onSuccess: 'done', onFailure: 'done' },
    done: { type: 'message', messages: [{ type: 'text', text: 'Done' }] },
  },
};

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the connections page');
} else {
  describe('the console: connections', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
      await session.signIn();
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    afterEach(() => {
      expect(session.pageErrors).toEqual([]);
    });

    const field = (label: string) => page.getByLabel(label, { exact: true });
    const openConnections = async () => {
      await page.getByRole('link', { name: 'Connections' }).click();
      await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    };

    test('an OAuth2 connection from the form: saved with a warning at the secret not set yet; a problem at its field', async () => {
      await openConnections();
      // The local stack has no fixed egress: the page says where calls come from instead.
      await page.locator('#egress', { hasText: "Calls to brands leave from AWS's shared addresses" }).waitFor();
      expect(await page.locator('#egress-addresses').count()).toBe(0);
      await page.getByText('This workspace has no connections yet.').waitFor();

      await field('Name').fill('brand_orders');
      await field('Base URL (production)').fill('https://api.brand.example/v1');
      await field('Base URL (staging, optional)').fill('https://staging.brand.example/v1');
      await field('How callcard authenticates').selectOption('oauth2ClientCredentials');
      await field('Token URL (production)').fill('https://auth.brand.example/oauth/token');
      await field('Client id (production)').fill('callcard');
      await field('Client secret (production)').fill('BRAND_CLIENT_SECRET');
      await field('Scope (optional)').fill('orders:read');
      await field('How the client authenticates to the token URL').selectOption('client_secret_post');
      await field('Rate cap (requests a second)').fill('50');
      await page.getByRole('button', { name: 'Save connection' }).click();

      await page.locator('#connection-outcome', { hasText: 'Connection brand_orders saved, with 1 warning(s)' }).waitFor();
      await page
        .locator('#conn-auth-clientSecret-production-warning', { hasText: 'secret BRAND_CLIENT_SECRET is not set in this workspace' })
        .waitFor();
      const row = page.locator('tr[data-connection="brand_orders"]');
      expect(await row.textContent()).toContain('OAuth 2.0 client credentials');
      expect(await row.textContent()).toContain('50/s');
      expect(await row.locator('.warnings').textContent()).toContain('auth.clientSecret.production');
      expect(await session.stack.store.connections.get(session.stack.demo.workspaceId, 'brand_orders')).toMatchObject({
        connection: {
          baseUrl: { production: 'https://api.brand.example/v1', staging: 'https://staging.brand.example/v1' },
          auth: {
            type: 'oauth2ClientCredentials',
            tokenUrl: { production: 'https://auth.brand.example/oauth/token' },
            clientId: { production: 'callcard' },
            clientSecret: { production: 'BRAND_CLIENT_SECRET' },
            scope: 'orders:read',
            clientAuthentication: 'client_secret_post',
          },
          rateCap: { perSecond: 50 },
        },
      });
      await session.screenshot('console-connections');

      // A second one, unused: its base URL refused at its field, then corrected.
      await page.getByRole('button', { name: 'New connection' }).click();
      await field('Name').fill('spare');
      await field('Base URL (production)').fill('ftp://files.brand.example');
      await page.getByRole('button', { name: 'Save connection' }).click();
      await page.locator('#connection-outcome', { hasText: 'Not saved: 1 problem(s), shown at their fields.' }).waitFor();
      await page.locator('#conn-baseUrl-production-problem', { hasText: 'an http(s) base URL' }).waitFor();
      expect(await field('Base URL (production)').getAttribute('aria-invalid')).toBe('true');
      await field('Base URL (production)').fill('https://spare.brand.example');
      await page.getByRole('button', { name: 'Save connection' }).click();
      await page.locator('#connection-outcome', { hasText: 'Connection spare saved.' }).waitFor();

      // Both languages.
      await page.getByLabel('Language').selectOption('zh-TW');
      await page.getByRole('heading', { level: 1, name: 'API 連線' }).waitFor();
      await page.getByLabel('語言').selectOption('en');
    });

    test("a card's endpoint: a connection and a path, written into the flow JSON; a connection the workspace lacks shown at its field", async () => {
      await page.getByRole('link', { name: 'Flows' }).click();
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).click();
      const editor = page.getByLabel('Flow JSON');
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      await page.getByRole('button', { name: 'Open card send_code' }).click();
      await page.getByRole('heading', { name: 'Card send_code' }).waitFor();
      const before =
        (JSON.parse(await editor.inputValue()) as { blocks: Record<string, { request: { url: string } }> }).blocks.send_code?.request.url ??
        '';
      expect(before).toMatch(/^https?:\/\//);

      await page.getByLabel('A connection and a path').check();
      await field('Connection').waitFor();
      await field('Connection').selectOption('brand_orders');
      await field('Path').fill('/codes/{{ attributes.phone }}');
      const card = async () =>
        (JSON.parse(await editor.inputValue()) as { blocks: Record<string, { request: Record<string, unknown> }> }).blocks.send_code
          ?.request;
      expect(await card()).toMatchObject({ connection: 'brand_orders', url: '/codes/{{ attributes.phone }}' });
      expect(JSON.stringify(await card())).not.toContain('https://');

      // A connection the workspace lacks (typed into the JSON): a problem at the card's connection field.
      await editor.fill((await editor.inputValue()).replace('"connection": "brand_orders"', '"connection": "nowhere"'));
      await page.locator('#card-connection-problem', { hasText: 'connection nowhere does not exist in this workspace' }).waitFor();
      expect(await page.locator('#card-connection option:checked').textContent()).toBe('nowhere (no such connection)');

      // Back to a full URL: the connection is gone from the card.
      await page.getByLabel('A full URL').check();
      expect((await card())?.connection).toBeUndefined();

      // Leave without saving.
      page.once('dialog', (dialog) => void dialog.accept());
      await openConnections();
    });

    test("an unused connection is deleted; one a published flow calls is refused with the API's words", async () => {
      const api = async (method: string, path: string, body: unknown) => {
        const response = await fetch(`${session.stack.url}${path}`, {
          method,
          headers: session.adminHeaders(),
          body: JSON.stringify(body),
        });
        expect([path, response.ok]).toEqual([path, true]);
      };
      await api('PUT', '/admin/secrets/BRAND_CLIENT_SECRET', { value: 'brand-client-secret-value', allowedHosts: ['auth.brand.example'] });
      await api('POST', '/admin/flows', { flowId: 'calls-brand', flow: FLOW_WITH_CONNECTION });
      await api('POST', '/admin/flows/calls-brand/publish', { version: 1, channels: [{ kind: 'line', channelId: 'demo-line' }] });
      await page.reload();
      await page.locator('tr[data-connection="spare"]').waitFor();

      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Delete connection spare' }).click();
      await page.locator('#connection-outcome', { hasText: 'Connection spare deleted.' }).waitFor();
      await page.locator('tr[data-connection="spare"]').waitFor({ state: 'detached' });

      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Delete connection brand_orders' }).click();
      const refused = page.locator('#connection-outcome', { hasText: 'a published flow calls this connection' });
      await refused.waitFor();
      expect(await refused.textContent()).toContain(
        'flows.calls-brand.versions.1.blocks.orders.request.connection: calls connection brand_orders',
      );
      expect(await page.locator('tr[data-connection="brand_orders"]').count()).toBe(1);
    });
  });
}

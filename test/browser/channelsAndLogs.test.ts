import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Page } from 'playwright-core';
import { signLineBody } from '../../local/lineWebhookBody';
import type { LocalStack } from '../../local/localStack';
import { DEMO_FLOW_ID, DEMO_MEMBER_USER_ID } from '../../local/seedDemo';
import type { TurnJob } from '../../shared/jobs/job';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';
import { sendLine, waitForLineCalls } from '../support/localStackHarness';

// The console's channels, secrets and execution log pages in a real browser (test/support/browser.ts):
// add a LINE channel and verify its webhook URL as LINE's Verify button does; set a secret (never shown
// back) and delete it; the log of a demo turn, by customer and by card; a failed job redriven, another deleted.

const LINE_ID = '2007654321';
const LINE_SECRET = 'console-line-channel-secret-5c4b3a';
const LINE_TOKEN = 'console-line-access-token-0f1e2d3c4b5a';
const SECRET_NAME = 'CONSOLE_TEST_TOKEN';
const SECRET_VALUE = 'console-secret-value-9f8e7d6c';

if (!HAVE_CHROMIUM) {
  skipBrowserTests('channels, secrets and the execution log');
} else {
  describe('the console: channels, secrets, execution log', () => {
    let session: ConsoleSession;
    let stack: LocalStack;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ stack, page } = session);
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
      await session.signIn();
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    afterEach(() => {
      expect(session.pageErrors).toEqual([]);
    });

    /** LINE's Verify button: a delivery with no events, signed with `secret`. */
    const lineVerify = (secret: string) => {
      const body = JSON.stringify({ destination: 'Uconsoletestdestination00000000', events: [] });
      return fetch(`${stack.url}/webhooks/line/${LINE_ID}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(body, secret) },
        body,
      });
    };

    test('add a LINE channel: its exact webhook URL, copied; not verified until a signed Verify arrives, then verified', async () => {
      await page.getByRole('link', { name: 'Channels' }).click();
      await page.getByRole('heading', { level: 1, name: 'Channels' }).waitFor();
      // The demo channels are listed with their URLs.
      await page.locator('tr[data-channel="line:demo-line"] .webhook-url', { hasText: `${stack.url}/webhooks/line/demo-line` }).waitFor();

      await page.getByLabel('Platform').selectOption('line');
      await page.getByLabel('Channel ID').fill(LINE_ID);
      await page.getByLabel('Name (optional)').fill('Console test channel');
      await page.getByLabel('Channel secret').fill(LINE_SECRET);
      await page.getByLabel('Channel access token').fill(LINE_TOKEN);
      await page.getByRole('button', { name: 'Save channel' }).click();
      const url = `${stack.url}/webhooks/line/${LINE_ID}`;
      await page.locator('#channel-outcome', { hasText: `LINE ${LINE_ID} added. Paste its webhook URL: ${url}` }).waitFor();

      const row = page.locator(`tr[data-channel="line:${LINE_ID}"]`);
      expect(await row.locator('.webhook-url').textContent()).toBe(url);
      expect(await row.locator('.verification').textContent()).toContain('Not verified yet');
      // Write-only: masked as the API gives them, never in the page, the inputs empty again.
      expect(await row.textContent()).toContain(`Secret ••••${LINE_SECRET.slice(-4)}`);
      expect(await page.getByLabel('Channel secret').inputValue()).toBe('');
      expect(await page.getByLabel('Channel access token').inputValue()).toBe('');
      const html = await page.content();
      expect(html).not.toContain(LINE_SECRET);
      expect(html).not.toContain(LINE_TOKEN);
      expect(await stack.store.channels.get('line', LINE_ID)).toMatchObject({
        name: 'Console test channel',
        secret: LINE_SECRET,
        accessToken: LINE_TOKEN,
      });

      // The copy button puts the exact URL on the clipboard.
      await page.getByRole('button', { name: `Copy the webhook URL of LINE ${LINE_ID}` }).click();
      await page.locator('#copy-status', { hasText: `Copied ${url}` }).waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(url);

      // A forged Verify is refused and changes nothing.
      expect((await lineVerify('not-the-channel-secret')).status).toBe(401);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Channels' }).waitFor();
      await row.locator('.verification', { hasText: 'Not verified yet' }).waitFor();

      // LINE's Verify, signed with the channel secret: verified after a reload.
      expect((await lineVerify(LINE_SECRET)).status).toBe(200);
      await page.reload();
      await row.locator('.verification', { hasText: 'Verified' }).waitFor();
      expect(await row.locator('.verification').textContent()).not.toContain('Not verified');
      await session.screenshot('console-channels');

      // Updating the name keeps the secrets (left empty); zh-TW says it too.
      await page.getByRole('button', { name: `Edit LINE ${LINE_ID}` }).click();
      await page.getByLabel('Name (optional)').fill('Console test channel 2');
      await page.getByRole('button', { name: 'Save channel' }).click();
      await page.locator('#channel-outcome', { hasText: `LINE ${LINE_ID} updated.` }).waitFor();
      expect(await stack.store.channels.get('line', LINE_ID)).toMatchObject({
        name: 'Console test channel 2',
        secret: LINE_SECRET,
        accessToken: LINE_TOKEN,
      });
      await page.getByLabel('Language').selectOption('zh-TW');
      await row.locator('.verification', { hasText: '已驗證' }).waitFor();
      await page.getByLabel('語言').selectOption('en');
    });

    test('set a secret: shown masked, never in the page; then deleted after a confirm', async () => {
      await page.getByRole('link', { name: 'Secrets' }).click();
      await page.getByRole('heading', { level: 1, name: 'Secrets' }).waitFor();
      expect(await page.getByLabel('Value').getAttribute('type')).toBe('password');
      await page.getByLabel('Name').fill(SECRET_NAME);
      await page.getByLabel('Value').fill(SECRET_VALUE);
      await page.getByLabel('Allowed hosts').fill('api.brand.example');
      await page.getByRole('button', { name: 'Save secret' }).click();
      const masked = `••••${SECRET_VALUE.slice(-4)}`;
      await page.locator('#secret-outcome', { hasText: `Secret ${SECRET_NAME} saved: ${masked}.` }).waitFor();
      const row = page.locator(`tr[data-secret="${SECRET_NAME}"]`);
      expect(await row.textContent()).toContain(masked);
      expect(await row.textContent()).toContain('api.brand.example');
      expect(await page.getByLabel('Value').inputValue()).toBe('');
      expect(await page.content()).not.toContain(SECRET_VALUE);
      const stored = async () => (await stack.store.secrets.list(stack.demo.workspaceId)).find((s) => s.name === SECRET_NAME);
      expect(await stored()).toMatchObject({ value: SECRET_VALUE, allowedHosts: ['api.brand.example'] });

      // Delete: a dismissed confirm keeps it; an accepted one deletes it.
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.getByRole('button', { name: `Delete secret ${SECRET_NAME}` }).click();
      expect(await row.count()).toBe(1);
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: `Delete secret ${SECRET_NAME}` }).click();
      await page.locator('#secret-outcome', { hasText: `Secret ${SECRET_NAME} deleted.` }).waitFor();
      expect(await row.count()).toBe(0);
      expect(await stored()).toBeUndefined();
    });

    test('hosts are required; a secret saved before they were is flagged, and bound with its hosts alone (the value kept)', async () => {
      const OLD_VALUE = 'old-console-secret-value-3b2a';
      await stack.store.secrets.put(stack.demo.workspaceId, 'OLD_CONSOLE_KEY', OLD_VALUE);
      await page.getByRole('link', { name: 'Channels' }).click();
      await page.getByRole('link', { name: 'Secrets' }).click();
      await page.locator('#unbound-secrets', { hasText: '1 secret(s) bound to no host (OLD_CONSOLE_KEY)' }).waitFor();
      const row = page.locator('tr[data-secret="OLD_CONSOLE_KEY"]');
      expect(await row.textContent()).toContain('Any host: not bound');

      // A new secret without hosts: refused, the API's words shown, the typed value kept in its field.
      await page.getByLabel('Name').fill('NO_HOSTS_KEY');
      await page.getByLabel('Value').fill('no-hosts-value-1234');
      await page.getByRole('button', { name: 'Save secret' }).click();
      await page.locator('#secret-outcome', { hasText: 'allowedHosts: required' }).waitFor();
      expect(await page.getByLabel('Value').inputValue()).toBe('no-hosts-value-1234');
      await page.getByLabel('Value').fill('');

      // Bind: the form names the secret, the hosts take the focus; saved with no value, the value is kept.
      await page.getByRole('button', { name: 'Bind secret OLD_CONSOLE_KEY to hosts' }).click();
      expect(await page.getByLabel('Name').inputValue()).toBe('OLD_CONSOLE_KEY');
      expect(await page.evaluate('document.activeElement?.id')).toBe('secret-hosts');
      await page.getByLabel('Allowed hosts').fill('127.0.0.1');
      await page.getByRole('button', { name: 'Save secret' }).click();
      await page.locator('#secret-outcome', { hasText: `Secret OLD_CONSOLE_KEY saved: ••••${OLD_VALUE.slice(-4)}.` }).waitFor();
      expect(await page.locator('#unbound-secrets').count()).toBe(0);
      expect(await row.textContent()).toContain('127.0.0.1');
      const stored = (await stack.store.secrets.list(stack.demo.workspaceId)).find((s) => s.name === 'OLD_CONSOLE_KEY');
      expect(stored).toMatchObject({ value: OLD_VALUE, allowedHosts: ['127.0.0.1'] });
      expect((await stack.store.secrets.list(stack.demo.workspaceId)).map((s) => s.name)).not.toContain('NO_HOSTS_KEY');
      expect(await page.content()).not.toContain(OLD_VALUE);
      await stack.store.secrets.delete(stack.demo.workspaceId, 'OLD_CONSOLE_KEY');
    });

    test('the execution log of a demo turn, by customer and by card; a failed job redriven, another deleted', async () => {
      // The demo member taps "My tickets": load_tickets calls the brand.
      const sent = await sendLine(stack, { type: 'postback', data: 'action=my_tickets' }, { userId: DEMO_MEMBER_USER_ID });
      expect(sent.status).toBe(200);
      await waitForLineCalls(stack, (calls) => calls.some((c) => c.kind === 'reply' && c.replyToken === sent.replyToken));
      await stack.idle();

      await page.getByRole('link', { name: 'Execution log' }).click();
      await page.getByRole('heading', { level: 1, name: 'Execution log' }).waitFor();
      await page.getByLabel('Channel').selectOption('line:demo-line');
      await page.getByLabel('User ID').fill(DEMO_MEMBER_USER_ID);
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      const entry = page.locator('#log tbody tr', { hasText: 'load_tickets' }).first();
      await entry.waitFor();
      // Time, customer, card, request, outcome, status, duration, attempt.
      const cells = await entry.locator('td').allTextContents();
      expect(cells).toEqual([
        expect.any(String),
        `line:demo-line:${DEMO_MEMBER_USER_ID}`,
        `${DEMO_FLOW_ID} › load_tickets`,
        // The member id is personal: masked in the log (issue 19).
        expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/members\/••••\/tickets$/),
        'Success',
        '200',
        expect.stringMatching(/^\d+ ms$/),
        '1',
      ]);

      // By card: the demo flow's load_tickets; a customer of an entry opens that customer's log.
      await page.getByLabel('A card').check();
      await page.getByLabel('Flow', { exact: true }).selectOption(DEMO_FLOW_ID);
      await page.getByLabel('Card', { exact: true }).selectOption('load_tickets');
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await page.getByRole('heading', { name: `Calls of ${DEMO_FLOW_ID} › load_tickets` }).waitFor();
      const customer = `line:demo-line:${DEMO_MEMBER_USER_ID}`;
      await page
        .getByRole('button', { name: `Show the log of customer ${customer}` })
        .first()
        .click();
      await page.getByRole('heading', { name: `Calls of ${customer}` }).waitFor();
      await entry.waitFor();
      await session.screenshot('console-logs');

      // A job in the dead-letter queue (as after five failed receives), listed, then redriven: it runs.
      const job: TurnJob = {
        v: 1,
        jobId: 'line:demo-line:01CONSOLEDLQ',
        workspaceId: stack.demo.workspaceId,
        channel: { kind: 'line', id: 'demo-line' },
        userId: 'U-console-dlq',
        event: { type: 'text', text: 'hot' },
        receivedAt: Date.now(),
        flow: { flowId: DEMO_FLOW_ID, version: 1 },
      };
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.dlqUrl,
          MessageBody: JSON.stringify(job),
          MessageGroupId: 'console-dlq',
          MessageDeduplicationId: 'console-dlq-1',
        }),
      );
      await page.locator('#failed-heading').scrollIntoViewIfNeeded();
      await page.getByRole('button', { name: 'Refresh' }).last().click();
      const failedRow = page.locator('#failed-jobs tbody tr', { hasText: 'line:demo-line:U-console-dlq' });
      await failedRow.waitFor();
      expect(await failedRow.textContent()).toContain('text: hot');
      expect(await failedRow.textContent()).toContain(`${DEMO_FLOW_ID} v1`);
      await page.getByRole('button', { name: `Redrive job ${job.jobId}` }).click();
      await page.locator('#redrive-status', { hasText: 'Sent back to the jobs queue: 1 job(s).' }).waitFor();
      await page.getByText('No failed jobs.').waitFor();
      await waitForLineCalls(stack, (calls) => calls.some((c) => c.kind === 'push' && c.to === 'U-console-dlq'), 15_000);

      // Another one deleted for good: confirmed first (dismissed once: it stays), then gone, never run.
      const gone: TurnJob = { ...job, jobId: 'line:demo-line:01CONSOLEDEL', userId: 'U-console-del' };
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.dlqUrl,
          MessageBody: JSON.stringify(gone),
          MessageGroupId: 'console-del',
          MessageDeduplicationId: 'console-del-1',
        }),
      );
      await page.getByRole('button', { name: 'Refresh' }).last().click();
      const deleteButton = page.getByRole('button', { name: `Delete job ${gone.jobId}` });
      await deleteButton.waitFor();
      let asked = '';
      page.once('dialog', (dialog) => void ((asked = dialog.message()), dialog.dismiss()));
      await deleteButton.click();
      for (let wait = 0; !asked && wait < 50; wait += 1) await page.waitForTimeout(20);
      expect(asked).toContain(`Delete failed job ${gone.jobId} for good?`);
      expect(await page.locator('#failed-jobs tbody tr', { hasText: 'U-console-del' }).count()).toBe(1);
      page.once('dialog', (dialog) => void dialog.accept());
      await deleteButton.click();
      await page.locator('#redrive-status', { hasText: 'Deleted: 1 job(s).' }).waitFor();
      await page.getByText('No failed jobs.').waitFor();
      await stack.idle();
      expect(stack.lineStandIn.calls().filter((c) => c.to === 'U-console-del')).toEqual([]);
    });
  });
}

import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { flowSchema } from '../../shared/flow/schema';
import { ARTIFACTS, HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';
import { sendLine, startModalBrand, waitForLineCalls, type ModalBrand } from '../support/localStackHarness';

// Issue 21 in a real browser: after a few turns of a card (successes, 503s, a timeout), the execution
// log page shows the card's health (calls stacked by outcome, latency lines), its alert rule is set in
// the form and its state reads ALARM with why; a bar of the chart opens exactly that bar's calls; the
// card in the editor shows the same state and links to its health.

if (!HAVE_CHROMIUM) {
  skipBrowserTests('card health and alerts');
} else {
  describe('the console: card health and alerts', () => {
    let session: ConsoleSession;
    let stack: LocalStack;
    let page: Page;
    let brand: ModalBrand;
    const channel = { channelId: 'health-line', secret: 'health-line-secret' };

    beforeAll(async () => {
      brand = await startModalBrand();
      session = await startConsoleSession({ extraAllowHttpHosts: [brand.host] });
      ({ stack, page } = session);
      const flow = flowSchema.parse({
        schemaVersion: 1,
        name: 'Order health',
        triggers: [{ type: 'keyword', keywords: ['go'], start: 'order' }],
        blocks: {
          order: {
            type: 'callApi',
            retry: false,
            timeoutMs: 300,
            request: { url: `${brand.url}/orders` },
            onSuccess: 'ok',
            onFailure: 'failed',
          },
          ok: { type: 'message', messages: [{ type: 'text', text: 'ok' }] },
          failed: { type: 'message', messages: [{ type: 'text', text: 'failed' }] },
        },
      });
      await stack.store.flows.putVersion(stack.demo.workspaceId, 'health', 1, flow);
      await stack.store.channels.put({
        workspaceId: stack.demo.workspaceId,
        kind: 'line',
        channelId: channel.channelId,
        secret: channel.secret,
        accessToken: 'health-token',
        name: '',
        activeFlow: { flowId: 'health', version: 1 },
      });
      await session.signIn();
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
      await brand?.close();
    });

    afterEach(() => {
      expect(session.pageErrors).toEqual([]);
    });

    let turns = 0;
    async function turn(): Promise<void> {
      turns += 1;
      const before = stack.lineStandIn.calls().length;
      const sent = await sendLine(stack, { type: 'text', text: 'go' }, { userId: `U-health-${turns}`, ...channel });
      expect(sent.status).toBe(200);
      await waitForLineCalls(
        stack,
        (calls) => calls.slice(before).some((c: LineCall) => c.kind === 'reply' && c.replyToken === sent.replyToken),
        15_000,
      );
      await stack.idle();
    }

    test('after a few turns with failures: the chart, the alert rule set in the form and in alarm, a bar opening its calls', async () => {
      brand.mode = 'ok';
      for (let i = 0; i < 4; i += 1) await turn();
      brand.mode = 'fail';
      for (let i = 0; i < 2; i += 1) await turn();
      brand.mode = 'slow';
      await turn();

      await page.getByRole('link', { name: 'Execution log' }).click();
      await page.getByRole('heading', { level: 1, name: 'Execution log' }).waitFor();
      await page.getByLabel('A card').check();
      await page.getByLabel('Flow', { exact: true }).selectOption('health');
      await page.getByLabel('Card', { exact: true }).selectOption('order');
      await page.getByRole('button', { name: 'Show', exact: true }).click();

      await page.getByRole('heading', { name: 'Card health: health › order' }).waitFor();
      await page.locator('#health-summary', { hasText: '7 calls, 3 failed (43 %)' }).waitFor();
      // Two charts, each an image with its title; bars stacked by outcome, three latency lines.
      await page.getByRole('img', { name: /Calls per 5 minutes, by outcome/ }).waitFor();
      await page.getByRole('img', { name: /Latency per 5 minutes \(ms\): p50, p95, p99/ }).waitFor();
      const parts = await page
        .locator('#health-calls rect[data-part]')
        .evaluateAll((rects) => rects.map((rect) => rect.getAttribute('data-part')));
      expect(new Set(parts)).toEqual(new Set(['success', '5xx', 'timeout']));
      expect(
        await page
          .locator('#health-latency polyline')
          .evaluateAll((lines) => [...new Set(lines.map((line) => line.getAttribute('data-line')))].sort()),
      ).toEqual(['p50', 'p95', 'p99']);
      // Each bar is a link whose name says its counts; together they hold the 7 calls.
      const bars = page.locator('#health-calls a.health-point');
      expect(await bars.count()).toBe(12);
      const labels = await bars.evaluateAll((links) => links.map((link) => link.getAttribute('aria-label') ?? ''));
      expect(labels.map((label) => Number(/: (\d+) calls/.exec(label)?.[1])).reduce((a, b) => a + b, 0)).toBe(7);
      expect(labels.join('\n')).toMatch(/5xx 2/);

      // No rule yet: set "over 30 % for 5 minutes" and "any contract failure"; the state is ALARM, and why.
      await page.locator('#alert-state', { hasText: 'No alert rules for this card.' }).waitFor();
      await page.getByLabel('Alert when the failure rate is over').check();
      await page.getByLabel('Percent (1-100)').fill('30');
      await page.getByLabel('For (minutes)').selectOption('5');
      await page.getByLabel('Alert on any contract failure').check();
      await page.getByRole('button', { name: 'Save alert rules' }).click();
      await page.locator('#alert-status', { hasText: 'Alert rules saved.' }).waitFor();
      await page
        .locator('#alert-state', { hasText: /^Alert: ALARM since .+: 3 of 7 calls failed \(43 %\) in the last 5 minutes, over 30 %$/ })
        .waitFor();
      expect((await stack.store.workspaceSettings.get(stack.demo.workspaceId)).alerts).toEqual([
        { flowId: 'health', blockId: 'order', failureRate: { percent: 30, minutes: 5 }, contract: true },
      ]);
      await page.locator('#health').screenshot({ path: path.join(ARTIFACTS, 'console-card-health.png') });

      // The bar with the most calls opens the log of exactly its calls.
      const counts = labels.map((label) => Number(/: (\d+) calls/.exec(label)?.[1]));
      const busiest = counts.indexOf(Math.max(...counts));
      await bars.nth(busiest).click();
      await page.getByRole('heading', { name: /^Calls of health › order \(.+ – .+\)$/ }).waitFor();
      await page.locator('#log tbody tr').first().waitFor();
      expect(await page.locator('#log tbody tr').count()).toBe(counts[busiest]);
      await page.getByRole('button', { name: 'All calls of this card' }).click();
      await page.getByRole('heading', { name: 'Calls of health › order' }).waitFor();
      await page.locator('#log tbody tr').nth(6).waitFor();
      expect(await page.locator('#log tbody tr').count()).toBe(7);

      // Beside the card in the editor: its alert state, and a link to its health in the log page.
      await page.goto(`${stack.url}/console#/flows/health`);
      await page.getByRole('button', { name: 'Open card order' }).click();
      await page.locator('#card-alert #alert-state', { hasText: /^Alert: ALARM since .+: 3 of 7 calls failed \(43 %\)/ }).waitFor();
      await page.getByRole('link', { name: 'Health and alerts of this card' }).click();
      await page.getByRole('heading', { name: 'Card health: health › order' }).waitFor();
      await page.locator('#health-summary', { hasText: '7 calls, 3 failed (43 %)' }).waitFor();
      await page.getByRole('heading', { name: 'Calls of health › order' }).waitFor();

      // The day window counts the same calls in 24 hourly bars.
      await page.getByLabel('Over the last').selectOption('day');
      await page.getByRole('img', { name: /Calls per hour, by outcome/ }).waitFor();
      await page.locator('#health-summary', { hasText: '7 calls, 3 failed (43 %)' }).waitFor();
      expect(await bars.count()).toBe(24);
    }, 90_000);
  });
}

import type { Page } from 'playwright-core';
import type { LocalStack } from '../../local/localStack';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// The flow editor's diagram and versions panel in a real browser (test/support/browser.ts): the demo
// flow drawn, an unreachable block marked, a card opened from the diagram by keyboard; a new version
// published to the demo LINE channel (saying what ran before), a missing secret refused, a rollback.

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the flow diagram and versions');
} else {
  describe('the flow diagram and versions panel', () => {
    let session: ConsoleSession;
    let stack: LocalStack;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ stack, page } = session);
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    /** The demo flow's version on each channel, as the admin API says. */
    const running = async (): Promise<Record<string, number | undefined>> => {
      const response = await fetch(`${stack.url}/admin/channels`, { headers: session.adminHeaders() });
      expect(response.status).toBe(200);
      const { channels } = (await response.json()) as {
        channels: Array<{ kind: string; channelId: string; activeFlows: Array<{ flowId: string; version: number }> }>;
      };
      return Object.fromEntries(channels.map((c) => [`${c.kind}:${c.channelId}`, c.activeFlows.find((f) => f.flowId === 'demo')?.version]));
    };
    const links = () => page.locator('.diagram-links li').allTextContents();
    const line = () => `line:${stack.demo.lineChannelId}`;
    const messenger = () => `messenger:${stack.demo.messengerPageId}`;

    test('the diagram: every block, labelled links, unreachable blocks, a card opened by keyboard', async () => {
      await session.signIn();
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).click();
      const editor = page.getByLabel('Flow JSON');
      await editor.waitFor();
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      const flow = JSON.parse(await editor.inputValue()) as { blocks: Record<string, unknown>; triggers: unknown[] };

      // A node per block, each a button named by its id and type; Call an API cards say so.
      const diagram = page.locator('#diagram');
      // (The diagram's other buttons, its toolbar and the triggers, are named otherwise.)
      const named = (await diagram.getByRole('button').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('aria-label')))).filter(
        (name) => name?.startsWith('Block '),
      );
      expect(named).toHaveLength(Object.keys(flow.blocks).length);
      expect(new Set(named.map((name) => /^Block (\w+),/.exec(name ?? '')?.[1]))).toEqual(new Set(Object.keys(flow.blocks)));
      expect(named).toContain('Block load_tickets, Call an API card');
      expect(named).toContain('Block registration_outcome, Condition');
      expect(named).toContain('Block unlink, Unlink member');
      expect(named).toContain('Block welcome, Message');
      const cards = Object.entries(flow.blocks).filter(([, block]) => (block as { type: string }).type === 'callApi');
      expect(cards.length).toBeGreaterThan(1);
      expect(await diagram.locator('div.node.callApi').count()).toBe(cards.length);
      expect(await diagram.locator('div.node.trigger').count()).toBe(flow.triggers.length);
      // The verification blocks are reached from the flow's verify start (where personal cards send the unverified).
      expect(await diagram.getByText('unreachable').count()).toBe(0);

      // The links, labelled, in the drawing and as text: success, failure, a branch, otherwise, empty, a trigger.
      const labels = await diagram.locator('g.edge text').allTextContents();
      expect(labels.filter((label) => label === 'success')).toHaveLength(7); // each card but the fire-and-forget one, and the account link's onLinked
      expect(labels).toEqual(
        expect.arrayContaining(['failure', 'status 422', 'otherwise', 'empty', 'next', 'action=my_tickets', '"register", "報名"']),
      );
      expect(await links()).toEqual(
        expect.arrayContaining([
          'load_tickets → show_tickets (success)',
          'load_tickets → tickets_failed (failure)',
          'check_code → verified (success)',
          'check_code → wrong_code (status 422)',
          'unlink → unlinked (next)',
          'registration_outcome → registered (registrationStatus = "success")',
          'show_tickets → no_tickets (empty)',
          'Postback → load_tickets (action=my_tickets)',
          'Follow → welcome (start)',
        ]),
      );

      // A block no trigger leads to is marked unreachable, in the drawing and in words (the API refuses to save it).
      const withOrphan = {
        ...flow,
        blocks: { ...flow.blocks, orphan: { type: 'message', messages: [{ type: 'text', text: 'Nobody comes here.' }], next: 'welcome' } },
      };
      await editor.fill(JSON.stringify(withOrphan, null, 2));
      const orphan = diagram.getByRole('button', { name: 'Block orphan, Message, unreachable' });
      await orphan.waitFor();
      expect(await orphan.evaluate((el) => el.closest('.node')?.className ?? '')).toContain('unreachable');
      await diagram.getByText('Unreachable (no trigger leads there): orphan').waitFor();
      expect(await links()).toContain('orphan → welcome (next)');
      expect(await diagram.locator('div.node.unreachable').count()).toBe(1);

      // Half-typed JSON of any shape does not break it: links to unknown blocks are drawn, and said.
      await editor.fill(
        JSON.stringify({
          triggers: [null, 3, { type: 'keyword', keywords: 'x', start: 'a' }],
          blocks: { a: { type: 'callApi', onSuccess: 'ghost', branches: {} }, b: null },
        }),
      );
      await diagram.getByRole('button', { name: 'Block a, Call an API card' }).waitFor();
      expect(await links()).toEqual(['a → ghost (success): no block ghost', 'Keyword → a (start)']);
      await diagram.getByText('Unreachable (no trigger leads there): b').waitFor();
      await editor.fill('{ "blocks": [1, 2], "triggers": {} ');
      // Back to the demo flow, with a shorter timeout on load_tickets: version 2 to be.
      const loadTickets = flow.blocks.load_tickets as Record<string, unknown>;
      await editor.fill(
        JSON.stringify({ ...flow, blocks: { ...flow.blocks, load_tickets: { ...loadTickets, timeoutMs: 5000 } } }, null, 2),
      );
      await page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      expect(await diagram.locator('div.node.unreachable').count()).toBe(0);

      // Enter on a Call an API card opens its form.
      await diagram.getByRole('button', { name: 'Block load_tickets, Call an API card' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Card load_tickets' }).waitFor();
      expect(await page.getByLabel('On success').inputValue()).toBe('show_tickets');
      // Enter on any other block opens its own form (no JSON needed).
      await diagram.getByRole('button', { name: 'Block registration_outcome, Condition' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Condition block registration_outcome' }).waitFor();
      await page.locator('#diagram-panel').scrollIntoViewIfNeeded();
      await session.screenshot('console-diagram');
      expect(session.pageErrors).toEqual([]);
    }, 60_000);

    test('versions: publish version 2 to the LINE channel, a missing secret refused, roll back to version 1', async () => {
      // Save the flow as version 2: the panel lists it, the channels still run version 1.
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.locator('#version', { hasText: 'Version 2' }).waitFor();
      const panel = page.locator('#versions-panel');
      await panel.getByRole('rowheader', { name: 'Version 2 (in the editor)' }).waitFor();
      expect(await panel.locator('tbody tr').count()).toBe(2);
      const row1 = panel.getByRole('row', { name: /^Version 1 / });
      expect(await row1.getByRole('cell').nth(1).textContent()).toBe(
        `LINE ${stack.demo.lineChannelId}, Messenger ${stack.demo.messengerPageId}`,
      );
      expect(await running()).toEqual({ [line()]: 1, [messenger()]: 1 });

      // Publish version 2 on the LINE channel only: the answer says what ran there before.
      expect(await panel.getByLabel('Version to publish').inputValue()).toBe('2');
      const lineBox = panel.getByRole('checkbox', { name: new RegExp(`^LINE ${stack.demo.lineChannelId} .*: runs version 1$`) });
      await lineBox.check();
      await panel.getByRole('button', { name: 'Publish', exact: true }).click();
      const outcome = page.locator('#versions-outcome');
      await outcome.getByText(`LINE ${stack.demo.lineChannelId}: version 1 → version 2`).waitFor();
      expect(await outcome.locator('li').allTextContents()).toEqual([`LINE ${stack.demo.lineChannelId}: version 1 → version 2`]);
      expect(await running()).toEqual({ [line()]: 2, [messenger()]: 1 });
      expect(
        await panel
          .getByRole('row', { name: /^Version 2 / })
          .getByRole('cell')
          .nth(1)
          .textContent(),
      ).toBe(`LINE ${stack.demo.lineChannelId}`);

      // Opened afresh (the card form closed), the panel shows the same; version 3 names a secret the
      // workspace does not have: publishing it is refused, plainly, and nothing moves.
      await page.reload();
      await panel
        .getByRole('row', { name: /^Version 2 / })
        .getByRole('cell', { name: `LINE ${stack.demo.lineChannelId}` })
        .waitFor();
      const editor = page.getByLabel('Flow JSON');
      const v2 = JSON.parse(await editor.inputValue()) as {
        blocks: { load_tickets: { timeoutMs: number; request: Record<string, unknown> } };
      };
      expect(v2.blocks.load_tickets.timeoutMs).toBe(5000);
      const v3 = {
        ...v2,
        blocks: {
          ...v2.blocks,
          load_tickets: {
            ...v2.blocks.load_tickets,
            request: { ...v2.blocks.load_tickets.request, headers: { Authorization: 'Bearer {{ secrets.NOT_SET_YET }}' } },
          },
        },
      };
      await editor.fill(JSON.stringify(v3, null, 2));
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.locator('#version', { hasText: 'Version 3' }).waitFor();
      await panel.getByRole('rowheader', { name: 'Version 3 (in the editor)' }).waitFor();
      await panel.getByRole('checkbox', { name: new RegExp(`^LINE ${stack.demo.lineChannelId} `) }).check();
      await panel.getByRole('button', { name: 'Publish', exact: true }).click();
      const alert = page.locator('#versions-alert');
      await alert.getByText(/^409: the flow uses secrets this workspace does not have/).waitFor();
      expect(await alert.locator('li').first().textContent()).toMatch(/NOT_SET_YET/);
      expect(await running()).toEqual({ [line()]: 2, [messenger()]: 1 });

      // Roll back the LINE channel to version 1: the confirmation says what runs now and what will.
      const dialogs: string[] = [];
      page.once('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.accept();
      });
      await panel
        .getByRole('row', { name: /^Version 1 / })
        .getByRole('button', { name: 'Roll back to version 1' })
        .click();
      await outcome.getByText(`LINE ${stack.demo.lineChannelId}: version 2 → version 1`).waitFor();
      expect(dialogs).toEqual([`Roll back?\nLINE ${stack.demo.lineChannelId} runs version 2 now; it will run version 1.`]);
      expect(await running()).toEqual({ [line()]: 1, [messenger()]: 1 });
      expect(await panel.getByRole('button', { name: /^Roll back/ }).count()).toBe(0);

      // Unpublish from Messenger, confirmed: it no longer runs the flow.
      page.once('dialog', (dialog) => void dialog.accept());
      await panel.getByRole('checkbox', { name: new RegExp(`^Messenger ${stack.demo.messengerPageId} `) }).check();
      await panel.getByRole('button', { name: 'Unpublish from the chosen channels' }).click();
      await outcome.getByText(`Messenger ${stack.demo.messengerPageId}: version 1 → not running`).waitFor();
      expect(await running()).toEqual({ [line()]: 1, [messenger()]: undefined });

      // An earlier version opened in the editor: its document, to save as a new version.
      await panel.getByRole('button', { name: 'Open version 1 in the editor' }).click();
      await page.getByText('Version 1 is in the editor: save to make it the latest version.').waitFor();
      const v1 = JSON.parse(await editor.inputValue()) as { blocks: Record<string, unknown> };
      expect(v1.blocks.load_tickets).toMatchObject({ type: 'callApi', timeoutMs: 10_000 });
      expect(JSON.stringify(v1)).not.toContain('NOT_SET_YET');
      await panel.scrollIntoViewIfNeeded();
      await session.screenshot('console-versions');

      // Unsaved changes and the editor's version chosen: publishing saves them first, as version 4.
      // An earlier version chosen is published as it was saved.
      const publishButton = panel.locator('#publish-submit');
      await expect(publishButton.textContent()).resolves.toBe('Save and publish');
      await panel.getByLabel('Version to publish').selectOption('2');
      await expect(publishButton.textContent()).resolves.toBe('Publish');
      await panel.getByLabel('Version to publish').selectOption('3');
      await panel.getByRole('checkbox', { name: new RegExp(`^LINE ${stack.demo.lineChannelId} `) }).check();
      await panel.getByRole('button', { name: 'Save and publish', exact: true }).click();
      await outcome.getByText(`LINE ${stack.demo.lineChannelId}: version 1 → version 4`).waitFor();
      await page.locator('#version', { hasText: 'Version 4' }).waitFor();
      await panel.getByRole('rowheader', { name: 'Version 4 (in the editor)' }).waitFor();
      await expect(publishButton.textContent()).resolves.toBe('Publish');
      expect(await running()).toEqual({ [line()]: 4, [messenger()]: undefined });
      expect(session.pageErrors).toEqual([]);
    }, 60_000);
  });
}

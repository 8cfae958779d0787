import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, untilTrue, type ConsoleSession } from '../support/browser';
import { consoleEditor, type ConsoleEditor, type Flow, type Json } from '../support/consoleEditor';

// Issue 18, "the whole bot in the console": every block type in the REAL console's editor (not a
// harness page), on a new blank flow each: created from the diagram's Add block, one field edited
// through its form, an outlet linked by the form's select, the keyword trigger's start dragged onto
// its block in the diagram (and, for a question and a condition, an outlet linked through the
// diagram's Link… panel, by keyboard for the question; for a card, its failure handle dragged onto a
// block), renamed from the diagram (every reference follows), deleted (its links go), undone with
// Ctrl+Z, redone with Ctrl+Y, undone again with the Undo button, then saved. The saved flow, read
// through the admin API, is exactly what a hand-written flow would be: no default the admin did not set.

interface BlockCase {
  type: string;
  /** The type's name in the diagram's Add block menu and on its node. */
  typeName: string;
  /** The id a new block of the type gets, and the heading of its form. */
  id: string;
  heading: string;
  /** The block as created: the smallest one a hand-written flow would have. */
  created: Json;
  renamed: string;
  /** The other block, added first: the one the block under test links to (for an end, a message linking to it). */
  other: { typeName: string; id: string };
  /** Which block the keyword trigger starts at. */
  start: 'self' | 'other';
  /** Through the forms: a field of the block edited and an outlet linked by its select. */
  edit(e: ConsoleEditor, id: string): Promise<void>;
  /** More links made in the diagram itself. */
  linkInDiagram?(e: ConsoleEditor, id: string): Promise<void>;
  /** The whole flow as an admin would write it by hand, the block named `id` (undefined: deleted, and every link to it gone). */
  flow(id?: string): Flow;
}

const END: Json = { type: 'end' };

/** A flow with one keyword trigger, "go", starting at `start` (none: unlinked). */
const flowOf = (name: string, start: string | undefined, blocks: Record<string, Json>): Flow => ({
  schemaVersion: 1,
  name,
  triggers: [{ type: 'keyword', keywords: ['go'], ...(start !== undefined ? { start } : {}) }],
  blocks,
});
/** `{ [id]: block }`, or nothing when the block is deleted. */
const named = (id: string | undefined, block: Json): Record<string, Json> => (id === undefined ? {} : { [id]: block });

const CASES: BlockCase[] = [
  {
    type: 'message',
    typeName: 'Message',
    id: 'message',
    heading: 'Message block message',
    created: { type: 'message', messages: [{ type: 'text', text: 'New message' }] },
    renamed: 'welcome',
    other: { typeName: 'End', id: 'end' },
    start: 'self',
    async edit(e) {
      await e.form('Message 1 text').fill('Welcome to Formosa Travel!');
      await e.form('Next').selectOption('end');
    },
    flow: (id) =>
      flowOf('Message block', id, {
        end: END,
        ...named(id, { type: 'message', messages: [{ type: 'text', text: 'Welcome to Formosa Travel!' }], next: 'end' }),
      }),
  },
  {
    type: 'question',
    typeName: 'Question',
    id: 'question',
    heading: 'Question block question',
    created: { type: 'question', prompt: 'Your answer?', input: { type: 'text' }, saveAs: 'answer' },
    renamed: 'ask_name',
    other: { typeName: 'End', id: 'end' },
    start: 'self',
    async edit(e) {
      await e.form('Prompt').fill('What is your name?');
      await e.form('Save the answer as attribute').fill('name');
      await e.form('Next').selectOption('end');
    },
    // By keyboard alone: Enter on its node selects it, Tab past Rename and Delete to Link…, Enter opens
    // its panel on the first outlet's select, Tab to the second (On give-up), an arrow key picks the end.
    async linkInDiagram(e, id) {
      const { page } = e;
      const focused = () =>
        page.evaluate(
          `(() => { const a = document.activeElement; return a?.getAttribute('aria-label') || document.querySelector('label[for="' + a?.id + '"]')?.textContent || ''; })()`,
        );
      await e.diagram.getByRole('button', { name: new RegExp(`^Block ${id}, `) }).focus();
      await page.keyboard.press('Enter');
      await e.diagram.getByRole('button', { name: new RegExp(`^Block ${id}, `), pressed: true }).waitFor();
      for (const name of [`Rename block ${id}`, `Delete block ${id}`, `Links of ${id}`]) {
        await page.keyboard.press('Tab');
        expect(await focused()).toBe(name);
      }
      await page.keyboard.press('Enter');
      expect(await focused()).toBe('Next');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('On give-up');
      await page.keyboard.press('ArrowDown');
      await untilTrue(page, `JSON.parse(document.getElementById('flow-json').value).blocks.${id}.onGiveUp === 'end'`);
      await page.keyboard.press('Escape');
    },
    flow: (id) =>
      flowOf('Question block', id, {
        end: END,
        ...named(id, {
          type: 'question',
          prompt: 'What is your name?',
          input: { type: 'text' },
          saveAs: 'name',
          next: 'end',
          onGiveUp: 'end',
        }),
      }),
  },
  {
    type: 'callApi',
    typeName: 'Call an API card',
    id: 'call_api',
    heading: 'Card call_api',
    created: { type: 'callApi', request: { url: 'https://' } },
    renamed: 'load_orders',
    other: { typeName: 'End', id: 'end' },
    start: 'self',
    async edit(e) {
      await e.form('URL').fill('https://brand.example/orders');
      await e.form('On success').selectOption('end');
    },
    // The failure handle dragged onto the end block.
    async linkInDiagram(e, id) {
      await e.drag(e.handle(id, 'onFailure'), e.node('end'));
    },
    flow: (id) =>
      flowOf('Card block', id, {
        end: END,
        ...named(id, { type: 'callApi', request: { url: 'https://brand.example/orders' }, onSuccess: 'end', onFailure: 'end' }),
      }),
  },
  {
    type: 'condition',
    typeName: 'Condition',
    id: 'condition',
    heading: 'Condition block condition',
    created: { type: 'condition', branches: [{ when: { op: 'exists', attribute: 'answer' } }] },
    renamed: 'check_member',
    other: { typeName: 'End', id: 'end' },
    start: 'self',
    async edit(e) {
      await e.form('Branch 1 attribute').fill('memberId');
      await e.form('Then go to (Branch 1)').selectOption('end');
    },
    // Otherwise, through the node's Link… panel.
    async linkInDiagram(e, id) {
      await e.select(new RegExp(`^Block ${id}, `));
      await e.diagram.getByRole('button', { name: `Links of ${id}`, exact: true }).click();
      await e.diagram.getByLabel('Otherwise', { exact: true }).selectOption('end');
      await e.diagram.getByRole('button', { name: 'Close', exact: true }).click();
    },
    flow: (id) =>
      flowOf('Condition block', id, {
        end: END,
        ...named(id, { type: 'condition', branches: [{ when: { op: 'exists', attribute: 'memberId' }, next: 'end' }], otherwise: 'end' }),
      }),
  },
  {
    type: 'setAttributes',
    typeName: 'Set attributes',
    id: 'set_attributes',
    heading: 'Set attributes block set_attributes',
    created: { type: 'setAttributes', set: {} },
    renamed: 'remember_tier',
    other: { typeName: 'End', id: 'end' },
    start: 'self',
    async edit(e) {
      await e.inspector.getByRole('button', { name: 'Add an attribute', exact: true }).click();
      await e.form('Attribute 1 name').fill('tier');
      await e.form('Attribute 1 value').fill('gold');
      await e.form('Next').selectOption('end');
    },
    flow: (id) =>
      flowOf('Set attributes block', id, { end: END, ...named(id, { type: 'setAttributes', set: { tier: 'gold' }, next: 'end' }) }),
  },
  {
    type: 'unbind',
    typeName: 'Unlink member',
    id: 'unlink',
    heading: 'Unlink block unlink',
    created: { type: 'unbind' },
    renamed: 'sign_out',
    other: { typeName: 'End', id: 'end' },
    start: 'self',
    // Nothing to edit but where it goes next: its form says what it does.
    async edit(e) {
      await e.inspector.getByText("Removes the customer's verified binding").waitFor();
      await e.form('Next').selectOption('end');
    },
    flow: (id) => flowOf('Unlink block', id, { end: END, ...named(id, { type: 'unbind', next: 'end' }) }),
  },
  {
    type: 'end',
    typeName: 'End',
    id: 'end',
    heading: 'End block end',
    created: END,
    renamed: 'bye',
    other: { typeName: 'Message', id: 'message' },
    start: 'other',
    // An end has nothing to edit: its form says what it does. The message before it links to it by its Next.
    async edit(e, id) {
      await e.inspector.getByText('The conversation ends here').waitFor();
      expect(await e.inspector.locator('#block-form').locator('input, select, textarea').count()).toBe(0);
      await e.select(/^Block message, Message/);
      await e.inspector.getByRole('heading', { name: 'Message block message' }).waitFor();
      await e.form('Message 1 text').fill('See you soon!');
      await e.form('Next').selectOption(id);
    },
    flow: (id) =>
      flowOf('End block', 'message', {
        message: { type: 'message', messages: [{ type: 'text', text: 'See you soon!' }], ...(id !== undefined ? { next: id } : {}) },
        ...named(id, END),
      }),
  },
];

if (!HAVE_CHROMIUM) {
  skipBrowserTests('every block type in the console editor');
} else {
  describe('the console editor: every block type on a new flow, saved as written by hand', () => {
    let session: ConsoleSession;
    let page: Page;
    let e: ConsoleEditor;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
      // A missing control fails its step in seconds, not at the test's timeout.
      page.setDefaultTimeout(10_000);
      // Leaving a flow that a failed test left unsaved: the next test starts anyway.
      page.on('dialog', (dialog) => void dialog.accept());
      e = consoleEditor(session);
      await session.signIn();
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    afterEach(() => {
      expect(session.pageErrors).toEqual([]);
    });

    for (const c of CASES) {
      test(`${c.type}: created from the diagram, edited and linked, renamed, deleted, undone, redone; saved as written by hand`, async () => {
        const flowId = `block-${c.type.toLowerCase()}`;
        await e.newFlow(flowId, c.flow().name);
        expect(await e.doc()).toEqual({ schemaVersion: 1, name: c.flow().name, triggers: [], blocks: {} });

        // Created from the diagram: the other block first, then the block under test, selected and its form open.
        await e.addBlock(c.other.typeName);
        await e.addBlock(c.typeName);
        await e.diagram.getByRole('button', { name: new RegExp(`^Block ${c.id}, ${c.typeName}, unreachable`), pressed: true }).waitFor();
        await e.inspector.getByRole('heading', { name: c.heading, exact: true }).waitFor();
        expect((await e.doc()).blocks[c.id]).toEqual(c.created);

        // Edited and linked through its form; a keyword trigger whose start is dragged onto its block in the diagram.
        await c.edit(e, c.id);
        await e.outline.getByRole('button', { name: 'Add a keyword trigger', exact: true }).click();
        await e.form('New keyword').fill('go');
        await e.form('New keyword').press('Enter');
        await e.form('Keyword 1').waitFor();
        const start = c.start === 'self' ? c.id : c.other.id;
        await e.drag(e.handle('t:0', 'start'), e.node(start));
        await c.linkInDiagram?.(e, c.id);
        expect(await e.doc()).toEqual(c.flow(c.id));
        expect(await e.links()).toContain(`Keyword → ${start} ("go")`);
        expect(await e.checked()).toBe('No problems.');

        // Renamed from the diagram: every link to it follows, and those from it stay.
        await e.rename(c.id, c.renamed);
        expect(await e.doc()).toEqual(c.flow(c.renamed));
        await e.diagram.getByRole('button', { name: new RegExp(`^Block ${c.renamed}, ${c.typeName}$`), pressed: true }).waitFor();
        expect(await e.node(c.id).count()).toBe(0);
        // No link names the old id any more (a link reads `from → to (label)`).
        expect((await e.links()).filter((link) => link.split(/ → | \(/).includes(c.id))).toEqual([]);

        // Deleted: its links go with it; Ctrl+Z brings both back, Ctrl+Y deletes again, the Undo button brings back.
        await e.remove(c.renamed);
        const deleted = c.flow(undefined);
        expect(await e.doc()).toEqual(deleted);
        expect((await e.links()).filter((link) => link.includes(c.renamed))).toEqual([]);
        await e.key('Control+z');
        expect(await e.doc()).toEqual(c.flow(c.renamed));
        await e.node(c.renamed).waitFor();
        await e.key('Control+y');
        expect(await e.doc()).toEqual(deleted);
        await e.node(c.renamed).waitFor({ state: 'detached' });
        await e.diagram.getByRole('button', { name: 'Undo', exact: true }).click();
        expect(await e.doc()).toEqual(c.flow(c.renamed));
        expect(await e.links()).toContain(`Keyword → ${c.start === 'self' ? c.renamed : c.other.id} ("go")`);

        // Saved: the admin API holds exactly the hand-written flow.
        expect(await e.checked()).toBe('No problems.');
        const saved = await e.saveAndFetch(flowId);
        expect(saved.version).toBe(1);
        expect(saved.flow).toEqual(c.flow(c.renamed));
        await session.screenshot(`editor-block-${c.type}`);
      }, 120_000);
    }

    // The editor draws the diagram and the open form again when the API's check of the last edit
    // answers (problems are marked on the nodes and under the fields): a drag begun in the diagram
    // before that answer goes on across the new drawing, and the page does not jump back to the form
    // field that kept the focus. (The diagram's harness page has no check: only the real editor shows this.)
    test("a link dragged while the API checks the last edit is made once the check's answer has drawn the diagram again", async () => {
      const flowId = 'block-drag-through-check';
      await e.newFlow(flowId, 'Drag through a check');
      await e.addBlock('End');
      await e.outline.getByRole('button', { name: 'Add a keyword trigger', exact: true }).click();
      await e.form('New keyword').fill('go');
      await e.form('New keyword').press('Enter');
      await e.checked();

      // The next check is held until the drag has begun.
      const held = await e.holdNextCheck();
      await e.form('Keyword 1').fill('go on');
      await held.asked;

      // The trigger's start handle pressed and moved (the focus stays in the keyword's field): the drag is drawn.
      await page.locator('#diagram-viewport').scrollIntoViewIfNeeded();
      const scrolled = (await page.evaluate('window.scrollY')) as number;
      const handle = await e.handle('t:0', 'start').elementHandle();
      const from = await handle?.boundingBox();
      if (!handle || !from) throw new Error('no start handle');
      await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await page.mouse.down();
      await page.mouse.move(from.x + from.width / 2 + 30, from.y + 40, { steps: 4 });
      expect(await e.diagram.locator('path.diagram-drag').getAttribute('d')).not.toBe('');

      // The check answers: the diagram is drawn again under the pointer.
      await held.release();
      await e.checked();
      expect(await handle.evaluate((element) => element.isConnected)).toBe(false);
      expect(await page.evaluate('document.activeElement.id')).toBe('trigger-keyword-0');
      expect(await page.evaluate('window.scrollY')).toBe(scrolled);

      // Dropped on the end block: linked.
      const to = await e.node('end').boundingBox();
      if (!to) throw new Error('no end block');
      await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 6 });
      await page.mouse.up();
      expect((await e.doc()).triggers).toEqual([{ type: 'keyword', keywords: ['go on'], start: 'end' }]);
      expect(await e.links()).toEqual(['Keyword → end ("go on")']);
      expect(await e.diagram.locator('path.diagram-drag').getAttribute('d')).toBe('');
      const saved = await e.saveAndFetch(flowId);
      expect(saved.flow).toEqual({
        schemaVersion: 1,
        name: 'Drag through a check',
        triggers: [{ type: 'keyword', keywords: ['go on'], start: 'end' }],
        blocks: { end: END },
      });
    }, 60_000);

    test("the diagram panned while the API checks the last edit goes on panning once the check's answer has drawn it again", async () => {
      await e.newFlow('block-pan-through-check', 'Pan through a check');
      const held = await e.holdNextCheck();
      // A chain of ten messages, typed as JSON: taller than the diagram's view.
      const blocks = Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [
          `m${i}`,
          { type: 'message', messages: [{ type: 'text', text: `Step ${i}` }], ...(i < 9 ? { next: `m${i + 1}` } : {}) },
        ]),
      );
      await page
        .locator('#flow-json')
        .fill(
          JSON.stringify(
            { schemaVersion: 1, name: 'Pan through a check', triggers: [{ type: 'keyword', keywords: ['go'], start: 'm0' }], blocks },
            null,
            2,
          ),
        );
      await e.node('m9').waitFor();
      await held.asked;

      const viewport = page.locator('#diagram-viewport');
      await viewport.scrollIntoViewIfNeeded();
      await viewport.evaluate((element) => element.scrollTo(0, 0));
      const scrollTop = () => page.locator('#diagram-viewport').evaluate((element) => element.scrollTop);
      // A point of the background (no node there): pressed, and moved up 60 px.
      const at = (await page.evaluate(`(() => {
        const box = document.getElementById('diagram-viewport').getBoundingClientRect();
        for (let y = box.top + 10; y < box.bottom - 130; y += 10)
          for (let x = box.left + 10; x < box.right - 10; x += 10) if (!document.elementFromPoint(x, y)?.closest('.node, .diagram-menu')) return { x, y };
        return null;
      })()`)) as { x: number; y: number } | null;
      if (!at) throw new Error('no background to press');
      await page.mouse.move(at.x, at.y);
      await page.mouse.down();
      await page.mouse.move(at.x, at.y - 60, { steps: 4 });
      expect(await scrollTop()).toBe(60);

      // The check answers (the diagram drawn again), and the pan goes on: 60 px more.
      const before = await viewport.elementHandle();
      await held.release();
      await e.checked();
      expect(await before?.evaluate((element) => element.isConnected)).toBe(false);
      await page.mouse.move(at.x, at.y - 120, { steps: 4 });
      await page.mouse.up();
      expect(await scrollTop()).toBe(120);
    }, 60_000);
  });
}

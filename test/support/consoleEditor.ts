import type { Locator } from 'playwright-core';
import type { ConsoleSession } from './browser';

// Driving the real console's flow editor (console/src/main.ts, its work area console/src/workbench.ts)
// the way an admin does: a new blank flow from the flow list, blocks added from the diagram, fields
// filled in the form of what is selected, links made in the forms and in the diagram, and the flow's
// JSON, its problems and its saved version read back. Used by test/browser/editorBlocks.test.ts and
// editorTriggers.test.ts. Every wait is on something the page shows, never on time.

export type Json = Record<string, unknown>;
export type Flow = { schemaVersion: number; name: string; triggers: Json[]; blocks: Record<string, Json> } & Json;

export function consoleEditor(session: ConsoleSession) {
  const { page } = session;
  const diagram = page.locator('#diagram');
  const inspector = page.locator('#inspector');
  const outline = page.locator('#flow-outline');

  /** A node of the diagram: a block by id, or a trigger by `t:<index>`. */
  const node = (key: string): Locator => diagram.locator(key.startsWith('t:') ? `.node[data-node="${key}"]` : `.node[data-block="${key}"]`);

  const editor = {
    page,
    diagram,
    inspector,
    outline,
    node,
    /** A field of the open form (the selected block or trigger), by its accessible name. */
    form: (label: string | RegExp): Locator => inspector.getByLabel(label, { exact: typeof label === 'string' }),
    /** A button anywhere on the page, by its accessible name. */
    button: (name: string | RegExp): Locator => page.getByRole('button', { name, exact: typeof name === 'string' }),
    /** An outlet's handle at the bottom of a node (`next`, `onGiveUp`, `branches.0.next`, a trigger's `start`). */
    handle: (key: string, outlet: string): Locator => node(key).locator(`.handle[data-outlet="${outlet}"]`),
    /** The diagram's links as text (`go → welcome (start)`), its text alternative. */
    links: (): Promise<string[]> => diagram.locator('.diagram-links li').allTextContents(),

    /** The flow as the editor holds it (its JSON box follows every edit at once). */
    async doc(): Promise<Flow> {
      return JSON.parse(await page.locator('#flow-json').inputValue()) as Flow;
    },

    /** The API has checked the flow as it is now (every edit starts a new check): `No problems.` or its problems. */
    async checked(): Promise<string> {
      const summary = page.locator('#problem-summary.ok, #problem-summary.error');
      await summary.waitFor();
      return summary.innerText();
    },

    /**
     * Hold the API's next check of the flow (POST /admin/flows/validate) until `release`: what the
     * editor does while a check is under way, then when it answers, can be seen in between.
     */
    async holdNextCheck(): Promise<{ asked: Promise<void>; release(): Promise<void> }> {
      const held: Array<() => Promise<void>> = [];
      let asked: () => void = () => undefined;
      const wasAsked = new Promise<void>((resolve) => (asked = resolve));
      const pattern = '**/admin/flows/validate';
      await page.route(pattern, (route) => {
        held.push(() => route.continue());
        asked();
      });
      return {
        asked: wasAsked,
        async release() {
          await Promise.all(held.map((go) => go()));
          await page.unroute(pattern);
        },
      };
    },

    /** From the flow list: New flow, blank, under `flowId`, open in the editor (not saved yet). */
    async newFlow(flowId: string, name: string): Promise<void> {
      await page.goto(`${session.stack.url}/console`);
      await editor.button('New flow').click();
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Flow id', { exact: true }).fill(flowId);
      await page.getByRole('radio', { name: 'Blank' }).check();
      await editor.button('Open in the editor').click();
      await page.waitForURL(new RegExp(`#/flows/${flowId}$`));
      await diagram.getByRole('button', { name: /Add block/ }).waitFor();
      await page.locator('#view-heading', { hasText: name }).waitFor();
    },

    /** The diagram's Add block ▾, then a type (`Message`, `Call an API card`): the block is created, selected and its form opened. */
    async addBlock(typeName: string): Promise<void> {
      await diagram.getByRole('button', { name: /Add block/ }).click();
      await page.locator('#diagram-add-menu').getByRole('button', { name: typeName, exact: true }).click();
    },

    /** Select a node with a click (its form opens beside the diagram). */
    async select(name: string | RegExp): Promise<void> {
      await diagram.getByRole('button', { name, exact: typeof name === 'string' }).click();
    },

    /**
     * Drag from the centre of `from` to the centre of `to`, in small steps as a hand would. Only once
     * the API has checked the last edit: its answer draws the diagram again, which would end a drag
     * in progress.
     */
    async drag(from: Locator, to: Locator): Promise<void> {
      await editor.checked();
      await page.locator('#diagram-viewport').scrollIntoViewIfNeeded();
      const a = await from.boundingBox();
      const b = await to.boundingBox();
      if (!a || !b) throw new Error('nothing to drag');
      await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
      await page.mouse.down();
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
      await page.mouse.up();
    },

    /** Rename a block from the diagram: select its node, Rename, type the new id, Enter. */
    async rename(from: string, to: string): Promise<void> {
      await diagram.getByRole('button', { name: new RegExp(`^Block ${from}, `) }).click();
      await editor.button(`Rename block ${from}`).click();
      const field = page.getByLabel(`New id for block ${from}`, { exact: true });
      await field.fill(to);
      await field.press('Enter');
      await page.locator('#editor-status', { hasText: `Renamed ${from} to ${to}` }).waitFor();
    },

    /** Delete a block from the diagram: select its node, Delete. */
    async remove(id: string): Promise<void> {
      await diagram.getByRole('button', { name: new RegExp(`^Block ${id}, `) }).click();
      await editor.button(`Delete block ${id}`).click();
      await node(id).waitFor({ state: 'detached' });
    },

    /** Ctrl+Z or Ctrl+Y on the page (never in a text field, which keeps its own undo), and the editor said so. */
    async key(combo: 'Control+z' | 'Control+y'): Promise<void> {
      const inText = (await page.evaluate('document.activeElement?.tagName ?? ""')) as string;
      if (inText === 'INPUT' || inText === 'TEXTAREA') throw new Error(`${combo} pressed in a text field`);
      await page.keyboard.press(combo);
      await page.locator('#editor-status', { hasText: combo === 'Control+z' ? 'Undone.' : 'Redone.' }).waitFor();
    },

    /** Save (the first save creates the flow) and read the saved version back through the admin API. */
    async saveAndFetch(flowId: string): Promise<{ version: number; flow: Flow }> {
      await editor.button('Save').click();
      await page.locator('#editor-status', { hasText: 'Saved version 1.' }).waitFor();
      const response = await fetch(`${session.stack.url}/admin/flows/${flowId}`, { headers: session.adminHeaders() });
      if (response.status !== 200) throw new Error(`GET /admin/flows/${flowId}: ${response.status}`);
      return (await response.json()) as { version: number; flow: Flow };
    },
  };
  return editor;
}

export type ConsoleEditor = ReturnType<typeof consoleEditor>;

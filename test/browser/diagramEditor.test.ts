import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, HAVE_CHROMIUM, skipBrowserTests, untilTrue } from '../support/browser';

// The flow editor's diagram (console/src/diagram.ts) as an editor, in a real browser: mounted alone
// in a page built from test/browser/harness/diagram.entry.js, whose edit actions are the editor's
// (console/src/flowEdit.ts for the flow, console/src/history.ts for undo, the diagram drawn again
// after each change). No local stack is needed: the page is served by the test through the browser's
// routing. Blocks of every type are added, outlets linked by dragging onto a block and onto empty
// canvas, a block renamed (every reference follows) and deleted (its links with it), undone and redone;
// zoom and fit; the same by keyboard alone; and a flow of 60 blocks laid out without overlaps.

type Json = Record<string, unknown>;

const ROOT = path.join(__dirname, '..', '..');
const ORIGIN = 'http://diagram.harness.test';

function harnessFiles(): { html: string; js: string; css: string } {
  const built = buildSync({
    entryPoints: [path.join(__dirname, 'harness', 'diagram.entry.js')],
    bundle: true,
    format: 'esm',
    write: false,
    target: 'chrome109',
    logLevel: 'warning',
  });
  const js = built.outputFiles[0]?.text ?? '';
  const css = readFileSync(path.join(ROOT, 'console', 'console.css'), 'utf8');
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>diagram</title><link rel="stylesheet" href="/console.css"><script type="module" src="/diagram.js"></script></head>' +
    '<body><main class="wide"><section class="card diagram" aria-label="Diagram"><div id="root"></div></section><p><button type="button" id="after">After the diagram</button></p></main></body></html>';
  return { html, js, css };
}

/** A small flow: a keyword trigger, a question, a card with success and failure, a message, an end. */
const small = (): Json => ({
  schemaVersion: 1,
  name: 'Diagram',
  triggers: [{ type: 'keyword', keywords: ['order'], start: 'ask' }],
  blocks: {
    ask: { type: 'question', prompt: 'Order number?', input: { type: 'text' }, saveAs: 'order', next: 'load' },
    load: { type: 'callApi', request: { url: 'https://brand.example/orders' }, onSuccess: 'done', onFailure: 'sorry' },
    done: { type: 'message', messages: [{ type: 'text', text: 'Here it is.' }], next: 'bye' },
    sorry: { type: 'message', messages: [{ type: 'text', text: 'Sorry.' }] },
    bye: { type: 'end' },
  },
});

/** A flow of `sections` × 6 blocks (plus `extra`): question, card with routes, condition, messages, set attributes, in a chain with links back. */
function large(sections: number): Json {
  const blocks: Json = {};
  for (let s = 0; s < sections; s++) {
    const next = s + 1 < sections ? `ask_${s + 1}` : 'bye';
    blocks[`ask_${s}`] = {
      type: 'question',
      prompt: `Question ${s}?`,
      input: { type: 'text' },
      saveAs: `answer_${s}`,
      next: `load_${s}`,
      onGiveUp: 'sorry',
    };
    blocks[`load_${s}`] = {
      type: 'callApi',
      request: { url: `https://brand.example/step/${s}` },
      onSuccess: `check_${s}`,
      onFailure: 'sorry',
      onStatus: { '404': `not_found_${s}` },
    };
    blocks[`check_${s}`] = {
      type: 'condition',
      branches: [
        { when: { op: 'equals', attribute: `answer_${s}`, value: 'yes' }, next: `yes_${s}` },
        { when: { op: 'exists', attribute: `answer_${s}` }, next: `mark_${s}` },
      ],
      otherwise: next,
    };
    blocks[`yes_${s}`] = { type: 'message', messages: [{ type: 'text', text: 'Yes!' }], next: `mark_${s}` };
    blocks[`not_found_${s}`] = { type: 'message', messages: [{ type: 'text', text: 'Not found.' }], next: `ask_${s}` };
    blocks[`mark_${s}`] = { type: 'setAttributes', set: { [`seen_${s}`]: 'yes' }, next };
  }
  blocks.sorry = { type: 'message', messages: [{ type: 'text', text: 'Sorry.' }], next: 'bye' };
  blocks.bye = { type: 'end' };
  return {
    schemaVersion: 1,
    name: 'Large',
    triggers: [
      { type: 'keyword', keywords: ['start'], start: 'ask_0' },
      { type: 'postback', action: 'middle', start: `ask_${Math.floor(sections / 2)}` },
    ],
    blocks,
  };
}

/** Whether two rectangles overlap (touching edges do not). */
const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the diagram editor');
} else {
  describe('the diagram editor', () => {
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      page = await browser.newPage({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(8_000);
      page.on('pageerror', (error) => pageErrors.push(error.message));
      mkdirSync(ARTIFACTS, { recursive: true });
      const files = harnessFiles();
      await page.route(`${ORIGIN}/**`, (route) => {
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
      await browser?.close();
    });

    afterEach(() => {
      expect(pageErrors).toEqual([]);
    });

    const mount = async (flow: Json, extra: Json = {}) => {
      await page.goto(`${ORIGIN}/index.html`);
      await page.locator('body[data-ready="true"]').waitFor();
      await page.evaluate(`harness.mount(${JSON.stringify({ flow, ...extra })})`);
    };
    const flow = async () => (await page.evaluate('harness.flow()')) as { blocks: Record<string, Json>; triggers: Json[] } & Json;
    const button = (name: string | RegExp): Locator => page.getByRole('button', { name, exact: typeof name === 'string' });
    const node = (id: string) => page.locator(`.node[data-block="${id}"]`);
    const handle = (id: string, outlet: string) => node(id).locator(`.handle[data-outlet="${outlet}"]`);
    const links = () => page.locator('.diagram-links li').allTextContents();
    /** The focused control's name: its aria-label, else its text without the glyphs hidden from assistive technology. */
    const focusedName = (): Promise<string> =>
      page.evaluate(`(() => {
        const e = document.activeElement;
        if (!e) return '';
        if (e.getAttribute('aria-label')) return e.getAttribute('aria-label');
        const copy = e.cloneNode(true);
        copy.querySelectorAll('[aria-hidden="true"]').forEach((hidden) => hidden.remove());
        return copy.textContent.replace(/\\s+/g, ' ').trim();
      })()`);
    /** Drag from the centre of `from` to a point (or the centre of a locator), in small steps as a hand would. */
    const drag = async (from: Locator, to: Locator | { x: number; y: number }) => {
      const a = await from.boundingBox();
      const b = 'boundingBox' in to ? await to.boundingBox() : { ...to, width: 0, height: 0 };
      if (!a || !b) throw new Error('nothing to drag');
      await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
      await page.mouse.down();
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
      await page.mouse.up();
    };

    test('each block type added from the toolbar, as small as a hand-written block; undo and redo', async () => {
      await mount(small());
      expect(await button('Undo').isDisabled()).toBe(true);
      const types: Array<[string, string, Json]> = [
        ['Message', 'message', { type: 'message', messages: [{ type: 'text', text: 'New message' }] }],
        ['Question', 'question', { type: 'question', prompt: 'Your answer?', input: { type: 'text' }, saveAs: 'answer' }],
        ['Condition', 'condition', { type: 'condition', branches: [{ when: { op: 'exists', attribute: 'order' } }] }],
        ['Call an API card', 'call_api', { type: 'callApi', request: { url: 'https://' } }],
        ['Set attributes', 'set_attributes', { type: 'setAttributes', set: {} }],
        ['End', 'end', { type: 'end' }],
      ];
      for (const [name, id, block] of types) {
        await button(/Add block/).click();
        expect(await button(/Add block/).getAttribute('aria-expanded')).toBe('true');
        await page
          .locator('#diagram-add-menu')
          .getByRole('button', { name: new RegExp(`${name}$`) })
          .click();
        expect((await flow()).blocks[id]).toEqual(block);
        // The new block is drawn, selected, and marked unreachable until something links to it.
        await page.getByRole('button', { name: `Block ${id}, ${name}, unreachable`, pressed: true }).waitFor();
        expect(await page.locator('#diagram-add-menu').isHidden()).toBe(true);
      }
      expect(Object.keys((await flow()).blocks)).toEqual([
        'ask',
        'load',
        'done',
        'sorry',
        'bye',
        'message',
        'question',
        'condition',
        'call_api',
        'set_attributes',
        'end',
      ]);
      await page.getByText('Unreachable (no trigger leads there): message, question, condition, call_api, set_attributes, end').waitFor();
      // Undo each addition, then redo two.
      for (let i = 0; i < 6; i++) await button('Undo').click();
      expect(Object.keys((await flow()).blocks)).toEqual(['ask', 'load', 'done', 'sorry', 'bye']);
      expect(await button('Undo').isDisabled()).toBe(true);
      await button('Redo').click();
      await button('Redo').click();
      expect(Object.keys((await flow()).blocks)).toEqual(['ask', 'load', 'done', 'sorry', 'bye', 'message', 'question']);
      await page.screenshot({ path: path.join(ARTIFACTS, 'diagram-editor-added.png'), fullPage: true });
    });

    test('an outlet dragged onto a block links it; onto empty canvas it makes a new block there', async () => {
      await mount(small());
      // sorry's next, dragged onto bye.
      expect(await handle('sorry', 'next').getAttribute('class')).not.toContain('linked');
      await drag(handle('sorry', 'next'), node('bye'));
      expect((await flow()).blocks.sorry).toEqual({ type: 'message', messages: [{ type: 'text', text: 'Sorry.' }], next: 'bye' });
      expect(await links()).toContain('sorry → bye (next)');
      expect(await handle('sorry', 'next').getAttribute('class')).toContain('linked');
      // A drag back onto the block it starts from links it to itself (the admin's choice).
      await drag(handle('done', 'empty'), node('done'));
      expect((await flow()).blocks.done?.empty).toBe('done');
      await button('Undo').click();
      expect((await flow()).blocks.done).not.toHaveProperty('empty');

      // The question's give-up, dropped on the empty canvas: "new block here", a condition.
      const viewport = await page.locator('#diagram-viewport').boundingBox();
      if (!viewport) throw new Error('no viewport');
      await drag(handle('ask', 'onGiveUp'), { x: viewport.x + viewport.width - 30, y: viewport.y + 30 });
      const menu = page.getByRole('group', { name: 'New block here, linked from ask: On give-up' });
      await menu.waitFor();
      // The keyboard can take it from here: the first type has the focus.
      expect(await focusedName()).toBe('Message');
      await menu.getByRole('button', { name: /Condition$/ }).click();
      const after = await flow();
      expect(after.blocks.ask?.onGiveUp).toBe('condition');
      expect(after.blocks.condition).toEqual({ type: 'condition', branches: [{ when: { op: 'exists', attribute: 'order' } }] });
      expect(await menu.count()).toBe(0);
      expect(await links()).toContain('ask → condition (give-up)');
      // The new condition's branch, dragged onto a block: each branch is an outlet.
      await drag(handle('condition', 'branches.0.next'), node('done'));
      expect((await flow()).blocks.condition).toEqual({
        type: 'condition',
        branches: [{ when: { op: 'exists', attribute: 'order' }, next: 'done' }],
      });
      expect(await links()).toContain('condition → done (order exists)');
      // Escape closes "new block here" without a block.
      await drag(handle('condition', 'otherwise'), { x: viewport.x + viewport.width - 30, y: viewport.y + 30 });
      await page.getByRole('group', { name: /^New block here/ }).waitFor();
      await page.keyboard.press('Escape');
      expect(await page.getByRole('group', { name: /^New block here/ }).count()).toBe(0);
      expect((await flow()).blocks.condition).not.toHaveProperty('otherwise');
      await page.screenshot({ path: path.join(ARTIFACTS, 'diagram-editor-linked.png'), fullPage: true });
    });

    test('rename: every reference follows; an id taken or invalid is refused in place', async () => {
      await mount({ ...small(), start: 'load' });
      await button('Block load, Call an API card').click();
      await button('Rename block load').click();
      const field = page.getByLabel('New id for block load');
      expect(await field.inputValue()).toBe('load');
      await field.fill('ask');
      await field.press('Enter');
      await page.getByRole('alert').filter({ hasText: 'Cannot rename load: another block is already named ask' }).waitFor();
      await field.fill('2nd');
      await page.getByRole('button', { name: 'Save the new id' }).click();
      await page.getByRole('alert').filter({ hasText: 'an id is letters, digits' }).waitFor();
      await field.fill('load_order');
      await field.press('Enter');
      const after = await flow();
      expect(Object.keys(after.blocks)).toEqual(['ask', 'load_order', 'done', 'sorry', 'bye']);
      expect([after.blocks.ask?.next, after.start]).toEqual(['load_order', 'load_order']);
      expect(after.blocks.load_order).toEqual({
        type: 'callApi',
        request: { url: 'https://brand.example/orders' },
        onSuccess: 'done',
        onFailure: 'sorry',
      });
      // Still selected under its new name, with the focus on it.
      await page.getByRole('button', { name: 'Block load_order, Call an API card', pressed: true }).waitFor();
      expect(await focusedName()).toBe('Block load_order, Call an API card');
      expect(await links()).toEqual(
        expect.arrayContaining(['ask → load_order (next)', 'load_order → done (success)', 'load_order → sorry (failure)']),
      );
      // F2 on a node renames it too; Escape gives up.
      await page.keyboard.press('F2');
      await page.getByLabel('New id for block load_order').waitFor();
      await page.keyboard.press('Escape');
      expect(await page.getByLabel('New id for block load_order').count()).toBe(0);
      expect(Object.keys((await flow()).blocks)).toContain('load_order');
      await button('Undo').click();
      expect(Object.keys((await flow()).blocks)).toEqual(['ask', 'load', 'done', 'sorry', 'bye']);
    });

    test('delete: its links go with it; undo brings both back, redo takes them again', async () => {
      await mount(small());
      const before = await flow();
      await button('Block sorry, Message').click();
      await button('Delete block sorry').click();
      const after = await flow();
      expect(after.blocks).not.toHaveProperty('sorry');
      expect(after.blocks.load).toEqual({ type: 'callApi', request: { url: 'https://brand.example/orders' }, onSuccess: 'done' });
      expect(await links()).not.toContain('load → sorry (failure)');
      expect(await node('sorry').count()).toBe(0);
      // The focus waits on Undo.
      expect(await focusedName()).toBe('Undo');
      await page.keyboard.press('Enter');
      expect(await flow()).toEqual(before);
      expect(await links()).toContain('load → sorry (failure)');
      await button('Redo').click();
      expect(await flow()).toEqual(after);
      // Delete on a focused node deletes it too.
      await button('Block done, Message').focus();
      await page.keyboard.press('Delete');
      expect((await flow()).blocks).not.toHaveProperty('done');
      expect((await flow()).blocks.load).toEqual({ type: 'callApi', request: { url: 'https://brand.example/orders' } });
    });

    test('zoom in and out, ctrl + wheel, fit; pan by dragging the background', async () => {
      await mount(large(10));
      const level = page.locator('#diagram-zoom-level');
      const scale = () => page.evaluate(`Number(document.querySelector('.diagram-editor').dataset.zoom)`) as Promise<number>;
      // The view is kept from an earlier test: start from 100 % (the zoom level is a button back to it).
      await level.click();
      expect(await level.textContent()).toBe('100%');
      expect(await level.getAttribute('aria-label')).toBe('100%: zoom to 100%');
      const nodeWidth = async () => (await node('bye').boundingBox())?.width ?? 0;
      const width100 = await nodeWidth();
      await button('Zoom in').click();
      expect(await level.textContent()).toBe('125%');
      expect(Math.round(((await nodeWidth()) / width100) * 100)).toBe(125);
      await button('Zoom out').click();
      await button('Zoom out').click();
      expect(await level.textContent()).toBe('80%');
      // Ctrl + wheel zooms about the pointer.
      const box = await page.locator('#diagram-viewport').boundingBox();
      if (!box) throw new Error('no viewport');
      await page.mouse.move(box.x + 200, box.y + 200);
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, -200);
      await page.keyboard.up('Control');
      await untilTrue(page, `Number(document.querySelector('.diagram-editor').dataset.zoom) > 0.85`);
      // Fit: the whole flow in view, no scrolling left.
      await button('Fit the whole flow in view').click();
      const fitted = (await page.evaluate(
        `(() => { const v = document.getElementById('diagram-viewport'); return { sw: v.scrollWidth, cw: v.clientWidth, sh: v.scrollHeight, ch: v.clientHeight }; })()`,
      )) as { sw: number; cw: number; sh: number; ch: number };
      expect(fitted.sw).toBeLessThanOrEqual(fitted.cw + 1);
      expect(fitted.sh).toBeLessThanOrEqual(fitted.ch + 1);
      expect(await scale()).toBeLessThan(1);
      // Back to 100 %, then pan by dragging the background.
      await level.click();
      expect(await scale()).toBe(1);
      const scroll = () =>
        page.evaluate(
          `(() => { const v = document.getElementById('diagram-viewport'); return [v.scrollLeft, v.scrollTop]; })()`,
        ) as Promise<[number, number]>;
      await page.evaluate(`(() => { const v = document.getElementById('diagram-viewport'); v.scrollLeft = 0; v.scrollTop = 0; })()`);
      const empty = (await page.evaluate(`(() => {
        const v = document.getElementById('diagram-viewport').getBoundingClientRect();
        for (let y = v.top + 10; y < v.bottom - 10; y += 15) for (let x = v.left + 10; x < v.right - 10; x += 15) {
          const e = document.elementFromPoint(x, y);
          if (e && !e.closest('.node') && e.closest('#diagram-viewport')) return { x, y };
        }
        return null;
      })()`)) as { x: number; y: number } | null;
      if (!empty) throw new Error('no background to drag');
      await page.mouse.move(empty.x, empty.y);
      await page.mouse.down();
      await page.mouse.move(empty.x - 120, empty.y - 90, { steps: 6 });
      await page.mouse.up();
      const [left, top] = await scroll();
      // Sideways only as far as the flow is wider than the view.
      const room = (await page.evaluate(
        `(() => { const v = document.getElementById('diagram-viewport'); return v.scrollWidth - v.clientWidth; })()`,
      )) as number;
      expect(left).toBe(Math.min(120, room));
      expect(top).toBe(90);
      // The view survives a redraw (the editor draws again at every change).
      await page.evaluate(`harness.change("flow.blocks.bye.note = undefined")`);
      await untilTrue(page, `harness.draws() > 1`);
      expect(await scroll()).toEqual([left, top]);
      expect(await level.textContent()).toBe('100%');
    });

    test('by keyboard alone: add, select, rename, link, delete, undo', async () => {
      await mount(small());
      await page.locator('body').focus();
      // Tab into the toolbar: Add block first.
      await page.keyboard.press('Tab');
      expect(await focusedName()).toBe('Add block');
      await page.keyboard.press('Enter');
      expect(await focusedName()).toBe('Message');
      await page.keyboard.press('Tab');
      expect(await focusedName()).toBe('Question');
      await page.keyboard.press('Enter');
      expect((await flow()).blocks.question).toEqual({
        type: 'question',
        prompt: 'Your answer?',
        input: { type: 'text' },
        saveAs: 'answer',
      });
      // Tab reaches Undo, Redo, the zoom tools, then the nodes in reading order, the trigger first.
      await page.locator('#diagram-add').focus();
      const names: string[] = [];
      for (let i = 0; i < 13; i++) {
        await page.keyboard.press('Tab');
        names.push(await focusedName());
      }
      expect(names.slice(0, 5)).toEqual(['Undo', 'Zoom out', '100%: zoom to 100%', 'Zoom in', 'Fit the whole flow in view']);
      // The nodes follow in reading order (top to bottom, left to right).
      expect(names[5]).toMatch(/^(Block|Trigger) /);
      expect(names).toContain('Trigger 1, Keyword "order"');
      expect(names).toContain('Block ask, Question');
      expect(names).toContain('Block question, Question, unreachable');
      // The selected block (the new one) has its actions right after it.
      const at = names.indexOf('Block question, Question, unreachable');
      expect(names.slice(at + 1, at + 4)).toEqual(['Rename block question', 'Delete block question', 'Links of question']);

      // Select sorry with Enter, then Link…: its outlets as selects; next → the new question.
      await button('Block sorry, Message').focus();
      await page.keyboard.press('Enter');
      expect(await page.evaluate('harness.selection()')).toEqual({ kind: 'block', id: 'sorry' });
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await focusedName()).toBe('Links of sorry');
      await page.keyboard.press('Enter');
      const next = page.getByLabel('Next', { exact: true });
      expect(await page.evaluate(`document.activeElement.id`)).toBe(await next.getAttribute('id'));
      // A select changed by keys alone: the options, in order, are (none), each block, a new block of each type.
      const options = await next.locator('option').allTextContents();
      const target = options.indexOf('question');
      expect(target).toBeGreaterThan(0);
      for (let i = 0; i < target; i++) await page.keyboard.press('ArrowDown');
      await untilTrue(page, `harness.flow().blocks.sorry.next === 'question'`);
      expect(await links()).toContain('sorry → question (next)');
      // The panel stays open, the focus on the select, after the redraw.
      expect(await page.evaluate(`document.activeElement.id`)).toBe(await next.getAttribute('id'));
      await page.keyboard.press('Escape');
      expect(await focusedName()).toBe('Links of sorry');

      // Rename with F2 from the node.
      await button('Block sorry, Message').focus();
      await page.keyboard.press('F2');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('apology');
      await page.keyboard.press('Enter');
      expect(Object.keys((await flow()).blocks)).toContain('apology');
      expect((await flow()).blocks.load?.onFailure).toBe('apology');
      expect(await focusedName()).toBe('Block apology, Message');

      // Delete from its action, then undo from where the focus lands.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await focusedName()).toBe('Delete block apology');
      await page.keyboard.press('Enter');
      expect((await flow()).blocks).not.toHaveProperty('apology');
      expect(await focusedName()).toBe('Undo');
      await page.keyboard.press('Enter');
      expect((await flow()).blocks.apology).toEqual({ type: 'message', messages: [{ type: 'text', text: 'Sorry.' }], next: 'question' });
      expect((await flow()).blocks.load?.onFailure).toBe('apology');
    });

    test('a change made elsewhere (a form) is drawn at once: the failure link, and no unreachable mark (issue 18)', async () => {
      const flow0 = small();
      delete (flow0.blocks as Record<string, Json>).load?.onFailure;
      await mount(flow0);
      await page.getByRole('button', { name: 'Block sorry, Message, unreachable' }).waitFor();
      // The card form sets On failure in place, then the editor draws again.
      await page.evaluate(`harness.change("flow.blocks.load.onFailure = 'sorry'")`);
      await page.getByRole('button', { name: 'Block sorry, Message', exact: true }).waitFor();
      expect(await page.locator('.node.unreachable').count()).toBe(0);
      expect(await links()).toContain('load → sorry (failure)');
      expect(await page.locator('.edge[data-from="b:load"][data-to="b:sorry"]').count()).toBe(1);
      // And problems are marked on their node and outlet.
      await mount(small(), { problems: [{ path: 'flow.blocks.done.next', message: 'no block named "x"' }] });
      await button('Block done, Message, 1 problem(s)').waitFor();
      expect(await handle('done', 'next').getAttribute('class')).toContain('bad');
    });

    test('60 blocks and more laid out readably: no two nodes overlap, and the layout is quick', async () => {
      const times: number[] = [];
      for (const sections of [10, 11]) {
        const big = large(sections);
        await mount(big);
        const count = Object.keys(big.blocks as Json).length;
        const cold = (await page.evaluate('harness.layoutMs()')) as number;
        // Laid out again in the same page (a link changed): what each edit costs once the page runs.
        await page.evaluate(`harness.change("flow.blocks.sorry.next = 'ask_0'")`);
        const warm = (await page.evaluate('harness.layoutMs()')) as number;
        await page.evaluate(`harness.change("flow.blocks.sorry.next = 'bye'")`);
        times.push(warm);
        console.log(
          `diagram layout: ${count} blocks, ${(big.triggers as unknown[]).length} triggers: ${cold.toFixed(1)} ms the first time in the page, ${warm.toFixed(1)} ms after an edit`,
        );
        const rects = (await page.evaluate('harness.rects()')) as Array<{
          key: string;
          x: number;
          y: number;
          width: number;
          height: number;
        }>;
        // Every block and trigger, and a "↪ sorry" stub for each link to the apology but its first (sorry is a hub).
        expect(rects.filter((r) => !r.key.startsWith('p:'))).toHaveLength(count + 2);
        expect(rects.filter((r) => r.key.startsWith('p:'))).toHaveLength(sections * 2 - 1);
        const overlaps: string[] = [];
        for (let i = 0; i < rects.length; i++)
          for (let j = i + 1; j < rects.length; j++)
            if (overlap(rects[i]!, rects[j]!)) overlaps.push(`${rects[i]!.key} × ${rects[j]!.key}`);
        expect(overlaps).toEqual([]);
        // Reachable from the triggers: nothing marked, every link drawn.
        expect(await page.locator('.node.unreachable').count()).toBe(0);
        expect(await page.locator('.diagram-edges .edge').count()).toBe(await page.locator('.diagram-links li').count());
        // The first trigger is on top.
        expect(rects.find((r) => r.key === 't:0')?.y).toBe(Math.min(...rects.map((r) => r.y)));
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'diagram-editor-68-blocks.png'), fullPage: true });
      await button('Fit the whole flow in view').click();
      await page.screenshot({ path: path.join(ARTIFACTS, 'diagram-editor-68-blocks-fit.png'), fullPage: true });
      expect(Math.min(...times)).toBeLessThan(400);
    });
  });
}

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import type { Locator, Page } from 'playwright-core';
import { ARTIFACTS, HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, untilTrue, type ConsoleSession } from '../support/browser';

// The forms of the blocks that are not cards (message, question, condition, set attributes, end),
// mounted alone in a page built from test/browser/harness/blockForms.entry.js with an editor context
// that does what the editor does (validation by the API after each change, createBlock linking and
// opening a new block). Every field is edited through the form, outlets are linked to an existing and
// a new block, and the block's JSON must equal what an admin would write by hand (no defaults). The
// message block is previewed through POST /admin/preview on the local stack.

type Json = Record<string, unknown>;

const ROOT = path.join(__dirname, '..', '..');

/** The harness page: the console's styles and the entry bundled with the console modules it mounts. */
function harnessFiles(): { html: string; js: string; css: string } {
  const built = buildSync({
    entryPoints: [path.join(__dirname, 'harness', 'blockForms.entry.js')],
    bundle: true,
    format: 'esm',
    write: false,
    target: 'chrome109',
    logLevel: 'warning',
  });
  const js = built.outputFiles[0]?.text ?? '';
  const css = readFileSync(path.join(ROOT, 'console', 'console.css'), 'utf8');
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>block forms</title><link rel="stylesheet" href="/harness/console.css"><script type="module" src="/harness/forms.js"></script></head><body><main class="wide"><div id="root" class="card"></div></main></body></html>';
  return { html, js, css };
}

const flowWith = (blocks: Json, start = 'ask'): Json => ({
  schemaVersion: 1,
  name: 'Block forms',
  triggers: [{ type: 'keyword', keywords: ['go'], start }],
  blocks: {
    ask: { type: 'question', prompt: 'Your name?', input: { type: 'text' }, saveAs: 'name', next: 'load' },
    load: { type: 'callApi', request: { url: 'https://brand.example/tickets' }, onSuccess: 'show', onFailure: 'none' },
    none: { type: 'message', messages: [{ type: 'text', text: 'No tickets.' }] },
    ...blocks,
  },
});

const TICKETS = {
  tickets: [
    { id: 't1', title: 'Oolong tasting' },
    { id: 't2', title: 'Tea & cake' },
  ],
};

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the block forms');
} else {
  describe('the block forms', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
      // A missing control fails its step in seconds, not at the test's timeout.
      page.setDefaultTimeout(8_000);
      const files = harnessFiles();
      await page.route(`${session.stack.url}/harness/**`, (route) => {
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

    const mount = async (flow: Json, id: string, responses: Json = {}) => {
      await page.goto(`${session.stack.url}/harness/index.html`);
      await page.locator('body[data-ready="true"]').waitFor();
      await page.evaluate(`harness.mount(${JSON.stringify({ key: session.stack.demo.adminKey, flow, id, responses })})`);
    };
    const block = async (id: string) => (await page.evaluate(`harness.block(${JSON.stringify(id)})`)) as Json;
    const field = (label: string): Locator => page.getByLabel(label, { exact: true });
    const button = (name: string): Locator => page.getByRole('button', { name, exact: true });
    /** Choose `value` in the picker of field `target` and insert it (again if a redraw took the choice away). */
    const insert = async (target: string, value: string, pickerLabel = `Value for ${target}`) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        await field(pickerLabel).selectOption(value);
        await button(`Insert: ${pickerLabel}`).click();
        if ((await field(target).inputValue()).includes(value)) return;
      }
      throw new Error(`${value} was not inserted into ${target}`);
    };
    /** The API validated the flow as it is now: the form shows those problems. */
    const validated = async () => {
      const before = (await page.evaluate('harness.validations()')) as number;
      await untilTrue(page, `harness.validations() > ${before}`);
    };

    test('message: every message type and button type, moved and removed, outlets, preview as LINE and Messenger', async () => {
      await mount(flowWith({ show: { type: 'message' } }), 'show', { load: TICKETS });
      await page.getByRole('heading', { name: 'Message block show' }).waitFor();

      // A text with a variable, and quick replies of each button type, moved and removed.
      await button('Add a text').click();
      await field('Message 1 text').fill('Hi ');
      await insert('Message 1 text', 'attributes.name');
      await button('Add a quick reply').click();
      await field('Message 1 quick reply 1 label').fill('Yes');
      await field('Message 1 quick reply 1 text sent').fill('yes');
      await button('Add a quick reply').click();
      await field('Message 1 quick reply 2 type').selectOption('postback');
      await field('Message 1 quick reply 2 label').fill('Tickets');
      await field('Message 1 quick reply 2 data').fill('action=tickets');
      await field('Message 1 quick reply 2 text shown when tapped').fill('My tickets');
      await button('Add a quick reply').click();
      // A quick reply cannot open a link: the form does not offer it.
      expect(
        await field('Message 1 quick reply 3 type')
          .locator('option')
          .evaluateAll((options) => options.map((o) => o.getAttribute('value'))),
      ).toEqual(['postback', 'message']);
      await field('Message 1 quick reply 3 label').fill('Shop');
      await field('Message 1 quick reply 3 text sent').fill('shop');
      await button('Move message 1 quick reply 3 up').click();
      await button('Remove message 1 quick reply 1').click();
      expect((await block('show')).messages).toEqual([
        {
          type: 'text',
          text: 'Hi {{ attributes.name }}',
          quickReplies: [
            { type: 'message', label: 'Shop', text: 'shop' },
            { type: 'postback', label: 'Tickets', data: 'action=tickets', displayText: 'My tickets' },
          ],
        },
      ]);

      // An image; a buttons message.
      await button('Add an image').click();
      await field('Message 2 image url').fill('https://img.example/a.png');
      await field('Message 2 preview image url').fill('https://img.example/a-small.png');
      await button('Add a buttons message').click();
      await field('Message 3 text').fill('Choose');
      await field('Message 3 title').fill('Menu');
      await field('Message 3 image url').fill('https://img.example/menu.png');
      await page.locator('#bf-msg-2-btn-add').click();
      await field('Message 3 button 1 type').selectOption('message');
      await field('Message 3 button 1 label').fill('Call us');
      await field('Message 3 button 1 text sent').fill('call me');

      // A carousel of fixed cards: one kept, one added and removed.
      await button('Add a carousel').click();
      await field('Message 4 notification text').fill('Our teas');
      await page.locator('#bf-msg-3-add-card').click();
      await field('Message 4 card 1 title').fill('Oolong');
      await field('Message 4 card 1 subtitle').fill('NT$ 300');
      await field('Message 4 card 1 image url').fill('https://img.example/oolong.png');
      await page.locator('#bf-msg-3-card-0-btn-add').click();
      await field('Message 4 card 1 button 1 type').selectOption('url');
      await field('Message 4 card 1 button 1 label').fill('View');
      await field('Message 4 card 1 button 1 url').fill('https://shop.example/oolong');
      await page.locator('#bf-msg-3-add-card').click();
      await field('Message 4 card 2 title').fill('Green');
      await button('Remove message 4 card 2').click();

      // A carousel repeated over the last test response of the card leading here, its fields picked.
      await button('Add a carousel').click();
      await page.locator('#bf-msg-4-repeated').check();
      await field('Lists in the last test response (Message 5)').selectOption('response.body.tickets');
      await button('Use: Lists in the last test response (Message 5)').click();
      await field('Message 5 name of each item').fill('ticket');
      await field('Message 5 at most').fill('5');
      await insert('Message 5 the card of each item title', 'ticket.title');
      await page.locator('#bf-msg-4-card-btn-add').click();
      await field('Message 5 the card of each item button 1 label').fill('Use');
      await field('Message 5 the card of each item button 1 data').fill('action=use&id=');
      await insert('Message 5 the card of each item button 1 data', 'ticket.id');

      // A text list; then a text added and removed, and the image moved after the buttons.
      await button('Add a text list').click();
      await field('Message 6 list to repeat over').fill('response.body.tickets');
      await field('Message 6 name of each item').fill('t');
      await field('Message 6 text').fill('- {{ t.title }}');
      await field('Message 6 separator').fill(', ');
      await button('Add a text').click();
      await button('Remove message 7').click();
      await button('Move message 2 down').click();

      // Outlets: the empty list goes to an existing block.
      await field('When the list is empty').selectOption('none');
      const messages = [
        {
          type: 'text',
          text: 'Hi {{ attributes.name }}',
          quickReplies: [
            { type: 'message', label: 'Shop', text: 'shop' },
            { type: 'postback', label: 'Tickets', data: 'action=tickets', displayText: 'My tickets' },
          ],
        },
        {
          type: 'buttons',
          text: 'Choose',
          title: 'Menu',
          imageUrl: 'https://img.example/menu.png',
          buttons: [{ type: 'message', label: 'Call us', text: 'call me' }],
        },
        { type: 'image', url: 'https://img.example/a.png', previewUrl: 'https://img.example/a-small.png' },
        {
          type: 'carousel',
          altText: 'Our teas',
          cards: [
            {
              title: 'Oolong',
              subtitle: 'NT$ 300',
              imageUrl: 'https://img.example/oolong.png',
              buttons: [{ type: 'url', label: 'View', url: 'https://shop.example/oolong' }],
            },
          ],
        },
        {
          type: 'carousel',
          repeat: { over: 'response.body.tickets', as: 'ticket', limit: 5 },
          card: { title: '{{ ticket.title }}', buttons: [{ type: 'postback', label: 'Use', data: 'action=use&id={{ ticket.id }}' }] },
        },
        { type: 'textList', repeat: { over: 'response.body.tickets', as: 't' }, text: '- {{ t.title }}', separator: ', ' },
      ];
      expect(await block('show')).toEqual({ type: 'message', messages, empty: 'none' });
      await validated();
      expect(await page.locator('#bf-problems').allTextContents()).toEqual([]);

      // The preview: sample values and the card's last test response, rendered for both channels.
      await field('Sample attributes.name').fill('Mei');
      const line = page.locator('#bf-preview-line');
      const messenger = page.locator('#bf-preview-messenger');
      await line.getByText('Hi Mei', { exact: true }).waitFor();
      await messenger.getByText('Hi Mei', { exact: true }).waitFor();
      for (const pane of [line, messenger]) {
        await pane.getByText('Tea & cake', { exact: true }).waitFor();
        await pane.getByText('- Oolong tasting, - Tea & cake', { exact: true }).waitFor();
        await pane.getByText('Choose').first().waitFor();
      }
      expect(await line.locator('.chip').allTextContents()).toEqual(['Shop', 'Tickets']);
      await page.locator('#bf-preview').screenshot({ path: path.join(ARTIFACTS, 'console-message-preview.png') });
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-message-form.png'), fullPage: true });
      // What keeps the preview from rendering is said: a sample that is not JSON, a list that is not one.
      await field('Sample response body (JSON)').fill('{"tickets": ');
      await page.getByText('The sample response is not JSON').waitFor();
      await field('Sample response body (JSON)').fill('{"tickets": "none"}');
      await page.locator('#bf-preview-problem', { hasText: 'blocks.show.messages.4' }).filter({ hasText: 'not an array' }).waitFor();
      // Another sample response: an empty list says where the flow goes instead.
      await field('Sample response body (JSON)').fill('{"tickets": []}');
      await page.locator('#bf-preview-empty', { hasText: 'The list is empty: the flow goes to none instead.' }).waitFor();

      // The next outlet to a new block: the editor creates it, links it and opens it.
      await field('Next').selectOption('new:end');
      await page.getByRole('heading', { name: 'End block show_next' }).waitFor();
      expect(await page.evaluate('harness.created()')).toEqual([
        { type: 'end', from: { owner: { kind: 'block', id: 'show' }, outlet: ['next'] }, hint: 'show_next', id: 'show_next' },
      ]);
      expect(await block('show')).toEqual({ type: 'message', messages, empty: 'none', next: 'show_next' });
      expect(await block('show_next')).toEqual({ type: 'end' });
      await page.getByText('The conversation ends here').waitFor();
      expect(await page.locator('#block-form').locator('input, select, textarea').count()).toBe(0);
    }, 120_000);

    test('question: prompt, every answer type, choices up to 13, save as, re-ask, attempts only when not 3, outlets', async () => {
      await mount(flowWith({ q: { type: 'question' } }, 'q'), 'q');
      await page.getByRole('heading', { name: 'Question block q' }).waitFor();
      await field('Prompt').fill('How many, ');
      await insert('Prompt', 'attributes.name');
      await field('Answer type').selectOption('number');
      await field('Smallest number').fill('1');
      await field('Largest number').fill('10');
      expect((await block('q')).input).toEqual({ type: 'number', min: 1, max: 10 });
      await field('Largest number').fill('');
      expect((await block('q')).input).toEqual({ type: 'number', min: 1 });
      for (const type of ['text', 'email', 'phone', 'date']) {
        await field('Answer type').selectOption(type);
        expect((await block('q')).input).toEqual({ type });
      }
      // Choices: added up to 13, moved, removed.
      await field('Answer type').selectOption('choice');
      await button('Add a choice').click();
      await field('Choice 1 label').fill('Tea');
      await field('Choice 1 value').fill('tea');
      await button('Add a choice').click();
      await field('Choice 2 label').fill('Coffee');
      await field('Choice 2 value').fill('coffee');
      await button('Move choice 2 up').click();
      for (let n = 3; n <= 13; n++) await button('Add a choice').click();
      expect(await button('Add a choice').isDisabled()).toBe(true);
      for (let n = 13; n >= 3; n--) await button(`Remove choice ${n}`).click();
      expect(await button('Add a choice').isDisabled()).toBe(false);
      await field('Save the answer as attribute').fill('drink');
      await field('Re-ask after an invalid answer').fill('Please pick one. ');
      await insert('Re-ask after an invalid answer', 'prompt');
      // The default number of attempts is a placeholder, never written; another number is.
      const attempts = field('Attempts before giving up');
      expect(await attempts.getAttribute('placeholder')).toBe('3');
      await attempts.fill('3');
      expect((await block('q')).maxAttempts).toBeUndefined();
      await attempts.fill('5');
      await field('After the last invalid answer').selectOption('none');
      const question = {
        type: 'question',
        prompt: 'How many, {{ attributes.name }}',
        input: {
          type: 'choice',
          choices: [
            { label: 'Coffee', value: 'coffee' },
            { label: 'Tea', value: 'tea' },
          ],
        },
        saveAs: 'drink',
        reask: 'Please pick one. {{ prompt }}',
        maxAttempts: 5,
        onGiveUp: 'none',
      };
      expect(await block('q')).toEqual(question);
      await validated();
      expect(await page.locator('#bf-problems').allTextContents()).toEqual([]);
      await field('Next').selectOption('new:message');
      await page.getByRole('heading', { name: 'Message block q_next' }).waitFor();
      expect(await block('q')).toEqual({ ...question, next: 'q_next' });
      expect(await page.evaluate('harness.created()')).toEqual([
        { type: 'message', from: { owner: { kind: 'block', id: 'q' }, outlet: ['next'] }, hint: 'q_next', id: 'q_next' },
      ]);
    }, 120_000);

    test('condition: branches of every test, reordered and removed, an RE2 pattern checked as typed, otherwise to a new block', async () => {
      await mount(flowWith({ check: { type: 'condition' }, vip: { type: 'end' } }, 'check'), 'check');
      await page.getByRole('heading', { name: 'Condition block check' }).waitFor();
      // 1: equals a text.
      await button('Add a branch').click();
      await field('Branch 1 attribute').fill('tier');
      await field('Branch 1 value').fill('gold');
      await field('Then go to (Branch 1)').selectOption('vip');
      // 2: greater than a number.
      await button('Add a branch').click();
      await field('Branch 2 test').selectOption('gt');
      await field('Branch 2 attribute').fill('points');
      await field('Branch 2 value').fill('100');
      await field('Then go to (Branch 2)').selectOption('none');
      // 3: equals a number, then yes/no.
      await button('Add a branch').click();
      await field('Branch 3 attribute').fill('adult');
      await field('Branch 3 value type').selectOption('number');
      await field('Branch 3 value').fill('1');
      expect(((await block('check')).branches as Json[])[2]).toEqual({ when: { op: 'equals', attribute: 'adult', value: 1 } });
      await field('Branch 3 value type').selectOption('boolean');
      await field('Branch 3 value').selectOption('true');
      await field('Then go to (Branch 3)').selectOption('vip');
      // 4: is set.
      await button('Add a branch').click();
      await field('Branch 4 test').selectOption('exists');
      await field('Branch 4 attribute').fill('memberId');
      await field('Then go to (Branch 4)').selectOption('none');
      // 5: a pattern with a lookbehind, which RE2 does not have: its problem shows under the field. (The
      // API checks the patterns of a condition block whose shape is whole: its branch is linked first.)
      await button('Add a branch').click();
      await field('Branch 5 test').selectOption('matches');
      await field('Branch 5 attribute').fill('phone');
      await field('Then go to (Branch 5)').selectOption('vip');
      expect(await page.locator('#bf-branch-4-pattern-hint').textContent()).toContain('RE2 syntax');
      await field('Branch 5 pattern').fill('(?<=a)b');
      const problem = page.locator('#bf-branch-4-pattern-problem');
      await problem.filter({ hasText: 'lookbehind' }).waitFor();
      expect(await field('Branch 5 pattern').getAttribute('aria-invalid')).toBe('true');
      expect(await field('Branch 5 pattern').getAttribute('aria-describedby')).toContain('bf-branch-4-pattern-problem');
      await field('Branch 5 pattern').fill('^09\\d{8}$');
      await problem.waitFor({ state: 'detached' });
      // Reordered, switched between comparisons (the number stays), one added and removed.
      await button('Move branch 2 up').click();
      await field('Branch 1 test').selectOption('gte');
      await button('Add a branch').click();
      await button('Remove branch 6').click();
      for (const op of ['lt', 'lte']) {
        await field('Branch 1 test').selectOption(op);
        expect(((await block('check')).branches as Json[])[0]).toEqual({ when: { op, attribute: 'points', value: 100 }, next: 'none' });
      }
      await field('Branch 1 test').selectOption('gte');
      const branches = [
        { when: { op: 'gte', attribute: 'points', value: 100 }, next: 'none' },
        { when: { op: 'equals', attribute: 'tier', value: 'gold' }, next: 'vip' },
        { when: { op: 'equals', attribute: 'adult', value: true }, next: 'vip' },
        { when: { op: 'exists', attribute: 'memberId' }, next: 'none' },
        { when: { op: 'matches', attribute: 'phone', pattern: '^09\\d{8}$' }, next: 'vip' },
      ];
      expect(await block('check')).toEqual({ type: 'condition', branches });
      await validated();
      expect(await page.locator('#bf-problems').allTextContents()).toEqual([]);
      await field('Otherwise').selectOption('new:end');
      await page.getByRole('heading', { name: 'End block check_otherwise' }).waitFor();
      expect(await block('check')).toEqual({ type: 'condition', branches, otherwise: 'check_otherwise' });
    }, 120_000);

    test('set attributes: rows of name and template, removed, the next outlet; keys the form does not know stay, their problem shown', async () => {
      await mount(flowWith({ remember: { type: 'setAttributes', set: {}, note: 'kept' } }, 'remember'), 'remember');
      await page.getByRole('heading', { name: 'Set attributes block remember' }).waitFor();
      await page.locator('#bf-problems', { hasText: 'blocks.remember.note' }).waitFor();
      await button('Add an attribute').click();
      await field('Attribute 1 name').fill('greeting');
      await field('Attribute 1 value').fill('Hello ');
      await insert('Attribute 1 value', 'attributes.name', 'Value for attribute 1');
      await button('Add an attribute').click();
      await field('Attribute 2 name').fill('tier');
      await field('Attribute 2 value').fill('gold');
      await button('Add an attribute').click();
      await field('Attribute 3 name').fill('dropped');
      await button('Remove attribute 3').click();
      await field('Next').selectOption('none');
      expect(await block('remember')).toEqual({
        type: 'setAttributes',
        set: { greeting: 'Hello {{ attributes.name }}', tier: 'gold' },
        note: 'kept',
        next: 'none',
      });
    }, 60_000);

    test('link account: login page, text, label, the channels it links on (elsewhere shown only then), its outlets', async () => {
      const resolve = {
        type: 'callApi',
        request: {
          method: 'POST',
          url: 'https://brand.example/link/resolve',
          body: { type: 'json', value: { nonce: '{{ link.nonce }}' } },
        },
        bind: { memberId: 'response.body.memberId' },
      };
      await mount(flowWith({ link: { type: 'linkAccount', loginUrl: 'https://', text: 'Sign in' }, resolve }, 'link'), 'link');
      await page.getByRole('heading', { name: 'Link account block link' }).waitFor();
      // The card that resolves the nonce is required: the API says so at its outlet until it is chosen.
      await page.getByText('blocks.link.onLinked', { exact: false }).first().waitFor();
      await field('Linked: the card that resolves {{ link.nonce }} and binds').selectOption('resolve');
      await field('Login page').fill('http://brand.example/login');
      await validated();
      await page
        .getByText(/Log In button takes only https/)
        .first()
        .waitFor();
      await field('Login page').fill('https://brand.example/login');
      await field('Text').fill('Sign in to link your membership.');
      await field('Button label (LINE)').fill('Sign in');
      expect(await page.locator('#bf-elsewhere').count()).toBe(0);
      await page.getByLabel('Messenger', { exact: true }).uncheck();
      await field('Elsewhere').selectOption('none');
      expect(await block('link')).toEqual({
        type: 'linkAccount',
        loginUrl: 'https://brand.example/login',
        text: 'Sign in to link your membership.',
        label: 'Sign in',
        channels: ['line'],
        elsewhere: 'none',
        onLinked: 'resolve',
      });
      await page.getByLabel('Messenger', { exact: true }).check();
      expect((await block('link')).channels).toBeUndefined();
    }, 60_000);

    test('every block form in Traditional Chinese; an end block has nothing to edit', async () => {
      const flow = flowWith({
        show: { type: 'message', messages: [{ type: 'text', text: 'hi' }] },
        q: { type: 'question' },
        c: { type: 'condition' },
        s: { type: 'setAttributes', set: {} },
        e: { type: 'end' },
      });
      for (const [id, heading] of [
        ['show', '訊息區塊 show'],
        ['q', '問題區塊 q'],
        ['c', '條件區塊 c'],
        ['s', '設定屬性區塊 s'],
        ['e', '結束區塊 e'],
      ]) {
        await page.goto(`${session.stack.url}/harness/index.html`);
        await page.locator('body[data-ready="true"]').waitFor();
        await page.evaluate(`harness.mount(${JSON.stringify({ key: session.stack.demo.adminKey, flow, id, lang: 'zh-TW' })})`);
        await page.getByRole('heading', { name: heading }).waitFor();
      }
      expect(await page.locator('#block-form').locator('input, select, textarea').count()).toBe(0);
      expect(await block('e')).toEqual({ type: 'end' });
    }, 60_000);
  });
}

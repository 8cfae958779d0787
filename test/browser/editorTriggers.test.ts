import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, skipBrowserTests, startConsoleSession, untilTrue, type ConsoleSession } from '../support/browser';
import { consoleEditor, type ConsoleEditor, type Json } from '../support/consoleEditor';

// Issue 18, "the whole bot in the console": every trigger type in the REAL console's editor (not a
// harness page), on a new blank flow each: added from the trigger list, edited through its form
// (keywords, action, chats), where it starts set (by the form's Starts at, to a block or to a new one;
// by dragging its start handle in the diagram; by keyboard through the diagram's Link… panel), removed
// from the list, and brought back by undo; then saved, and the flow read through the admin API is
// exactly what a hand-written flow would be: no default the admin did not set.

const text = (value: string): Json => ({ type: 'message', messages: [{ type: 'text', text: value }] });

if (!HAVE_CHROMIUM) {
  skipBrowserTests('every trigger type in the console editor');
} else {
  describe('the console editor: every trigger type on a new flow, saved as written by hand', () => {
    let session: ConsoleSession;
    let page: Page;
    let e: ConsoleEditor;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
      page.setDefaultTimeout(10_000);
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

    const addTrigger = async (type: string, heading: string) => {
      await e.outline.getByRole('button', { name: `Add a ${type} trigger`, exact: true }).click();
      await e.inspector.getByRole('heading', { name: heading, exact: true }).waitFor();
    };
    /** A message block added from the diagram, its text written in its form. */
    const addMessage = async (value: string) => {
      await e.addBlock('Message');
      await e.inspector.getByRole('heading', { name: 'Message block message', exact: true }).waitFor();
      await e.form('Message 1 text').fill(value);
    };
    /** Remove trigger 1 from the list: the list says there is none, the diagram draws none. */
    const removeTheTrigger = async () => {
      await e.outline.getByRole('button', { name: 'Remove trigger 1', exact: true }).click();
      await e.outline.getByText('No triggers yet').waitFor();
      await e.node('t:0').waitFor({ state: 'detached' });
      expect((await e.doc()).triggers).toEqual([]);
    };

    test('keyword: keywords added (several at once), one edited, contains, chats; starts at a block by the form; removed, Ctrl+Z; saved as written by hand', async () => {
      await e.newFlow('trigger-keyword', 'Keyword trigger');
      await addMessage('Hello! How can I help?');
      await addTrigger('keyword', 'Trigger 1: Keyword');
      // Only its type: what it still lacks is for the admin to add, and the check says so.
      expect((await e.doc()).triggers).toEqual([{ type: 'keyword' }]);
      expect(await e.checked()).not.toBe('No problems.');

      await e.form('New keyword').fill('hi, hello');
      await e.form('New keyword').press('Enter');
      await e.form('New keyword').fill('hey');
      await e.inspector.getByRole('button', { name: 'Add the keyword', exact: true }).click();
      await e.form('Keyword 2').fill('hello there');
      await e.inspector.getByRole('radio', { name: 'The message contains the keyword' }).check();
      await e.form('Starts at').selectOption('message');
      await e.form('One-to-one chats').check();
      await e.form('LINE groups').check();
      const trigger = {
        type: 'keyword',
        keywords: ['hi', 'hello there', 'hey'],
        match: 'contains',
        start: 'message',
        chats: ['user', 'group'],
      };
      expect((await e.doc()).triggers).toEqual([trigger]);
      await e.outline.getByRole('button', { name: 'Open trigger 1: Keyword: hi, hello there, hey → message', exact: true }).waitFor();
      expect(await e.links()).toEqual(['Keyword → message ("hi", "hello there", "hey")']);
      expect(await e.checked()).toBe('No problems.');

      // Removed, the message is left unreachable; Ctrl+Z brings the trigger back.
      await removeTheTrigger();
      await e.diagram.getByRole('button', { name: 'Block message, Message, unreachable' }).waitFor();
      await e.key('Control+z');
      expect((await e.doc()).triggers).toEqual([trigger]);
      await e.node('t:0').waitFor();

      expect(await e.checked()).toBe('No problems.');
      const saved = await e.saveAndFetch('trigger-keyword');
      expect(saved.flow).toEqual({
        schemaVersion: 1,
        name: 'Keyword trigger',
        triggers: [trigger],
        blocks: { message: text('Hello! How can I help?') },
      });
    }, 90_000);

    test('postback: its action (typed as in the data), starting at a new block made from Starts at, chats; removed, the Undo button; saved as written by hand', async () => {
      await e.newFlow('trigger-postback', 'Postback trigger');
      await addTrigger('postback', 'Trigger 1: Postback');
      await e.form('Action').fill('action=my_tickets');
      expect((await e.doc()).triggers).toEqual([{ type: 'postback', action: 'my_tickets' }]);

      // A new message block, created, linked from the trigger and opened at once.
      await e.form('Starts at').selectOption('new:message');
      const heading = e.inspector.getByRole('heading', { name: /^Message block / });
      await heading.waitFor();
      const id = (/^Message block (\S+)$/.exec(await heading.innerText()) ?? [])[1] ?? '';
      expect(Object.keys((await e.doc()).blocks)).toEqual([id]);
      await e.form('Message 1 text').fill('Here are your tickets.');

      // Back to the trigger, from the list: its rooms and one-to-one chats.
      await e.outline.getByRole('button', { name: `Open trigger 1: Postback: action=my_tickets → ${id}`, exact: true }).click();
      await e.inspector.getByRole('heading', { name: 'Trigger 1: Postback', exact: true }).waitFor();
      await e.form('LINE multi-person chats (rooms)').check();
      await e.form('One-to-one chats').check();
      const trigger = { type: 'postback', action: 'my_tickets', start: id, chats: ['user', 'room'] };
      expect((await e.doc()).triggers).toEqual([trigger]);
      expect(await e.links()).toEqual([`Postback → ${id} (action=my_tickets)`]);

      await removeTheTrigger();
      await e.diagram.getByRole('button', { name: 'Undo', exact: true }).click();
      expect((await e.doc()).triggers).toEqual([trigger]);
      await e.node('t:0').waitFor();

      expect(await e.checked()).toBe('No problems.');
      const saved = await e.saveAndFetch('trigger-postback');
      expect(saved.flow).toEqual({
        schemaVersion: 1,
        name: 'Postback trigger',
        triggers: [trigger],
        blocks: { [id]: text('Here are your tickets.') },
      });
    }, 90_000);

    test('follow: no chats to choose (LINE, one-to-one); its start handle dragged onto a block in the diagram; removed, Ctrl+Z; saved as written by hand', async () => {
      await e.newFlow('trigger-follow', 'Follow trigger');
      await addMessage('Thanks for adding us!');
      await addTrigger('follow', 'Trigger 1: Follow');
      await e.inspector.getByText('When a customer adds the LINE Official Account as a friend').waitFor();
      expect(await e.inspector.getByRole('group', { name: 'Chats it answers in' }).count()).toBe(0);

      await e.drag(e.handle('t:0', 'start'), e.node('message'));
      const trigger = { type: 'follow', start: 'message' };
      expect((await e.doc()).triggers).toEqual([trigger]);
      // The open form shows it at once.
      expect(await e.form('Starts at').inputValue()).toBe('message');
      expect(await e.links()).toEqual(['Follow → message (start)']);

      await removeTheTrigger();
      await e.key('Control+z');
      expect((await e.doc()).triggers).toEqual([trigger]);
      await e.node('t:0').waitFor();

      expect(await e.checked()).toBe('No problems.');
      const saved = await e.saveAndFetch('trigger-follow');
      expect(saved.flow).toEqual({
        schemaVersion: 1,
        name: 'Follow trigger',
        triggers: [trigger],
        blocks: { message: text('Thanks for adding us!') },
      });
    }, 90_000);

    test('fallback: chats ticked and unticked; where it starts chosen by keyboard in the diagram; removed, Ctrl+Z; saved as written by hand', async () => {
      await e.newFlow('trigger-fallback', 'Fallback trigger');
      await addMessage("Sorry, I didn't get that. Type menu to see what I can do.");
      await addTrigger('fallback', 'Trigger 1: Fallback');
      await e.form('One-to-one chats').check();
      await e.form('LINE groups').check();
      await e.form('LINE multi-person chats (rooms)').check();
      await e.form('LINE groups').uncheck();
      expect((await e.doc()).triggers).toEqual([{ type: 'fallback', chats: ['user', 'room'] }]);

      // By keyboard: Enter on the trigger's node, Tab to its Link…, Enter, an arrow key in Start.
      const focused = () =>
        page.evaluate(
          `(() => { const a = document.activeElement; return a?.getAttribute('aria-label') || document.querySelector('label[for="' + a?.id + '"]')?.textContent || ''; })()`,
        );
      await e.diagram.getByRole('button', { name: /^Trigger 1, Fallback/ }).focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Links of Trigger 1, Fallback');
      await page.keyboard.press('Enter');
      expect(await focused()).toBe('Start');
      await page.keyboard.press('ArrowDown');
      await untilTrue(page, `JSON.parse(document.getElementById('flow-json').value).triggers[0].start === 'message'`);
      await page.keyboard.press('Escape');
      const trigger = { type: 'fallback', chats: ['user', 'room'], start: 'message' };
      expect((await e.doc()).triggers).toEqual([trigger]);
      expect(await e.links()).toEqual(['Fallback → message (start)']);

      await removeTheTrigger();
      await e.key('Control+z');
      expect((await e.doc()).triggers).toEqual([trigger]);
      await e.node('t:0').waitFor();

      expect(await e.checked()).toBe('No problems.');
      const saved = await e.saveAndFetch('trigger-fallback');
      expect(saved.flow).toEqual({
        schemaVersion: 1,
        name: 'Fallback trigger',
        triggers: [trigger],
        blocks: { message: text("Sorry, I didn't get that. Type menu to see what I can do.") },
      });
    }, 90_000);

    // The list moves and removes triggers by their place: the form open beside it stays on the trigger
    // the admin was editing. (The forms' harness page keeps its own selection: only the real editor shows this.)
    test('the open trigger form follows its trigger when the list moves it or removes another, and closes when it is removed', async () => {
      await e.newFlow('trigger-order', 'Trigger order');
      await addMessage('Hello!');
      await addTrigger('keyword', 'Trigger 1: Keyword');
      await e.form('New keyword').fill('hi');
      await e.form('New keyword').press('Enter');
      await e.form('Starts at').selectOption('message');
      await addTrigger('follow', 'Trigger 2: Follow');
      await e.form('Starts at').selectOption('message');
      const keyword = { type: 'keyword', keywords: ['hi'], start: 'message' };
      const follow = { type: 'follow', start: 'message' };

      // Moved up from the list: still its form, under its new number, and still its node selected.
      await e.outline.getByRole('button', { name: 'Move trigger 2 up', exact: true }).click();
      expect((await e.doc()).triggers).toEqual([follow, keyword]);
      await e.inspector.getByRole('heading', { name: 'Trigger 1: Follow', exact: true }).waitFor();
      await e.diagram.getByRole('button', { name: /^Trigger 1, Follow/, pressed: true }).waitFor();
      expect(await e.form('Starts at').inputValue()).toBe('message');

      // The keyword opened, then the follow before it removed: the keyword's form stays open.
      await e.outline.getByRole('button', { name: 'Open trigger 2: Keyword: hi → message', exact: true }).click();
      await e.inspector.getByRole('heading', { name: 'Trigger 2: Keyword', exact: true }).waitFor();
      await e.outline.getByRole('button', { name: 'Remove trigger 1', exact: true }).click();
      expect((await e.doc()).triggers).toEqual([keyword]);
      await e.inspector.getByRole('heading', { name: 'Trigger 1: Keyword', exact: true }).waitFor();
      expect(await e.form('Keyword 1').inputValue()).toBe('hi');

      // The open one removed: its form closes.
      await e.outline.getByRole('button', { name: 'Remove trigger 1', exact: true }).click();
      expect((await e.doc()).triggers).toEqual([]);
      await e.inspector.getByText('Select a block or a trigger in the diagram').waitFor();
      await e.key('Control+z');
      expect((await e.doc()).triggers).toEqual([keyword]);

      expect(await e.checked()).toBe('No problems.');
      const saved = await e.saveAndFetch('trigger-order');
      expect(saved.flow).toEqual({ schemaVersion: 1, name: 'Trigger order', triggers: [keyword], blocks: { message: text('Hello!') } });
    }, 90_000);
  });
}

import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ARTIFACTS, HAVE_CHROMIUM, settledValue, skipBrowserTests, startConsoleSession, type ConsoleSession } from '../support/browser';

// The Call an API card as a form, beyond the endpoint and headers (console.test.ts): the payload as a
// tree of fields whose leaves are variables (and as form fields), tested with the one-time code the
// demo brand texted (the binding it would make shown), a save-to-attribute mapping made by
// clicking a field of the test response, the success condition and fire-and-forget, and a carousel
// follow-up built from the arrays and item fields of the last test response, then seen rendered.

type Card = Record<string, unknown> & { request: Record<string, unknown> };
type Doc = { blocks: Record<string, Card> };

if (!HAVE_CHROMIUM) {
  skipBrowserTests('the card form');
} else {
  describe('the card form', () => {
    let session: ConsoleSession;
    let page: Page;

    beforeAll(async () => {
      session = await startConsoleSession();
      ({ page } = session);
    }, 60_000);

    afterAll(async () => {
      await session?.stop();
    });

    test('payload tree, save-to-attributes from the response, success condition, fire-and-forget, a carousel from the last test', async () => {
      await session.signIn();
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).click();
      const editor = page.getByLabel('Flow JSON');
      const noProblems = () => page.locator('#problem-summary', { hasText: 'No problems.' }).waitFor();
      await noProblems();
      const doc = async () => JSON.parse(await editor.inputValue()) as Doc;
      const card = async (id: string) => (await doc()).blocks[id] as Card;
      const insert = async (label: string, value: string) => {
        await page.getByLabel(label, { exact: true }).selectOption(value);
        await page.getByRole('button', { name: `Insert: ${label}`, exact: true }).click();
      };
      const test = async () => {
        await page.getByRole('button', { name: 'Test', exact: true }).click();
        await page.locator('#test-outcome', { hasText: 'Success after 1 attempt(s).' }).waitFor();
      };
      const field = (label: string): Locator => page.getByLabel(label, { exact: true });

      /** The demo brand texts a code to 0912-345-678: the send_code card, tested. */
      const textACode = async () => {
        await page.getByRole('button', { name: 'Open card send_code' }).click();
        await page.getByRole('heading', { name: 'Card send_code' }).waitFor();
        await field('Attribute 1 value').fill('0912-345-678');
        await test();
        await page.getByRole('button', { name: 'Open card check_code' }).click();
        await page.getByRole('heading', { name: 'Card check_code' }).waitFor();
        return session.stack.brandApi.lastCode('0912345678') ?? '';
      };

      // check_code's JSON body is a tree of fields: {"phone": "{{ attributes.phone }}", "code": "{{ attributes.otpCode }}"}.
      await page.getByRole('button', { name: 'Open card check_code' }).click();
      await page.getByRole('heading', { name: 'Card check_code' }).waitFor();
      expect(await field('Body field 1 name').inputValue()).toBe('phone');
      expect(await field('Body field 1 value').inputValue()).toBe('{{ attributes.phone }}');
      expect(await field('Body field 2 name').inputValue()).toBe('code');
      // Switched to form fields, its text leaves become fields; no body drops it; JSON starts empty.
      await field('Form fields').check();
      expect((await card('check_code')).request.body).toEqual({
        type: 'form',
        fields: { phone: '{{ attributes.phone }}', code: '{{ attributes.otpCode }}' },
      });
      expect(await field('Form field 1 value').inputValue()).toBe('{{ attributes.phone }}');
      await field('No body').check();
      expect((await card('check_code')).request.body).toBeUndefined();
      await field('JSON').check();
      expect((await card('check_code')).request.body).toEqual({ type: 'json', value: {} });
      // A text leaf whose value is a variable, and a nested object with a leaf of its own.
      await page.getByRole('button', { name: 'Add a body field' }).click();
      await field('Body field 1 name').fill('phone');
      await insert('Value for body field 1', 'attributes.phone');
      await page.getByRole('button', { name: 'Add a body field' }).click();
      await field('Body field 2 name').fill('code');
      await insert('Value for body field 2', 'attributes.otpCode');
      await page.getByRole('button', { name: 'Add a body field' }).click();
      await field('Body field 3 kind').selectOption('object');
      await field('Body field 3 name').fill('meta');
      await page.getByRole('button', { name: 'Add a field to 3' }).click();
      await field('Body field 3.1 name').fill('source');
      await field('Body field 3.1 value').fill('console ');
      await insert('Value for body field 3.1', 'trigger.params.action');
      await page.getByRole('button', { name: 'Add a body field' }).click();
      await field('Body field 4 name').fill('tags');
      await field('Body field 4 kind').selectOption('json');
      await field('Body field 4 value').fill('["tea", 2]');
      expect((await card('check_code')).request.body).toEqual({
        type: 'json',
        value: {
          phone: '{{ attributes.phone }}',
          code: '{{ attributes.otpCode }}',
          meta: { source: 'console {{ trigger.params.action }}' },
          tags: ['tea', 2],
        },
      });
      await noProblems();
      await page.locator('#payload').screenshot({ path: path.join(ARTIFACTS, 'console-card-payload.png') });

      // Tested with a phone, the code the brand texted to it, and a trigger parameter: the request
      // carries the body the tree made; the card's bind shows the member it would bind.
      const code = await textACode();
      expect(await field('Attribute 1 name').inputValue()).toBe('phone');
      await field('Attribute 1 value').fill('0912-345-678');
      expect(await field('Attribute 2 name').inputValue()).toBe('otpCode');
      await field('Attribute 2 value').fill(code);
      expect(await field('Trigger parameter 1 name').inputValue()).toBe('action');
      await field('Trigger parameter 1 value').fill('my_tickets');
      await test();
      expect(await page.locator('#test-request').textContent()).toContain(
        `{"phone":"0912-345-678","code":"${code}","meta":{"source":"console my_tickets"},"tags":["tea",2]}`,
      );
      expect(await page.locator('#test-binding').textContent()).toBe(
        'Would bind the customer to member M001 (name = "Chen Mei-Ling"), verified by oneTimeCode. Nothing is saved.',
      );

      // A mapping made by clicking a field in the response tree.
      expect((await card('check_code')).saveToAttributes ?? {}).toEqual({});
      await field('into a new save-to-attribute mapping').check();
      await page.getByRole('button', { name: 'response.body.name', exact: true }).click();
      await page.locator('#pick-status', { hasText: 'Added the mapping name ← response.body.name.' }).waitFor();
      expect((await card('check_code')).saveToAttributes).toEqual({ name: 'response.body.name' });
      expect(await field('Mapping 1: attribute name').inputValue()).toBe('name');
      expect(await field('Mapping 1: response path').inputValue()).toBe('response.body.name');

      // The success condition: emptied, then the clicked `verified` goes into it (the last-used field).
      const condition = field('Success condition');
      await condition.fill('');
      expect((await card('check_code')).successWhen).toBeUndefined();
      expect(await page.locator('#pick-field-label').textContent()).toBe('Success condition');
      expect(await field('into the last-used field: Success condition').isChecked()).toBe(true);
      await page.getByRole('button', { name: 'response.body.verified', exact: true }).click();
      await condition.press('End');
      await condition.pressSequentially(' == true');
      expect((await card('check_code')).successWhen).toBe('response.body.verified == true');

      // Fire-and-forget, on (a card that binds cannot: a problem at its bind) and off.
      await field('Fire and forget').check();
      expect((await card('check_code')).fireAndForget).toBe(true);
      await page.locator('#problem-list li', { hasText: 'blocks.check_code.bind' }).waitFor();
      await field('Fire and forget').uncheck();
      expect((await card('check_code')).fireAndForget).toBeUndefined();
      await noProblems();
      // Tested again with a new code: the mapping saved the member's name.
      await field('Attribute 2 value').fill(await textACode());
      await test();
      expect(await page.locator('#test-saved').textContent()).toContain('name = "Chen Mei-Ling"');

      // A new message block after a success: send_confirmation has none (a new block must not leave an
      // old one unreachable: that is a problem of the flow).
      await page.getByRole('button', { name: 'Open card send_confirmation' }).click();
      await page.getByRole('heading', { name: 'Card send_confirmation' }).waitFor();
      await page.getByRole('button', { name: 'Create a message block' }).click();
      expect(await field('On success').inputValue()).toBe('send_confirmation_reply');
      await field('Message 1: text').fill('See you at the workshop, ');
      await insert('Value for message 1', 'attributes.name');
      expect((await doc()).blocks.send_confirmation_reply).toEqual({
        type: 'message',
        messages: [{ type: 'text', text: 'See you at the workshop, {{ attributes.name }}' }],
      });
      expect((await card('send_confirmation')).onSuccess).toBe('send_confirmation_reply');
      await noProblems();

      // load_tickets: a test first; then its success block gets a text and a carousel whose array and
      // fields come from that test's response.
      await page.getByRole('button', { name: 'Open card load_tickets' }).click();
      await page.getByRole('heading', { name: 'Card load_tickets' }).waitFor();
      // A personal card: tested for a sample verified member.
      await field('Member field 1 value').fill('M001');
      await test();
      expect(await field('On success').inputValue()).toBe('show_tickets');
      await page.getByRole('button', { name: 'Remove message 1' }).click();
      await page.getByRole('button', { name: 'Add a text message' }).click();
      expect(await field('Message 1: text').inputValue()).toBe('Here is what we found:');
      await page.getByRole('button', { name: 'Add a carousel' }).click();
      expect(await page.locator('#carousel-over-1 option').allTextContents()).toEqual(['response.body.tickets']);
      const itemAs = field('Each item is called');
      await itemAs.fill('ticket');
      await itemAs.press('Tab');
      expect(await settledValue(field('Card title'), '{{ ticket.title }}')).toBe('{{ ticket.title }}');
      // The title again, by clicking a ticket's title in the response: the item's field goes in.
      await field('Card title').fill('');
      await page.getByRole('button', { name: 'response.body.tickets[0].title', exact: true }).click();
      expect(await field('Card title').inputValue()).toBe('{{ ticket.title }}');
      await field('Card text').fill('Until ');
      await insert('Value for Card text', 'ticket.validUntil');
      await insert('Value for Card image URL', 'ticket.imageUrl');
      await field('Button label').fill('Book');
      await field('Postback data').fill('action=book&id=');
      await insert('Value for Postback data', 'ticket.id');
      expect((await doc()).blocks.show_tickets).toEqual({
        type: 'message',
        empty: 'no_tickets',
        messages: [
          { type: 'text', text: 'Here is what we found:' },
          {
            type: 'carousel',
            altText: 'Results',
            repeat: { over: 'response.body.tickets', as: 'ticket', limit: 10 },
            card: {
              title: '{{ ticket.title }}',
              subtitle: 'Until {{ ticket.validUntil }}',
              imageUrl: '{{ ticket.imageUrl }}',
              buttons: [{ type: 'postback', label: 'Book', data: 'action=book&id={{ ticket.id }}' }],
            },
          },
        ],
      });
      await noProblems();
      await page.locator('#card-form').screenshot({ path: path.join(ARTIFACTS, 'console-card-form.png') });

      // Tested again: the new block's text and carousel, rendered for LINE and Messenger.
      await test();
      const line = page.locator('#line-preview');
      expect(await line.locator('.msg-text').first().textContent()).toBe('Here is what we found:');
      const cards = line.locator('.msg-card');
      expect(await cards.count()).toBe(3);
      expect(await cards.first().locator('strong').textContent()).toBe('Taipei 101 Observatory');
      expect(await cards.first().textContent()).toContain('Until 2026-12-31');
      expect(await cards.first().locator('.msg-button').textContent()).toBe('Book');
      expect(await page.locator('#messenger-preview .msg-card').count()).toBe(3);
      await page.locator('#card-test').screenshot({ path: path.join(ARTIFACTS, 'console-card-form-test.png') });
      expect(session.pageErrors).toEqual([]);
    }, 120_000);
  });
}

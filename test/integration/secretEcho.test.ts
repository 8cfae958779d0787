import type { LocalStack } from '../../local/localStack';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startFakeBrand, startTestStack, type FakeBrand } from '../support/localStackHarness';

/**
 * Issue 24, finding 10: a brand that echoes a workspace secret back, in every spelling the masker knows,
 * through the two answers an admin reads it from: the card's test (dry run) and the chat simulator.
 * Neither shows the value; the brand did receive it. The contact and the execution log mask it too.
 */

const KEY = 'echo-key-Zq8Wm3Xv7Tn2Lp5';
const MASK = '••••';

const reverse = (text: string) => [...text].reverse().join('');
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** How the echoing brand spells the key it was sent: `said`, then `rest` (the second message). */
const SPELLINGS: Record<string, (key: string) => { said: string; rest: string }> = {
  plain: (key) => ({ said: key, rest: 'done' }),
  upper: (key) => ({ said: key.toUpperCase(), rest: 'done' }),
  reversed: (key) => ({ said: reverse(key), rest: 'done' }),
  url: (key) => ({ said: [...key].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''), rest: 'done' }),
  base64: (key) => ({ said: base64(key), rest: 'done' }),
  base64url: (key) => ({ said: Buffer.from(`?${key}>`).toString('base64url'), rest: 'done' }),
  base64inside: (key) => ({ said: base64(JSON.stringify({ apiKey: key })), rest: 'done' }),
  hex: (key) => ({ said: Buffer.from(key).toString('hex').toUpperCase(), rest: 'done' }),
  spaced: (key) => ({ said: [...key].join(' '), rest: 'done' }),
  zeroWidth: (key) => ({ said: [...key].join('\u200b'), rest: 'done' }),
  split: (key) => ({ said: key.slice(0, 11), rest: key.slice(11) }),
  splitReversed: (key) => ({ said: reverse(key).slice(0, 7), rest: reverse(key).slice(7) }),
};

/**
 * Whether a text still holds the key, checked apart from the masker: its letters and digits as is or
 * reversed, its hex (also what percent-encoding leaves), or any base64 run that decodes to it.
 */
function leaks(text: string): boolean {
  const letters = (s: string) => s.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const squashed = letters(text);
  const spellings = [KEY, reverse(KEY)].flatMap((s) => [letters(s), Buffer.from(s).toString('hex')]);
  if (spellings.some((s) => squashed.includes(s))) return true;
  return (text.match(/[A-Za-z0-9+/_-]{16,}/g) ?? []).some((run) => Buffer.from(run, 'base64').toString('latin1').includes(KEY));
}

/** Whether a text holds, as the brand wrote it, what the brand said (either part of a cut key). */
function holdsPart(text: string, how: string): boolean {
  const { said, rest } = SPELLINGS[how]?.(KEY) ?? { said: '', rest: '' };
  return [said, rest].some((part) => part !== 'done' && text.includes(JSON.stringify(part).slice(1, -1)));
}

describe('secrets a brand echoes back', () => {
  let stack: LocalStack;
  let lab: FakeBrand;
  let admin: AdminClient;

  beforeAll(async () => {
    lab = await startFakeBrand((req, res) => {
      const how = (req.url ?? '').split('/').at(-1) ?? '';
      const spell = SPELLINGS[how];
      // A response header echoes it too (base64: a header cannot carry every spelling).
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': base64(String(req.headers['x-api-key'])) });
      res.end(JSON.stringify(spell ? spell(String(req.headers['x-api-key'])) : { said: 'what?', rest: '' }));
    });
    stack = await startTestStack({ extraAllowHttpHosts: [lab.host] });
    admin = adminClient(stack, stack.demo.adminKey);
    expect((await admin.call('PUT', '/admin/secrets/ECHO_KEY', { value: KEY, allowedHosts: ['127.0.0.1'] })).status).toBe(200);
    const flow = {
      schemaVersion: 1,
      name: 'echo',
      triggers: [{ type: 'postback', action: 'echo_key', start: 'echo' }],
      blocks: {
        echo: {
          type: 'callApi',
          request: { url: `${lab.url}/echo/{{ trigger.params.how }}`, headers: { 'x-api-key': '{{ secrets.ECHO_KEY }}' } },
          retry: false,
          onSuccess: 'show',
        },
        show: {
          type: 'message',
          messages: [
            { type: 'text', text: 'Echo: {{ response.body.said }}' },
            { type: 'text', text: '{{ response.body.rest }}' },
          ],
        },
      },
    };
    expect((await admin.call('POST', '/admin/flows', { flowId: 'echo', flow })).status).toBe(201);
    const channels = [
      { kind: 'line', channelId: stack.demo.lineChannelId },
      { kind: 'messenger', channelId: stack.demo.messengerPageId },
    ];
    expect((await admin.call('POST', '/admin/flows/echo/publish', { version: 1, channels })).status).toBe(200);
  });

  afterAll(async () => {
    await stack.stop();
    await lab.close();
  });

  const spellings = Object.keys(SPELLINGS);

  test('the echoing brand does spell the key in each of these ways (the oracle sees them)', () => {
    for (const how of spellings) {
      const spell = SPELLINGS[how]?.(KEY);
      expect([how, leaks(Object.values(spell ?? {}).join(''))]).toEqual([how, true]);
    }
  });

  test.each(spellings)("the card's test (dry run), echoed %s: the response, headers and follow-up show no key", async (how) => {
    const before = lab.requests.length;
    const reply = await admin.call('POST', '/admin/dry-run', { flowId: 'echo', blockId: 'echo', trigger: { params: { how } } });
    expect(reply.status).toBe(200);
    // The brand got the key for real, and sent it back.
    expect(lab.requests.slice(before).map((r) => r.headers['x-api-key'])).toEqual([KEY]);
    expect(reply.body).toMatchObject({ outcome: { ok: true }, response: { status: 200 } });
    expect(reply.text).toContain(MASK);
    expect(leaks(reply.text)).toBe(false);
    expect(holdsPart(reply.text, how)).toBe(false);
  });

  describe.each([
    { kind: 'line', channel: () => stack.demo.lineChannelId },
    { kind: 'messenger', channel: () => stack.demo.messengerPageId },
  ])('the chat simulator on $kind', ({ kind, channel }) => {
    test.each(spellings)("echoed %s: the bot's answers show no key", async (how) => {
      const path = `/admin/simulator/${kind}/${channel()}/sim-echo-${how}`;
      const before = lab.requests.length;
      const sent = await admin.call('POST', path, { event: { type: 'postback', data: `action=echo_key&how=${how}` } });
      expect(sent).toMatchObject({ status: 200, body: { answered: true } });
      await stack.idle();
      expect(lab.requests.slice(before).map((r) => r.headers['x-api-key'])).toEqual([KEY]);
      const read = await admin.call('GET', path);
      expect(read.status).toBe(200);
      const entries = (read.body as { entries: Array<{ from: string; messages?: unknown[] }> }).entries;
      expect(entries.filter((entry) => entry.from === 'bot')).toHaveLength(2);
      expect(read.text).toContain(MASK);
      expect(leaks(read.text)).toBe(false);
      expect(holdsPart(read.text, how)).toBe(false);
      // Only what held the key is masked.
      if (how === 'plain') expect(read.text).toContain(`Echo: ${MASK}`);
    });
  });

  test('a key an earlier card saved to attributes, sent on in a URL: the contact and the execution log show it masked', async () => {
    const flow = {
      schemaVersion: 1,
      name: 'echo to attributes',
      triggers: [{ type: 'postback', action: 'echo_save', start: 'save' }],
      blocks: {
        save: {
          type: 'callApi',
          request: { url: `${lab.url}/echo/reversed`, headers: { 'x-api-key': '{{ secrets.ECHO_KEY }}' } },
          retry: false,
          saveToAttributes: { echoed: 'response.body.said' },
          onSuccess: 'pass',
        },
        pass: { type: 'callApi', request: { url: `${lab.url}/pass?v={{ attributes.echoed }}` }, retry: false, onSuccess: 'done' },
        done: { type: 'message', messages: [{ type: 'text', text: 'ok' }] },
      },
    };
    expect((await admin.call('POST', '/admin/flows', { flowId: 'echo-save', flow })).status).toBe(201);
    expect(
      (
        await admin.call('POST', '/admin/flows/echo-save/publish', {
          version: 1,
          channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
        })
      ).status,
    ).toBe(200);
    const user = 'sim-echo-save';
    expect(
      (
        await admin.call('POST', `/admin/simulator/line/${stack.demo.lineChannelId}/${user}`, {
          event: { type: 'postback', data: 'action=echo_save' },
        })
      ).status,
    ).toBe(200);
    await stack.idle();
    expect(lab.requests.at(-1)?.url).toBe(`/pass?v=${reverse(KEY)}`);
    const contact = await admin.call('GET', `/admin/contacts/line/${stack.demo.lineChannelId}/${user}`);
    expect(contact).toMatchObject({ status: 200, body: { attributes: { echoed: MASK } } });
    const log = await admin.call('GET', `/admin/logs?customer=line:${stack.demo.lineChannelId}:${user}`);
    expect(log.status).toBe(200);
    expect(log.text).toContain(`/pass?v=${MASK}`);
    expect(leaks(contact.text) || leaks(log.text)).toBe(false);
  });
});

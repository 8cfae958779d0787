import { validateFlow } from '../../../../shared/flow/validateFlow';
import { evaluatePath, renderText, renderUrl, TemplateError } from '../../../../shared/templating/liquid';
import { normalizeHost, requestHost } from '../../../../shared/templating/secretHosts';
import {
  renderHeaderValue,
  SECRET_INSIDE_MARKUP,
  SECRET_NOT_WHOLE,
  SECRET_OUTSIDE_HEADER,
  secretReferences,
  templateCheck,
} from '../../../../shared/templating/secrets';

/**
 * A secret may appear only whole, as `{{ secrets.NAME }}`, in a request header value; it is put in
 * place by callcard after the header renders, never by Liquid, so no filter or tag can transform it
 * and no error can quote it.
 */

const SECRET = 'sk_live_Q7w9XyZ42';
const SECRETS = { API_KEY: SECRET, OTHER: 'other-secret-value-99' };

describe('templateCheck: where and how a secret may be written', () => {
  test.each([
    'Bearer {{ secrets.API_KEY }}',
    '{{secrets.API_KEY}}',
    '{{ secrets.API_KEY }}:{{ secrets.OTHER }}',
    'key={{ secrets.API_KEY }}; member={{ attributes.memberId | upcase }}',
    '{% if attributes.vip %}vip{% endif %} {{ secrets.API_KEY }}',
    'no secret at all {{ attributes.name }}',
  ])('a header may hold %j', (source) => {
    expect(templateCheck(source, { header: true })).toBeUndefined();
  });

  test.each([
    ['{{ secrets.API_KEY | upcase }}', SECRET_NOT_WHOLE],
    ['{{ secrets.API_KEY | reverse }}', SECRET_NOT_WHOLE],
    ['{{ secrets.API_KEY | split: "" | join: " " }}', SECRET_NOT_WHOLE],
    ['{% assign k = secrets.API_KEY | split: "" | join: " " %}{{ k }}', SECRET_NOT_WHOLE],
    ['{% assign k = secrets.API_KEY %}Bearer {{ secrets.OTHER }}', SECRET_NOT_WHOLE],
    ['{{ secrets }}', SECRET_NOT_WHOLE],
    ['{{ secrets | json }}', SECRET_NOT_WHOLE],
    ['{% for s in secrets %}{{ s }}{% endfor %}', SECRET_NOT_WHOLE],
    ['{{ secrets["API_KEY"] }}', SECRET_NOT_WHOLE],
    ['{{ ["secrets"].API_KEY }}', SECRET_NOT_WHOLE],
    ['{{- secrets.API_KEY -}}', SECRET_NOT_WHOLE],
    ['{% liquid\necho secrets.API_KEY %}', SECRET_NOT_WHOLE],
    ['{% if attributes.x %}{{ secrets.API_KEY }}{% endif %}', SECRET_INSIDE_MARKUP],
    ['{% capture c %}{{ secrets.API_KEY }}{% endcapture %}{{ c | upcase }}', SECRET_INSIDE_MARKUP],
    ['{% raw %}{{ secrets.API_KEY }}{% endraw %}', SECRET_INSIDE_MARKUP],
    ['{{ "{{ secrets.API_KEY }}" }}', SECRET_INSIDE_MARKUP],
  ])('a header may not hold %j', (source, problem) => {
    expect(templateCheck(source, { header: true })).toBe(problem);
  });

  test("the hostile tester's header: refused (it reads a file too)", () => {
    expect(templateCheck('{% assign k = secrets.API_KEY | split: "" | join: " " %}{% include k %}', { header: true })).toMatch(
      /^template does not parse: the include tag is not allowed/,
    );
  });

  test.each([
    '{{ secrets.API_KEY }}',
    'https://x/{{ secrets.API_KEY }}',
    '{{ secrets }}',
    '{% assign s = secrets %}',
    'Hi {{ ["secrets"] | json }}',
  ])('anywhere but a header, %j is refused', (source) => {
    expect(templateCheck(source)).toBe(SECRET_OUTSIDE_HEADER);
  });

  test('literal text that says "secrets" is fine anywhere', () => {
    expect(templateCheck('Our secrets are safe with {{ attributes.name }}')).toBeUndefined();
    expect(templateCheck('{% raw %}{{ secrets.X }}{% endraw %} is how you write one')).toBeUndefined();
  });

  test('secretReferences lists each secret a header names', () => {
    expect(secretReferences('{{ secrets.A }}-{{secrets.B}}-{{ secrets.A }}')).toEqual(['A', 'B']);
    expect(secretReferences('{{ secrets.A | upcase }}')).toEqual([]);
  });
});

describe('validateFlow: each misuse is a problem at its path', () => {
  test('every place a template lives', () => {
    const result = validateFlow({
      schemaVersion: 1,
      name: 'secrets',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'ask' }],
      blocks: {
        ask: { type: 'question', prompt: 'Key? {{ secrets.API_KEY }}', input: { type: 'text' }, saveAs: 'k', next: 'hello' },
        hello: {
          type: 'message',
          messages: [
            { type: 'text', text: 'Your key: {{ secrets.API_KEY }}' },
            { type: 'buttons', text: 'x', buttons: [{ type: 'postback', label: 'a', data: 'k={{ secrets.OTHER }}' }] },
          ],
          next: 'card',
        },
        card: {
          type: 'callApi',
          request: {
            method: 'POST',
            url: 'https://api.example/x?k={{ secrets.API_KEY }}',
            headers: {
              authorization: 'Bearer {{ secrets.API_KEY }}',
              'x-shout': '{{ secrets.API_KEY | upcase }}',
              'x-all': '{{ secrets | json }}',
            },
            body: { type: 'json', value: { key: '{{ secrets.API_KEY }}', nested: ['{{ secrets.OTHER }}'] } },
          },
          successWhen: 'secrets.API_KEY == "x"',
          onSuccess: 'save',
          onFailure: 'form',
        },
        form: {
          type: 'callApi',
          request: { method: 'POST', url: 'https://api.example/f', body: { type: 'form', fields: { key: '{{ secrets.API_KEY }}' } } },
        },
        save: { type: 'setAttributes', set: { copy: '{{ secrets.API_KEY }}' } },
      },
    });
    expect(result.ok).toBe(false);
    const problems = Object.fromEntries((result.ok ? [] : result.problems).map((p) => [p.path, p.message]));
    expect(problems).toEqual({
      'blocks.ask.prompt': SECRET_OUTSIDE_HEADER,
      'blocks.hello.messages.0.text': SECRET_OUTSIDE_HEADER,
      'blocks.hello.messages.1.buttons.0.data': SECRET_OUTSIDE_HEADER,
      'blocks.card.request.url': SECRET_OUTSIDE_HEADER,
      'blocks.card.request.headers.x-shout': SECRET_NOT_WHOLE,
      'blocks.card.request.headers.x-all': SECRET_NOT_WHOLE,
      'blocks.card.request.body.value.key': SECRET_OUTSIDE_HEADER,
      'blocks.card.request.body.value.nested.0': SECRET_OUTSIDE_HEADER,
      'blocks.card.successWhen': SECRET_OUTSIDE_HEADER,
      'blocks.form.request.body.fields.key': SECRET_OUTSIDE_HEADER,
      'blocks.save.set.copy': SECRET_OUTSIDE_HEADER,
    });
  });
});

describe('renderHeaderValue', () => {
  const context = { attributes: { memberId: 'M001', answer: '{{ secrets.API_KEY }}' } };

  test('the secret is put in whole; the rest renders with Liquid', async () => {
    await expect(renderHeaderValue('Bearer {{ secrets.API_KEY }}', context, SECRETS)).resolves.toBe(`Bearer ${SECRET}`);
    await expect(
      renderHeaderValue('{{ secrets.API_KEY }}/{{ attributes.memberId | downcase }}/{{secrets.OTHER}}', context, SECRETS),
    ).resolves.toBe(`${SECRET}/m001/${SECRETS.OTHER}`);
  });

  test('a customer value that spells a reference stays text', async () => {
    await expect(renderHeaderValue('x {{ attributes.answer }}', context, SECRETS)).resolves.toBe('x {{ secrets.API_KEY }}');
  });

  test('Liquid never sees the secrets: a filter on one cannot run, and is refused', async () => {
    for (const source of ['{{ secrets.API_KEY | upcase }}', '{{ secrets | json }}', '{% if true %}{{ secrets.API_KEY }}{% endif %}']) {
      const error = await renderHeaderValue(source, context, SECRETS).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TemplateError);
      expect(String((error as Error).message)).not.toContain(SECRET);
    }
  });

  test('a secret the workspace does not have fails the render, naming only the secret', async () => {
    await expect(renderHeaderValue('Bearer {{ secrets.NOPE }}', context, SECRETS)).rejects.toThrow(
      new TemplateError('secret NOPE is not set'),
    );
  });

  test('a secret is looked up as an own property only', async () => {
    await expect(renderHeaderValue('{{ secrets.constructor }}', context, SECRETS)).rejects.toThrow('secret constructor is not set');
  });
});

describe('TemplateError messages never quote a value', () => {
  const CANARY = 'CanaryValue7731';
  const values = [CANARY, `"${CANARY}`, `x | ${CANARY}`, `x | ${CANARY}: 'a`, `x[${CANARY}`, `(1..${CANARY}`, `${CANARY} == "`, '..'];
  const templates = [
    '{{ list | where_exp: "x", v }}',
    '{{ list | reject_exp: "x", v }}',
    '{{ list | has_exp: "x", v }}',
    '{{ list | find_exp: "x", v }}',
    '{{ list | group_by_exp: "x", v }}',
    '{{ list | where_exp: v, "true" }}',
    '{{ v | split: "" | join: " " | append }}',
    '{{ v | base64_decode }}',
    '{{ v | upcase | reverse | date: v | truncate: v }}',
    '{% cycle v %}',
    '{% for i in (1..v) %}{{ i }}{% endfor %}',
  ];

  test('whatever a template evaluates, the error names the kind and position only', async () => {
    const messages: string[] = [];
    for (const v of values) {
      for (const source of templates) {
        for (const render of [renderText, renderUrl]) {
          try {
            await render(source, { v, list: [{ a: 1 }, { a: 2 }] });
          } catch (error) {
            expect(error).toBeInstanceOf(TemplateError);
            messages.push((error as Error).message);
          }
        }
      }
      await evaluatePath(v, {}).catch((error: unknown) => messages.push((error as Error).message));
    }
    expect(messages.length).toBeGreaterThan(20);
    for (const message of messages) {
      expect(message.toLowerCase()).not.toContain(CANARY.toLowerCase());
      expect(message.replace(/[^a-z0-9]/gi, '').toLowerCase()).not.toContain(CANARY.toLowerCase());
      expect(message).not.toContain('\n');
    }
  });

  test("the hostile tester's read-back, rendered without validation: no spelling of the secret comes back", async () => {
    const source = '{% assign k = v | split: "" | join: " " %}{% include k %}';
    const error: unknown = await renderText(source, { v: SECRET }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).message.replace(/\s/g, '')).not.toContain(SECRET);
  });
});

describe('hosts', () => {
  test.each([
    ['api.example.com', 'api.example.com'],
    ['API.Example.COM', 'api.example.com'],
    ['api.example.com.', 'api.example.com'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['bücher.example', 'xn--bcher-kva.example'],
  ])('normalizeHost(%j) is %j', (entry, host) => {
    expect(normalizeHost(entry)).toBe(host);
  });

  test.each([
    '',
    'https://api.example.com',
    'api.example.com:443',
    'api.example.com/x',
    '*.example.com',
    'user@api.example.com',
    'a b',
    'api.example.com?x',
    '%61pi.example',
  ])('normalizeHost(%j) is not a host', (entry) => {
    expect(normalizeHost(entry)).toBeUndefined();
  });

  test('requestHost compares the same way', () => {
    expect(requestHost('https://API.example.com./x?y')).toBe('api.example.com');
    expect(requestHost('http://[::1]:3000/')).toBe('::1');
    expect(requestHost('not a url')).toBeUndefined();
  });
});

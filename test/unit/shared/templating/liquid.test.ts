import {
  evaluateCondition,
  evaluatePath,
  renderText,
  renderUrl,
  renderValue,
  TemplateError,
  templateProblem,
  type TemplateContext,
} from '../../../../shared/templating/liquid';

const context: TemplateContext = {
  customer: { id: 'U1', channel: 'line', attributes: { name: 'Mei', age: 31, vip: true } },
  attributes: { name: 'Mei', age: 31, vip: false, zero: 0, tags: ['a', 'b'], address: { city: 'Taipei' }, nothing: null },
  response: {
    status: 200,
    body: {
      items: [
        { id: 1, name: 'Tea' },
        { id: 2, name: 'Cake' },
      ],
      status: 'success',
      count: 2,
    },
  },
  evil: 'a/b?c=d&e',
};

describe('renderText', () => {
  test('renders variables, filters and tags', async () => {
    await expect(renderText('Hi {{ attributes.name }}, {{ attributes.age | plus: 1 }}', context)).resolves.toBe('Hi Mei, 32');
    await expect(renderText('{% for item in response.body.items %}{{ item.name }};{% endfor %}', context)).resolves.toBe('Tea;Cake;');
    await expect(renderText('{% if attributes.age > 30 %}senior{% else %}junior{% endif %}', context)).resolves.toBe('senior');
    await expect(renderText('{{ response.body.items[1].name }}', context)).resolves.toBe('Cake');
  });

  test('a missing variable renders empty, not an error', async () => {
    await expect(renderText('[{{ attributes.missing }}][{{ nope.deeper.still }}]', context)).resolves.toBe('[][]');
  });

  test('text without Liquid stays as written', async () => {
    await expect(renderText('plain text & <b>markup</b> / ?', context)).resolves.toBe('plain text & <b>markup</b> / ?');
  });

  test('values are not HTML-escaped (messages are not HTML)', async () => {
    await expect(renderText('{{ v }}', { v: 'Tom & "Jerry" <3' })).resolves.toBe('Tom & "Jerry" <3');
  });

  test('a filter that does not exist is an error, not silently ignored', async () => {
    await expect(renderText('{{ attributes.name | shout }}', context)).rejects.toThrow(TemplateError);
    await expect(renderText('{{ attributes.name | shout }}', context)).rejects.toThrow(/undefined filter: shout/);
  });

  test('a template that does not parse throws a TemplateError with a one-line message', async () => {
    const error = await renderText('Hi {{ name', context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).name).toBe('TemplateError');
    expect((error as TemplateError).message).not.toContain('\n');
    expect((error as TemplateError).message).toMatch(/not closed/);
    // liquidjs's own error is not kept: its message and stack may quote values and the template.
    expect((error as TemplateError).cause).toBeUndefined();
  });

  test('prototype properties are not readable', async () => {
    await expect(
      renderText('[{{ attributes.constructor }}][{{ attributes.__proto__ }}][{{ attributes.toString }}]', context),
    ).resolves.toBe('[][][]');
    await expect(renderText('[{{ attributes.name.constructor }}][{{ attributes.tags.constructor.name }}]', context)).resolves.toBe('[][]');
    await expect(renderText('[{{ attributes.hasOwnProperty }}][{{ response.body.__proto__.constructor }}]', context)).resolves.toBe('[][]');
  });

  test('own properties with prototype-like names stay readable only when they are own', async () => {
    const data = JSON.parse('{"__proto__": "own value", "constructor": "ctor"}') as Record<string, unknown>;
    await expect(renderText('{{ data.constructor }}', { data })).resolves.toBe('ctor');
  });

  test('a render loop over a huge range stops with an error', async () => {
    const started = Date.now();
    await expect(renderText('{% for i in (1..100000000) %}x{% endfor %}', context)).rejects.toThrow(TemplateError);
    await expect(renderText('{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}', context)).rejects.toThrow(
      /limit exceeded/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a string doubled until it is huge stops with an error', async () => {
    const source = '{% assign a = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign a = a | append: a %}{% endfor %}{{ a | size }}';
    await expect(renderText(source, context)).rejects.toThrow(/limit exceeded/);
  });

  test('customer input that contains Liquid is printed literally when it is data', async () => {
    const input = '{{ 7*7 }} {% for i in (1..1000000000) %}x{% endfor %} {{ attributes | json }}';
    await expect(renderText('You said: {{ attributes.answer }}', { attributes: { answer: input } })).resolves.toBe(`You said: ${input}`);
    await expect(renderText('{{ a }}', { a: '{% raw %}' })).resolves.toBe('{% raw %}');
  });
});

describe('renderUrl', () => {
  test('every printed value is URL-encoded: it cannot add a path segment or a query parameter', async () => {
    const url = await renderUrl('https://api.example/members/{{ evil }}/tickets?q={{ evil }}&page=1', context);
    expect(url).toBe('https://api.example/members/a%2Fb%3Fc%3Dd%26e/tickets?q=a%2Fb%3Fc%3Dd%26e&page=1');
    const parsed = new URL(url);
    expect(parsed.pathname.split('/')).toEqual(['', 'members', 'a%2Fb%3Fc%3Dd%26e', 'tickets']);
    expect([...parsed.searchParams.keys()]).toEqual(['q', 'page']);
    expect(parsed.searchParams.get('q')).toBe('a/b?c=d&e');
  });

  test('the template itself (written by the admin) is not encoded', async () => {
    await expect(renderUrl('https://api.example/a/b?x=1&y=2', context)).resolves.toBe('https://api.example/a/b?x=1&y=2');
  });

  test('values after a filter are encoded too', async () => {
    await expect(renderUrl('https://h/{{ evil | upcase }}', context)).resolves.toBe('https://h/A%2FB%3FC%3DD%26E');
  });

  test('spaces, # and non-ASCII are encoded', async () => {
    await expect(renderUrl('https://h/s?q={{ v }}', { v: 'hot tea #1 熱銷' })).resolves.toBe(
      `https://h/s?q=${encodeURIComponent('hot tea #1 熱銷')}`,
    );
  });

  test('a value cannot end the host with / or @ to point the URL elsewhere', async () => {
    const url = await renderUrl('https://{{ sub }}.api.example/x', { sub: 'evil.example/@' });
    expect(url).toBe('https://evil.example%2F%40.api.example/x');
    expect(() => new URL(url)).toThrow();
  });

  test('a missing value renders empty', async () => {
    await expect(renderUrl('https://h/m/{{ attributes.nothing }}/{{ attributes.missing }}', context)).resolves.toBe('https://h/m//');
  });

  test('numbers print as they are', async () => {
    await expect(renderUrl('https://h/m/{{ attributes.age }}', context)).resolves.toBe('https://h/m/31');
  });

  test('the same limits apply', async () => {
    await expect(renderUrl('https://h/{{ evil | nosuchfilter }}', context)).rejects.toThrow(TemplateError);
    await expect(renderUrl('https://h/{{ attributes.constructor }}', context)).resolves.toBe('https://h/');
  });

  test('renderText does not encode', async () => {
    await expect(renderText('{{ evil }}', context)).resolves.toBe('a/b?c=d&e');
  });
});

describe('renderValue', () => {
  test('a template that is exactly one variable keeps its type', async () => {
    await expect(renderValue('{{ attributes.age }}', context)).resolves.toBe(31);
    await expect(renderValue('{{ attributes.vip }}', context)).resolves.toBe(false);
    await expect(renderValue('{{ customer.attributes.vip }}', context)).resolves.toBe(true);
    await expect(renderValue('{{ attributes.zero }}', context)).resolves.toBe(0);
    await expect(renderValue('{{ attributes.tags }}', context)).resolves.toEqual(['a', 'b']);
    await expect(renderValue('{{ attributes.address }}', context)).resolves.toEqual({ city: 'Taipei' });
    await expect(renderValue('{{ response.body.items[0] }}', context)).resolves.toEqual({ id: 1, name: 'Tea' });
    await expect(renderValue('{{ attributes.nothing }}', context)).resolves.toBeNull();
    await expect(renderValue('{{ attributes.name }}', context)).resolves.toBe('Mei');
  });

  test('spacing around the single variable does not matter', async () => {
    await expect(renderValue('{{attributes.age}}', context)).resolves.toBe(31);
    await expect(renderValue('  {{   attributes.age   }}  ', context)).resolves.toBe(31);
  });

  test('a missing single variable is undefined', async () => {
    await expect(renderValue('{{ attributes.missing }}', context)).resolves.toBeUndefined();
  });

  test('anything else renders to text', async () => {
    await expect(renderValue('age {{ attributes.age }}', context)).resolves.toBe('age 31');
    await expect(renderValue('{{ attributes.age }}{{ attributes.age }}', context)).resolves.toBe('3131');
    await expect(renderValue('{{ attributes.age | plus: 1 }}', context)).resolves.toBe('32');
    await expect(renderValue('31', context)).resolves.toBe('31');
    await expect(renderValue('', context)).resolves.toBe('');
    await expect(renderValue('{{ "literal" }}', context)).resolves.toBe('literal');
  });

  test('a customer string holding Liquid or JSON stays one string', async () => {
    const answer = '"}, "admin": true, "x": {" {{ 7*7 }}';
    await expect(renderValue('{{ attributes.answer }}', { attributes: { answer } })).resolves.toBe(answer);
    await expect(renderValue('Name: {{ attributes.answer }}', { attributes: { answer } })).resolves.toBe(`Name: ${answer}`);
  });

  test('prototype properties are not readable through a single variable', async () => {
    await expect(renderValue('{{ attributes.constructor }}', context)).resolves.toBeUndefined();
    await expect(renderValue('{{ attributes.__proto__ }}', context)).resolves.toBeUndefined();
  });
});

describe('evaluatePath', () => {
  test('reads nested paths and indexes', async () => {
    await expect(evaluatePath('response.body.items', context)).resolves.toEqual([
      { id: 1, name: 'Tea' },
      { id: 2, name: 'Cake' },
    ]);
    await expect(evaluatePath('response.body.items[1].id', context)).resolves.toBe(2);
    await expect(evaluatePath('response.status', context)).resolves.toBe(200);
    await expect(evaluatePath('attributes.address.city', context)).resolves.toBe('Taipei');
  });

  test('a missing path is undefined', async () => {
    await expect(evaluatePath('response.body.nope', context)).resolves.toBeUndefined();
    await expect(evaluatePath('response.body.items[9].id', context)).resolves.toBeUndefined();
    await expect(evaluatePath('nothing.at.all', context)).resolves.toBeUndefined();
  });

  test('own properties only', async () => {
    await expect(evaluatePath('response.constructor', context)).resolves.toBeUndefined();
    await expect(evaluatePath('response.body.__proto__', context)).resolves.toBeUndefined();
    await expect(evaluatePath('attributes.name.constructor', context)).resolves.toBeUndefined();
  });

  test('a path that is not an expression is a TemplateError', async () => {
    await expect(evaluatePath('{{', context)).rejects.toThrow(TemplateError);
  });
});

describe('evaluateCondition', () => {
  test('true and false', async () => {
    await expect(evaluateCondition('response.body.status == "success"', context)).resolves.toBe(true);
    await expect(evaluateCondition('response.body.status == "failed"', context)).resolves.toBe(false);
    await expect(evaluateCondition('response.body.count > 1 and attributes.age >= 31', context)).resolves.toBe(true);
    await expect(evaluateCondition('response.body.count > 5 or attributes.vip', context)).resolves.toBe(false);
    await expect(evaluateCondition('response.body.items.size == 2', context)).resolves.toBe(true);
  });

  test('a missing value is falsy', async () => {
    await expect(evaluateCondition('response.body.nope', context)).resolves.toBe(false);
    await expect(evaluateCondition('response.body.nope == true', context)).resolves.toBe(false);
  });

  test('a broken condition is a TemplateError', async () => {
    await expect(evaluateCondition('response.body.status | nosuch', context)).rejects.toThrow(TemplateError);
  });

  test('a value that looks like Liquid does not change the condition', async () => {
    await expect(evaluateCondition('attributes.answer == "yes"', { attributes: { answer: 'no" or true or "' } })).resolves.toBe(false);
    await expect(evaluateCondition('attributes.answer == "yes"', { attributes: { answer: '{% endif %}true' } })).resolves.toBe(false);
  });
});

describe('templateProblem', () => {
  test('undefined for a valid template', () => {
    expect(templateProblem('Hi {{ attributes.name | upcase }}! {% if x %}y{% endif %}')).toBeUndefined();
    expect(templateProblem('no liquid at all')).toBeUndefined();
    expect(templateProblem('')).toBeUndefined();
  });

  test('describes a template that does not parse, on one line', () => {
    for (const source of ['Hi {{ name', '{% if x %}never closed', '{% nosuchtag %}', '{% for %}{% endfor %}']) {
      const problem = templateProblem(source);
      expect(problem).toEqual(expect.any(String));
      expect(problem).not.toContain('\n');
    }
    expect(templateProblem('Hi {{ name')).toMatch(/not closed/);
    expect(templateProblem('{% nosuchtag %}')).toMatch(/nosuchtag/);
  });

  test('an unknown filter is a problem at parse time (strictFilters)', () => {
    expect(templateProblem('{{ x | shout }}')).toMatch(/undefined filter: shout/);
  });

  test('does not render: a huge loop is fine to parse', () => {
    expect(templateProblem('{% for i in (1..100000000) %}x{% endfor %}')).toBeUndefined();
  });
});

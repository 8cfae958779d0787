import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Liquid } from 'liquidjs';
import { runTurn } from '../../../../shared/engine/runTurn';
import { flowSchema } from '../../../../shared/flow/schema';
import { validateFlow } from '../../../../shared/flow/validateFlow';
import {
  ALLOWED_FILTERS,
  ALLOWED_TAGS,
  ENGINES,
  evaluateCondition,
  renderText,
  renderUrl,
  renderValue,
  TemplateError,
  templateProblem,
} from '../../../../shared/templating/liquid';

/**
 * Templates never read a file or the process environment. liquidjs reads partials and layouts from
 * the working directory by default: `{% include "package.json" %}` in a message sent the file to a
 * customer. Every tag and filter liquidjs ships (taken from a stock engine at run time, so a new
 * liquidjs version cannot add one unseen) is tried with arguments naming real files and environment
 * variables; none may read one.
 */

const stock = new Liquid();
const STOCK_TAGS = Object.keys(stock.tags);
const STOCK_FILTERS = Object.keys(stock.filters);

const ENV_NAME = 'CALLCARD_TEMPLATE_CANARY';
const ENV_VALUE = 'env-canary-4f1c9e77';
const FILE_TEXT = 'file-canary-8b2d71aa';

let dir: string;
let canaryAbs: string;
let canaryRel: string;
let forbidden: string[];
let targets: Set<string>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callcard-liquid-'));
  canaryAbs = path.join(dir, 'canary.liquid');
  fs.writeFileSync(canaryAbs, FILE_TEXT);
  fs.writeFileSync(path.join(dir, 'canary'), FILE_TEXT);
  canaryRel = path.relative(process.cwd(), canaryAbs);
  process.env[ENV_NAME] = ENV_VALUE;
  const hostname = fs.existsSync('/etc/hostname') ? fs.readFileSync('/etc/hostname', 'utf8').trim() : '';
  // What would only be in an output that read a file or the environment.
  forbidden = [FILE_TEXT, ENV_VALUE, '"name": "callcard"', '"private": true', ...(hostname.length >= 8 ? [hostname] : [])];
  targets = new Set([path.resolve('package.json'), '/etc/hostname', canaryAbs, path.join(dir, 'canary')]);
});

afterAll(() => {
  delete process.env[ENV_NAME];
  fs.rmSync(dir, { recursive: true, force: true });
});

const argsFor = () => [
  '"package.json"',
  "'/etc/hostname'",
  `"${canaryAbs}"`,
  `"${canaryRel}"`,
  `"${path.join(dir, 'canary')}"`,
  'file',
  'files',
  `"${ENV_NAME}"`,
  `env.${ENV_NAME}`,
  `process.env.${ENV_NAME}`,
  'env',
  'process',
];

const context = () => ({ file: canaryAbs, files: ['package.json', canaryAbs, '/etc/hostname'], attributes: { name: 'Mei', list: [1, 2] } });

function tagTemplates(tag: string, arg: string): string[] {
  return [
    `{% ${tag} ${arg} %}`,
    `{% ${tag} ${arg} %}{% end${tag} %}`,
    `{% ${tag} ${arg} %}x{% else %}y{% end${tag} %}`,
    `{% ${tag} ${arg} %}{% when ${arg} %}x{% end${tag} %}`,
    `{% ${tag} x in ${arg} %}{{ x }}{% end${tag} %}`,
    `{% ${tag} x = ${arg} %}{{ x }}`,
    `{% ${tag} x %}{{ ${arg} }}{% end${tag} %}{{ x }}`,
    `{% ${tag} ${arg}, ${arg} %}`,
    `{% ${tag} ${arg} with ${arg} %}`,
    `{% ${tag} ${arg} for ${arg} as x %}`,
    `{% ${tag} ${arg} %}{% block content %}b{% endblock %}`,
    `{% liquid ${tag} ${arg} %}`,
    `{% liquid\n${tag} ${arg}\nend${tag} %}`,
  ];
}

function filterTemplates(filter: string, arg: string): string[] {
  return [
    `{{ ${arg} | ${filter} }}`,
    `{{ ${arg} | ${filter}: ${arg} }}`,
    `{{ ${arg} | ${filter}: ${arg}, ${arg} }}`,
    `{{ ${arg} | ${filter}: "x", ${arg} }}`,
    `{% assign v = ${arg} | ${filter} %}{{ v }}`,
  ];
}

/** Every way callcard renders a template, each result or error message as text. */
async function renderAllWays(source: string): Promise<string[]> {
  const out: string[] = [];
  const attempt = async (run: () => Promise<unknown>) => {
    try {
      out.push(JSON.stringify(await run()) ?? '');
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateError);
      out.push(`error: ${(error as Error).message}`);
    }
  };
  await attempt(() => renderText(source, context()));
  await attempt(() => renderUrl(source, context()));
  await attempt(() => renderValue(source, context()));
  out.push(templateProblem(source) ?? '');
  return out;
}

/** File system calls and environment reads made while `work` runs, on the files and variable above. */
async function watchFilesAndEnv(work: () => Promise<void>): Promise<string[]> {
  const touched: string[] = [];
  const methods = [
    'readFileSync',
    'readFile',
    'existsSync',
    'exists',
    'statSync',
    'stat',
    'lstatSync',
    'lstat',
    'openSync',
    'open',
    'accessSync',
    'access',
    'readdirSync',
    'readdir',
    'createReadStream',
  ] as const;
  const isTarget = (arg: unknown) => (typeof arg === 'string' || arg instanceof URL) && targets.has(path.resolve(String(arg)));
  const spies = methods.map((name) => {
    const original = fs[name] as (...args: unknown[]) => unknown;
    return jest.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
      if (isTarget(args[0])) touched.push(`fs.${name}(${String(args[0])})`);
      return original.apply(fs, args);
    }) as never);
  });
  const promiseSpies = (['readFile', 'stat', 'access', 'open'] as const).map((name) => {
    const original = fs.promises[name] as (...args: unknown[]) => Promise<unknown>;
    return jest.spyOn(fs.promises, name).mockImplementation(((...args: unknown[]) => {
      if (isTarget(args[0])) touched.push(`fs.promises.${name}(${String(args[0])})`);
      return original.apply(fs.promises, args);
    }) as never);
  });
  const realEnv = process.env;
  process.env = new Proxy(realEnv, {
    get(target, key, receiver) {
      if (key === ENV_NAME) touched.push(`process.env.${ENV_NAME}`);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      if (key === ENV_NAME) touched.push(`${ENV_NAME} in process.env`);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      touched.push('process.env keys');
      return Reflect.ownKeys(target);
    },
  });
  try {
    await work();
  } finally {
    process.env = realEnv;
    for (const spy of [...spies, ...promiseSpies]) spy.mockRestore();
  }
  return touched;
}

describe('templates cannot read files or the environment', () => {
  test('the engines have no file system, no roots and no relative lookups', () => {
    for (const engine of ENGINES) {
      expect(engine.options.root).toEqual([]);
      expect(engine.options.partials).toEqual([]);
      expect(engine.options.layouts).toEqual([]);
      expect(engine.options.relativeReference).toBe(false);
      expect(engine.options.fs.existsSync(path.resolve('package.json'))).toBe(false);
      expect(() => engine.options.fs.readFileSync(path.resolve('package.json'))).toThrow('templates cannot read files');
    }
  });

  test('the watch below sees a file read and an environment read (so its silence means something)', async () => {
    const touched = await watchFilesAndEnv(async () => {
      stock.parseAndRenderSync('{% render "package.json" %}');
      expect(await new Liquid({ root: dir }).parseAndRender('{% include "canary.liquid" %}')).toBe(FILE_TEXT);
      expect(process.env[ENV_NAME]).toBe(ENV_VALUE);
    });
    expect(touched).toEqual(
      expect.arrayContaining([expect.stringContaining('package.json'), expect.stringContaining(canaryAbs), `process.env.${ENV_NAME}`]),
    );
  });

  test('include, render and layout are refused when a template is parsed and when it renders', async () => {
    for (const source of [
      '{% include "package.json" %}',
      "{% render '.git/config' %}",
      '{% layout "package.json" %}x',
      '{% liquid include "package.json" %}',
      '{% if true %}{% render file %}{% endif %}',
    ]) {
      expect(templateProblem(source)).toMatch(
        /^the (include|render|layout) tag is not allowed: templates cannot read files, line:1, col:\d+$/,
      );
      await expect(renderText(source, context())).rejects.toThrow(TemplateError);
    }
  });

  test('every tag and filter liquidjs ships, with arguments naming files and environment variables, reads neither', async () => {
    // Sanity: the stock engine does read files, so the arguments below are real ones.
    expect(stock.parseAndRenderSync('{% render "package.json" %}')).toContain('"name": "callcard"');
    expect(STOCK_TAGS.length).toBeGreaterThan(15);
    expect(STOCK_FILTERS.length).toBeGreaterThan(50);

    let rendered = 0;
    const leaks: string[] = [];
    const touched = await watchFilesAndEnv(async () => {
      const sources = [
        ...STOCK_TAGS.flatMap((tag) => argsFor().flatMap((arg) => tagTemplates(tag, arg))),
        ...STOCK_FILTERS.flatMap((filter) => argsFor().flatMap((arg) => filterTemplates(filter, arg))),
      ];
      for (const source of sources) {
        for (const result of await renderAllWays(source)) {
          if (!result.startsWith('error:')) rendered += 1;
          for (const needle of forbidden) if (result.includes(needle)) leaks.push(`${source} → ${result.slice(0, 200)}`);
        }
      }
    });
    expect(leaks).toEqual([]);
    expect(touched).toEqual([]);
    // Not vacuous: most of these templates rendered.
    expect(rendered).toBeGreaterThan(5_000);
  });

  test('every stock tag is audited or refused; every stock filter is audited or unknown; a new one shows up here', () => {
    for (const tag of STOCK_TAGS) {
      if (!ALLOWED_TAGS.has(tag))
        expect([tag, templateProblem(`{% ${tag} "package.json" %}`)]).toEqual([tag, expect.stringMatching(/is not allowed/)]);
    }
    for (const filter of STOCK_FILTERS) {
      if (!ALLOWED_FILTERS.has(filter))
        expect([filter, templateProblem(`{{ "package.json" | ${filter} }}`)]).toEqual([filter, expect.stringMatching(/undefined filter/)]);
    }
    // Refused today: the tags that read files. A liquidjs upgrade that ships another tag or filter
    // fails here until it is audited (it is refused meanwhile).
    expect(STOCK_TAGS.filter((tag) => !ALLOWED_TAGS.has(tag)).sort()).toEqual(['include', 'layout', 'render']);
    expect(STOCK_FILTERS.filter((filter) => !ALLOWED_FILTERS.has(filter))).toEqual([]);
    for (const engine of ENGINES) {
      expect(Object.keys(engine.filters).filter((filter) => !ALLOWED_FILTERS.has(filter))).toEqual([]);
    }
  });

  test('a condition cannot smuggle a file tag in either', async () => {
    await expect(evaluateCondition('true %}{% include "package.json" %}{% if true', {})).rejects.toThrow(/include tag is not allowed/);
  });

  test('validation refuses them with the path of the template', () => {
    const result = validateFlow({
      schemaVersion: 1,
      name: 'files',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'hello' }],
      blocks: {
        hello: { type: 'message', messages: [{ type: 'text', text: 'Hi {% include "package.json" %}' }], next: 'card' },
        card: {
          type: 'callApi',
          request: {
            method: 'POST',
            url: 'https://api.example/{% render ".git/config" %}',
            headers: { 'x-a': '{% layout "package.json" %}' },
            body: { type: 'json', value: { a: ['{% liquid include "/etc/hostname" %}'] } },
          },
          onSuccess: 'save',
        },
        save: { type: 'setAttributes', set: { v: '{% render file %}' } },
      },
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.path).sort()).toEqual([
      'blocks.card.request.body.value.a.0',
      'blocks.card.request.headers.x-a',
      'blocks.card.request.url',
      'blocks.hello.messages.0.text',
      'blocks.save.set.v',
    ]);
    for (const problem of problems)
      expect(problem.message).toMatch(
        /^template does not parse: the (include|render|layout) tag is not allowed: templates cannot read files/,
      );
  });

  test('a flow that skipped validation: the message fails to render (the failure path), no file is sent', async () => {
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'unvalidated',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'hello' }],
      blocks: { hello: { type: 'message', messages: [{ type: 'text', text: 'Hi {% include "package.json" %}' }] } },
    });
    const errors: string[] = [];
    const result = await runTurn(
      {
        flow,
        flowRef: { flowId: 'f', version: 1 },
        event: { type: 'text', text: 'go' },
        session: undefined,
        customer: { id: 'U1', channel: 'line', attributes: {} },
      },
      {
        callApi: async () => ({ ok: false, reason: 'none', kind: 'network', attempts: 0 }),
        onTemplateError: (_blockId, error) => errors.push(error.message),
      },
    );
    expect(JSON.stringify(result)).not.toContain('callcard');
    expect(errors).toEqual([expect.stringMatching(/include tag is not allowed/)]);
  });
});

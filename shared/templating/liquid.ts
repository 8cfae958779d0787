import { Liquid, type FS, type LiquidOptions, type Template } from 'liquidjs';

type TagImplOptions = Parameters<Liquid['registerTag']>[1];

/**
 * The template problem an admin should see, with the template's position. Its message never holds a
 * value a template read or printed (a secret, a customer's answer, a brand's response): it says what
 * kind of problem it is and where, and nothing the template rendered.
 */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/**
 * Templates never touch files. liquidjs reads partials and layouts from the working directory by
 * default (`{% include "package.json" %}`); these engines get a file system that has no files, and
 * the tags that read files are refused when a template is parsed (below), so this is the second wall.
 */
const NO_FILES: FS = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async () => {
    throw new TemplateError('templates cannot read files');
  },
  readFileSync: () => {
    throw new TemplateError('templates cannot read files');
  },
  resolve: () => '',
  contains: async () => false,
  containsSync: () => false,
  sep: '/',
  dirname: () => '',
};

/**
 * The one template engine. Admin-written templates only: customer input reaches templates as data in
 * the context, never as template source. Limits stop a template from eating the executor's CPU or memory.
 */
const limits: LiquidOptions = {
  strictFilters: true,
  ownPropertyOnly: true,
  parseLimit: 100_000,
  renderLimit: 1_000,
  memoryLimit: 10_000_000,
  cache: 500,
  // The locale Lambda runs with (LANG=en_US.UTF-8), named so that building the engines does not
  // ask Intl.DateTimeFormat for the default one: that first Intl call loads ICU data, about 20 ms
  // of every cold start. Only the `date` filter reads it.
  locale: 'en-US',
  fs: NO_FILES,
  root: [],
  partials: [],
  layouts: [],
  relativeReference: false,
};

/**
 * The tags templates may use: every one audited not to reach a file, the network or the process
 * environment. Any other tag liquidjs has, or adds in a later version, is refused at parse time.
 */
export const ALLOWED_TAGS: ReadonlySet<string> = new Set([
  '#',
  'assign',
  'block',
  'break',
  'capture',
  'case',
  'comment',
  'continue',
  'cycle',
  'decrement',
  'echo',
  'for',
  'if',
  'increment',
  'liquid',
  'raw',
  'tablerow',
  'unless',
]);

/** Tags that read files (partials and layouts): named in the refusal, so the admin knows why. */
const FILE_TAGS: ReadonlySet<string> = new Set(['include', 'render', 'layout']);

/**
 * The filters templates may use, audited like the tags (none does I/O; `date` reads the clock). A
 * filter liquidjs adds in a later version is not registered: `strictFilters` makes it a parse error.
 */
export const ALLOWED_FILTERS: ReadonlySet<string> = new Set(
  (
    'escape xml_escape escape_once newline_to_br strip_html abs at_least at_most ceil divided_by floor minus plus modulo times round ' +
    'url_decode url_encode cgi_escape uri_escape slugify join last first reverse sort sort_natural size map sum compact concat push unshift ' +
    'pop shift slice where reject where_exp reject_exp group_by group_by_exp has has_exp find_index find_index_exp find find_exp uniq sample ' +
    'date date_to_xmlschema date_to_rfc822 date_to_string date_to_long_string append prepend lstrip downcase upcase remove remove_first ' +
    'remove_last rstrip split strip strip_newlines squish capitalize replace replace_first replace_last truncate truncatewords ' +
    'normalize_whitespace number_of_words array_to_sentence_string base64_encode base64_decode sha256 hmac_sha256 default raw jsonify ' +
    'to_integer json inspect'
  ).split(' '),
);

function refusedTag(name: string): TagImplOptions {
  const why = FILE_TAGS.has(name) ? 'templates cannot read files' : 'callcard templates do not support it';
  return {
    parse() {
      throw new TemplateError(`the ${name} tag is not allowed: ${why}`);
    },
    render() {
      throw new TemplateError(`the ${name} tag is not allowed: ${why}`);
    },
  };
}

/** Only audited tags and filters: everything else liquidjs registers is refused or removed. */
function confined(liquid: Liquid): Liquid {
  for (const name of Object.keys(liquid.tags)) if (!ALLOWED_TAGS.has(name)) liquid.registerTag(name, refusedTag(name));
  for (const name of FILE_TAGS) liquid.registerTag(name, refusedTag(name));
  for (const name of Object.keys(liquid.filters)) if (!ALLOWED_FILTERS.has(name)) liquid.unregisterFilter(name);
  return liquid;
}

const engine = confined(new Liquid(limits));
/**
 * Same engine for URLs: every value printed into a URL is URL-encoded, so it cannot add a path or
 * query. `.` and `..` survive encoding and URL parsing would resolve them (`/members/../tickets`
 * becomes `/tickets`), so such a value fails the render instead.
 */
const urlEngine = confined(new Liquid({ ...limits, outputEscape: encodeUrlValue }));

/** The engines, for tests that check what they can reach. */
export const ENGINES: readonly Liquid[] = [engine, urlEngine];

function encodeUrlValue(value: unknown): string {
  const text = String(value ?? '');
  if (text === '.' || text === '..') throw new TemplateError('a value of . or .. cannot be placed in a URL');
  return encodeURIComponent(text);
}

export type TemplateContext = Record<string, unknown>;

const SINGLE_VARIABLE = /^\s*\{\{\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*|\[\d+\])*)\s*\}\}\s*$/;

/**
 * Parsed templates by source, per engine: a flow's templates are few and run on every turn, so each is
 * parsed once per process. Bounded, oldest out first.
 */
const MAX_PARSED = 2_000;
const parsedBy = new Map<Liquid, Map<string, Template[]>>([
  [engine, new Map()],
  [urlEngine, new Map()],
]);

function parsed(liquid: Liquid, source: string): Template[] {
  const cache = parsedBy.get(liquid) ?? new Map<string, Template[]>();
  let templates = cache.get(source);
  if (!templates) {
    templates = liquid.parse(source);
    if (cache.size >= MAX_PARSED) cache.delete(cache.keys().next().value ?? '');
    cache.set(source, templates);
  }
  return templates;
}

/**
 * Render a template to text. Rendering is synchronous (no filter or tag callcard allows does I/O),
 * which costs a fraction of liquidjs's promise-per-node async mode; the API stays async.
 */
export async function renderText(source: string, context: TemplateContext): Promise<string> {
  return renderWith(engine, source, context);
}

/** Render a URL template: printed values are URL-encoded. */
export async function renderUrl(source: string, context: TemplateContext): Promise<string> {
  return renderWith(urlEngine, source, context);
}

function renderWith(liquid: Liquid, source: string, context: TemplateContext): Promise<string> {
  let templates: Template[];
  try {
    templates = parsed(liquid, source);
  } catch (error) {
    return Promise.reject(asTemplateError(error, 'parse'));
  }
  try {
    return Promise.resolve(liquid.renderSync(templates, context) as string);
  } catch (error) {
    return Promise.reject(asTemplateError(error, 'render'));
  }
}

/**
 * Render a template that stands for one value: a template that is exactly one variable
 * (`{{ customer.attributes.age }}`) keeps the variable's type; anything else renders to text.
 */
export async function renderValue(source: string, context: TemplateContext): Promise<unknown> {
  const single = SINGLE_VARIABLE.exec(source);
  if (single?.[1] !== undefined) return evaluatePath(single[1], context);
  return renderText(source, context);
}

/** Read a path such as `response.body.tickets` or `items[0].name` from the context (own properties only). */
export async function evaluatePath(path: string, context: TemplateContext): Promise<unknown> {
  try {
    return engine.evalValueSync(path, context);
  } catch (error) {
    throw asTemplateError(error, 'render');
  }
}

/** Evaluate a Liquid condition such as `response.body.status == "success"`. */
export async function evaluateCondition(expression: string, context: TemplateContext): Promise<boolean> {
  const rendered = await renderText(`{% if ${expression} %}true{% endif %}`, context);
  return rendered === 'true';
}

/** Parse without rendering: the problem, or undefined when the template is valid. */
export function templateProblem(source: string): string | undefined {
  try {
    engine.parse(source);
    return undefined;
  } catch (error) {
    return describe(error, 'parse');
  }
}

/**
 * The variables a template reads, each as its segments (`{{ response.body.tickets[0].title }}`:
 * `response`, `body`, `tickets`, 0, `title`), by liquidjs's own static analysis; names a `for` or
 * `assign` inside the template binds are left out. None when the template does not parse.
 */
export function templateReads(source: string): Array<Array<string | number>> {
  try {
    return engine
      .globalVariableSegmentsSync(parsed(engine, source))
      .map((segments) => segments.map((s) => (typeof s === 'number' ? s : String(s))));
  } catch {
    return [];
  }
}

/**
 * When the error happened: parsing reads only the template's own source (what the admin wrote), so a
 * tag or filter name in its message is the admin's; rendering meets values (a filter such as
 * `where_exp` even parses a value as an expression), so names are dropped from its messages.
 */
type Phase = 'parse' | 'render';

function asTemplateError(error: unknown, phase: Phase): TemplateError {
  return error instanceof TemplateError ? error : new TemplateError(describe(error, phase));
}

/**
 * One line for an error liquidjs (or a filter inside it) threw, keeping only what cannot carry a
 * value: the kind of error, names from the template's own syntax (a tag or filter name, at parse
 * time), and the position. liquidjs messages may quote what a template evaluated (`Failed to lookup
 * "<a variable's value>"`) and append the template's source: only known message shapes are kept, and
 * only their value-free parts. The original error is not kept either (as `cause` it would reach logs).
 */
function describe(error: unknown, phase: Phase): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0] ?? '';
  const at = /, line:(\d+), col:(\d+)$/.exec(first);
  const where = at ? `, line:${at[1]}, col:${at[2]}` : '';
  const own = ownError(error);
  if (own) return `${own.message}${where}`;
  return `${safeText(at ? first.slice(0, at.index) : first, error, phase)}${where}`;
}

/** A TemplateError of ours that liquidjs wrapped (a refused tag, a URL value): its message is vetted. */
function ownError(error: unknown): TemplateError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    if (current instanceof TemplateError) return current;
    current = 'originalError' in current ? current.originalError : undefined;
  }
  return undefined;
}

type Known = [RegExp, (m: RegExpExecArray) => string];

/** Message shapes without a value in them, whenever they happen. */
const VALUE_FREE: readonly Known[] = [
  [/^([a-z ]+) limit exceeded$/, (m) => `${m[1]} limit exceeded`],
  [
    /^([a-z_]+) expect (\d+) arguments$/,
    (m) => (ALLOWED_FILTERS.has(m[1] ?? '') ? `${m[1]} expect ${m[2]} arguments` : 'a filter has the wrong number of arguments'),
  ],
];

/** Message shapes whose names come from the template's source: kept only at parse time. */
const FROM_SOURCE: readonly Known[] = [
  [/^output .* not closed$/s, () => 'output {{ }} not closed'],
  [/^tag \{%-?\s*([A-Za-z_#][\w]*)[\s\S]* not closed$/, (m) => `tag ${m[1]} not closed`],
  [/^tag .* not closed$/s, () => 'tag {% %} not closed'],
  [/^raw .* not closed$/s, () => 'raw not closed'],
  [/^[[\]()'"]{1,2} not closed$/, (m) => m[0]],
  [/^undefined filter: ([A-Za-z_][\w]*)$/, (m) => `undefined filter: ${m[1]}`],
  [/^tag "([A-Za-z_#][\w]*)" not found$/, (m) => `tag "${m[1]}" not found`],
  [/^illegal tag: \{%-?\s*([A-Za-z_#][\w]*)/, (m) => `illegal tag: ${m[1]}`],
  [/^expected ([a-z ]+)$/, (m) => `expected ${m[1]}`],
];

function safeText(text: string, error: unknown, phase: Phase): string {
  for (const [pattern, keep] of phase === 'parse' ? [...VALUE_FREE, ...FROM_SOURCE] : VALUE_FREE) {
    const match = pattern.exec(text);
    if (match) return keep(match);
  }
  const name = error instanceof Error ? error.name : '';
  if (phase === 'render') return /undefined filter/.test(text) ? 'undefined filter' : 'template could not render';
  if (name === 'TokenizationError') return 'invalid template syntax';
  return 'template cannot be parsed';
}

import { Liquid, type Template } from 'liquidjs';

/**
 * The one template engine. Admin-written templates only: customer input reaches templates as data in
 * the context, never as template source. Limits stop a template from eating the executor's CPU or memory.
 */
const limits = {
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
} as const;

const engine = new Liquid(limits);
/**
 * Same engine for URLs: every value printed into a URL is URL-encoded, so it cannot add a path or
 * query. `.` and `..` survive encoding and URL parsing would resolve them (`/members/../tickets`
 * becomes `/tickets`), so such a value fails the render instead.
 */
const urlEngine = new Liquid({ ...limits, outputEscape: encodeUrlValue });

function encodeUrlValue(value: unknown): string {
  const text = String(value ?? '');
  if (text === '.' || text === '..') throw new TemplateError(`"${text}" cannot be placed in a URL`);
  return encodeURIComponent(text);
}

/** The template problem an admin should see, with the template's position. */
export class TemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
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
  try {
    return Promise.resolve(liquid.renderSync(parsed(liquid, source), context) as string);
  } catch (error) {
    return Promise.reject(error instanceof TemplateError ? error : new TemplateError(describe(error), { cause: error }));
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
    throw new TemplateError(describe(error), { cause: error });
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
    return describe(error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
}

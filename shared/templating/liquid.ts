import { Liquid } from 'liquidjs';

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

/** Render a template to text. */
export async function renderText(source: string, context: TemplateContext): Promise<string> {
  try {
    return await engine.parseAndRender(source, context);
  } catch (error) {
    throw new TemplateError(describe(error), { cause: error });
  }
}

/** Render a URL template: printed values are URL-encoded. */
export async function renderUrl(source: string, context: TemplateContext): Promise<string> {
  try {
    return await urlEngine.parseAndRender(source, context);
  } catch (error) {
    throw new TemplateError(describe(error), { cause: error });
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
    return await engine.evalValue(path, context);
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

import { Tokenizer, TokenKind } from 'liquidjs';
import { SIGNING_SECRET_NAME } from '../http/signRequest';
import { renderText, TemplateError, templateProblem, type TemplateContext } from './liquid';

/**
 * Workspace secrets in card headers. A secret is written `{{ secrets.NAME }}`, whole, in a header
 * value (literal text around it allowed: `Bearer {{ secrets.API_KEY }}`), and nowhere else. Secrets
 * are never in a Liquid context: callcard puts each value in place of its reference itself, after the
 * rest of the header has rendered, so no filter, tag or error message can ever see, transform or quote
 * one. Each secret may also be bound to the hosts it may be sent to (./secretHosts.ts).
 */

/** The one way to write a secret. Names as `PUT /admin/secrets/{name}` accepts them. */
const SECRET_REFERENCE = /\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;
const MENTIONS_SECRETS = /\bsecrets\b/;

export const SECRET_OUTSIDE_HEADER = 'secrets can only be used in a request header, written {{ secrets.NAME }}';
export const SECRET_NOT_WHOLE =
  'a secret must be written whole, {{ secrets.NAME }}, with no filter, tag or assignment (literal text around it is fine)';
export const SECRET_INSIDE_MARKUP = '{{ secrets.NAME }} must stand on its own: not inside a tag, a raw block or a string';
export const SIGNING_SECRET_NEVER_SENT = `${SIGNING_SECRET_NAME} is never sent: it signs callcard's calls (the webhook-signature header), and the brand checks them with its own copy`;
const NAMES_SIGNING_SECRET = new RegExp(`\\b${SIGNING_SECRET_NAME}\\b`);

type Part = { text: string } | { secret: string };

/** A header template cut at its secret references. */
function parts(template: string): Part[] {
  const out: Part[] = [];
  let last = 0;
  for (const match of template.matchAll(SECRET_REFERENCE)) {
    if (match.index > last) out.push({ text: template.slice(last, match.index) });
    out.push({ secret: match[1] ?? '' });
    last = match.index + match[0].length;
  }
  if (last < template.length) out.push({ text: template.slice(last) });
  return out;
}

/** The names of the secrets a header template references. */
export function secretReferences(template: string): string[] {
  return [...new Set([...template.matchAll(SECRET_REFERENCE)].map((m) => m[1] ?? ''))];
}

/**
 * Whether Liquid markup (outputs and tags, not literal text) names `secrets` in any way: a filter on
 * it, an assignment, the whole object, a string spelling it. Undefined when the source does not
 * tokenize (the parse check reports that).
 */
function markupNamesSecrets(source: string): boolean | undefined {
  try {
    return new Tokenizer(source)
      .readTopLevelTokens()
      .some((token) => token.kind !== TokenKind.HTML && MENTIONS_SECRETS.test(token.getText()));
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a template, as a flow problem, or undefined. `header` is for request header
 * values, the only place `{{ secrets.NAME }}` may appear.
 */
export function templateCheck(source: string, options: { header?: boolean } = {}): string | undefined {
  const problem = templateProblem(source);
  if (problem) return `template does not parse: ${problem}`;
  if (options.header) return headerSecretProblem(source);
  if (!markupNamesSecrets(source)) return undefined;
  return NAMES_SIGNING_SECRET.test(source) ? SIGNING_SECRET_NEVER_SENT : SECRET_OUTSIDE_HEADER;
}

/** What is wrong with a context path (`repeat.over`) that reads `secrets`, which no template sees; undefined for any other. */
export function secretsPathProblem(path: string): string | undefined {
  if (!/^\s*secrets\b/.test(path)) return undefined;
  return NAMES_SIGNING_SECRET.test(path) ? SIGNING_SECRET_NEVER_SENT : SECRET_OUTSIDE_HEADER;
}

/** Secret use in a header value that is not `{{ secrets.NAME }}` standing on its own. */
export function headerSecretProblem(template: string): string | undefined {
  const cached = headerProblems.get(template);
  if (cached !== undefined) return cached || undefined;
  let problem = '';
  const cut = parts(template);
  if (cut.some((part) => 'secret' in part && part.secret === SIGNING_SECRET_NAME)) {
    problem = SIGNING_SECRET_NEVER_SENT;
  } else if (cut.some((part) => 'secret' in part)) {
    for (const part of cut) {
      if (!('text' in part)) continue;
      if (templateProblem(part.text)) {
        problem = SECRET_INSIDE_MARKUP;
        break;
      }
      if (markupNamesSecrets(part.text)) problem = SECRET_NOT_WHOLE;
    }
  } else if (markupNamesSecrets(template)) {
    problem = NAMES_SIGNING_SECRET.test(template) ? SIGNING_SECRET_NEVER_SENT : SECRET_NOT_WHOLE;
  }
  if (headerProblems.size >= 2_000) headerProblems.clear();
  headerProblems.set(template, problem);
  return problem || undefined;
}
const headerProblems = new Map<string, string>();

/**
 * Render a header value: the template around each `{{ secrets.NAME }}` renders with Liquid (which
 * never sees a secret), and each reference is replaced by the secret's value afterwards. A header that
 * uses secrets any other way, or names a secret the workspace does not have, fails the render.
 */
export async function renderHeaderValue(
  template: string,
  context: TemplateContext,
  secrets: Readonly<Record<string, string>>,
): Promise<string> {
  const problem = headerSecretProblem(template);
  if (problem) throw new TemplateError(problem);
  let value = '';
  for (const part of parts(template)) {
    if ('text' in part) value += await renderText(part.text, context);
    else if (Object.hasOwn(secrets, part.secret)) value += secrets[part.secret];
    else throw new TemplateError(`secret ${part.secret} is not set`);
  }
  return value;
}

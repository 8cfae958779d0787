import { parse as parseShell } from 'shell-quote';
import type * as z from 'zod';
import type { callApiBlockSchema } from '../flow/schema';
import {
  attributeNameOf,
  checkImportedCard,
  ImportError,
  isPlaceholder,
  literalTemplate,
  secretNameFor,
  type ImportedCardInput,
  type SecretOffer,
  type VariableOffer,
} from './importedCard';

// A `curl` command as a Call an API card. The line is split into words as a POSIX shell would
// (shell-quote: quotes, escapes, `$VAR` kept as written), then read as curl reads its options. A
// credential (Authorization, a key-like header, -u, an access_token in the query) becomes a secret
// reference: its value is returned to be stored as a secret, never written into the card.

type CardInput = z.input<typeof callApiBlockSchema>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Options that take no value and change nothing a card sends (output, progress, verbosity, protocol). */
const QUIET_FLAGS = new Set([
  '-s',
  '--silent',
  '-S',
  '--show-error',
  '-v',
  '--verbose',
  '-i',
  '--include',
  '-f',
  '--fail',
  '--fail-with-body',
  '-g',
  '--globoff',
  '-#',
  '--progress-bar',
  '-N',
  '--no-buffer',
  '--http1.1',
  '--http2',
  '--http1.0',
  '--tr-encoding',
  '-n',
  '--netrc',
  '-O',
  '--remote-name',
  '-J',
  '--remote-header-name',
  '-q',
  '--disable',
  '--no-progress-meter',
  '--raw',
  '--path-as-is',
  '--ssl-reqd',
  '--tlsv1.2',
  '--tlsv1.3',
]);
/** Options whose value changes nothing a card sends. */
const QUIET_WITH_VALUE = new Set([
  '-o',
  '--output',
  '-w',
  '--write-out',
  '--connect-timeout',
  '--retry',
  '--retry-delay',
  '--retry-max-time',
  '-D',
  '--dump-header',
  '--stderr',
  '--trace',
  '--trace-ascii',
  '-r',
  '--range',
  '--limit-rate',
  '--max-redirs',
  '-C',
  '--continue-at',
  '--ciphers',
]);
/** Options that need something a card cannot do: refused, with why. */
const REFUSED: Record<string, string> = {
  '-I': 'HEAD requests: cards send GET, POST, PUT, PATCH or DELETE',
  '--head': 'HEAD requests: cards send GET, POST, PUT, PATCH or DELETE',
  '-T': 'uploading a file: paste the body with -d instead',
  '--upload-file': 'uploading a file: paste the body with -d instead',
  '-E': 'client certificates: cards send none',
  '--cert': 'client certificates: cards send none',
  '--key': 'client certificates: cards send none',
  '--unix-socket': 'a Unix socket: cards call https URLs',
  '--digest': 'digest authentication: use a header secret',
  '--ntlm': 'NTLM authentication: use a header secret',
  '--negotiate': 'Negotiate authentication: use a header secret',
};
/** Short options that take a value (for bundles such as `-sX POST`). */
const SHORT_WITH_VALUE = new Set('XHdFuAebmowrxDCETK'.split(''));
/** Headers the transport sets itself (shared/http/guardedFetch.ts drops them). */
const TRANSPORT_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'accept-encoding',
  'proxy-connection',
]);
/** A header whose value is a credential: becomes a secret reference. */
const KEY_LIKE_HEADER =
  /^(authorization|proxy-authorization|cookie)$|(^|[-_])(api[-_]?key|apikey|key|token|secret|password|passwd|signature|credential|credentials|session|auth)($|[-_])/i;
/** Key-like names that are no credential: a retry or idempotency key is made up per request. */
const NOT_A_CREDENTIAL = /(retry|idempotency|request|correlation|trace)[-_]?(key|id|token)$/i;
/** A query parameter (or body field) whose value is a credential. */
const KEY_LIKE_PARAM = /^(access_token|api_?key|apikey|key|token|secret|client_secret|password|signature|sig|auth)$/i;
/** Authorization schemes kept literal in front of the secret: `Bearer {{ secrets.NAME }}`. */
const AUTH_SCHEME = /^([A-Za-z][\w-]{0,19})\s+(\S.*)$/;

interface Parsed {
  method?: string;
  url?: string;
  headers: Array<[string, string]>;
  data: string[];
  json: boolean;
  form: Array<[string, string]>;
  get: boolean;
  user?: string;
  bearer?: string;
  timeoutMs?: number;
  warnings: string[];
}

/** Import one `curl` command (continuation lines, quotes, a pipe or comment after it are fine). */
export function importCurl(line: string): ImportedCardInput {
  const { args, cutAt } = curlWords(line);
  const parsed = readOptions(args);
  if (cutAt) parsed.warnings.push(`what follows ${cutAt} is another command, left out`);
  return toCard(parsed);
}

/** The command's words, as a shell splits them; what follows a pipe, `;`, `&&` or a redirection is left out. */
export function curlWords(line: string): { args: string[]; cutAt?: string } {
  const joined = joinContinuations(line.trim()).replace(/^\s*[$%>]\s+/, '');
  const entries = parseShell(joined, (name) => `$${name}`);
  const words: string[] = [];
  let rest: string | undefined;
  for (const entry of entries) {
    if (typeof entry === 'string') words.push(entry);
    else if ('comment' in entry) continue;
    else if (entry.op === 'glob') words.push(entry.pattern);
    else if (entry.op === '<' || entry.op === '<(')
      throw new ImportError("an unquoted < is a shell redirection: quote the argument that holds it ('https://…/<ID>/…')");
    else {
      rest = entry.op;
      break;
    }
  }
  const [command, ...args] = words;
  if (command === undefined || !/(^|\/)curl(\.exe)?$/.test(command)) throw new ImportError('not a curl command: it must start with curl');
  return { args, ...(rest ? { cutAt: rest } : {}) };
}

/** Backslash-newline (and the Windows caret-newline) joins lines, except inside single quotes, as in a shell. */
function joinContinuations(text: string): string {
  let out = '';
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      out += c;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\r' ? 2 : 1;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      out += c + text[i + 1];
      i++;
      continue;
    }
    if (c === '"') quote = quote === '"' ? undefined : '"';
    else if (c === "'" && !quote) quote = "'";
    out += c;
  }
  return out;
}

function readOptions(words: string[]): Parsed {
  const p: Parsed = { headers: [], data: [], json: false, form: [], get: false, warnings: [] };
  const urls: string[] = [];
  const queue = expandShortBundles(words);
  const take = (option: string): string => {
    const value = queue.shift();
    if (value === undefined) throw new ImportError(`${option} needs a value`);
    return value;
  };
  while (queue.length) {
    const word = queue.shift() as string;
    if (!word.startsWith('-') || word === '-') {
      urls.push(word);
      continue;
    }
    if (REFUSED[word]) throw new ImportError(`${word}: cards cannot do ${REFUSED[word]}`);
    switch (word) {
      case '-X':
      case '--request':
        p.method = take(word).toUpperCase();
        break;
      case '-H':
      case '--header': {
        const header = take(word);
        if (header.startsWith('@')) throw new ImportError(`${word} @file reads headers from a file: paste them as -H 'Name: value'`);
        const colon = header.indexOf(':');
        if (colon <= 0) {
          p.warnings.push(`-H ${header.replace(/;$/, '')}: a header without a value is not sent, left out`);
          break;
        }
        const name = header.slice(0, colon).trim();
        const value = header.slice(colon + 1).trim();
        if (value === '') p.warnings.push(`-H ${name}: an empty header removes curl's own, left out`);
        else p.headers.push([name, value]);
        break;
      }
      case '-d':
      case '--data':
      case '--data-ascii':
      case '--data-binary': {
        const data = take(word);
        if (data.startsWith('@')) throw new ImportError(`${word} @file reads the body from a file: paste the body instead`);
        p.data.push(word === '--data-binary' ? data : data.replace(/[\r\n]/g, ''));
        break;
      }
      case '--data-raw':
        p.data.push(take(word));
        break;
      case '--json': {
        const data = take(word);
        if (data.startsWith('@')) throw new ImportError('--json @file reads the body from a file: paste the body instead');
        p.data.push(data);
        p.json = true;
        break;
      }
      case '--data-urlencode':
        p.data.push(urlencodeData(take(word)));
        break;
      case '-F':
      case '--form':
      case '--form-string': {
        const field = take(word);
        const eq = field.indexOf('=');
        if (eq <= 0) throw new ImportError(`${word} ${field}: expected name=value`);
        const value = field.slice(eq + 1);
        if (word !== '--form-string' && /^[@<]/.test(value))
          throw new ImportError(`${word} ${field.slice(0, eq)}=${value[0]}file sends a file: cards send no files`);
        p.form.push([field.slice(0, eq), value.replace(/;type=[^;]*$/, '')]);
        break;
      }
      case '-G':
      case '--get':
        p.get = true;
        break;
      case '-u':
      case '--user':
        p.user = take(word);
        break;
      case '--oauth2-bearer':
        p.bearer = take(word);
        break;
      case '-A':
      case '--user-agent':
        p.headers.push(['User-Agent', take(word)]);
        break;
      case '-e':
      case '--referer':
        p.headers.push(['Referer', take(word).replace(/;auto$/, '')]);
        break;
      case '-b':
      case '--cookie': {
        const cookie = take(word);
        if (!cookie.includes('=')) throw new ImportError(`${word} ${cookie} reads cookies from a file: paste them as name=value`);
        p.headers.push(['Cookie', cookie]);
        break;
      }
      case '--url':
        urls.push(take(word));
        break;
      case '-m':
      case '--max-time': {
        const seconds = Number(take(word));
        if (Number.isFinite(seconds) && seconds > 0) p.timeoutMs = Math.min(30_000, Math.max(100, Math.round(seconds * 1000)));
        break;
      }
      case '--compressed':
        break;
      case '-L':
      case '--location':
        p.warnings.push(
          '-L: a card follows up to 3 redirects anyway, each checked by the outbound guard (no private addresses; secrets are not sent to another origin)',
        );
        break;
      case '-k':
      case '--insecure':
        p.warnings.push(
          "-k ignored: cards always verify the brand's TLS certificate, so a brand with a self-signed or expired certificate will fail",
        );
        break;
      case '-x':
      case '--proxy':
        take(word);
        p.warnings.push(`${word} ignored: cards call the brand directly`);
        break;
      default:
        if (QUIET_FLAGS.has(word)) break;
        if (QUIET_WITH_VALUE.has(word)) {
          take(word);
          break;
        }
        p.warnings.push(`${word}: not an option the import knows, left out`);
    }
  }
  if (urls.length === 0) throw new ImportError('no URL in the curl command');
  if (urls.length > 1) throw new ImportError(`several URLs (${urls.length}): a card calls one`);
  p.url = urls[0];
  return p;
}

/** `-sSLX POST` → `-s -S -L -X POST`; `-XPOST` → `-X POST`; `-Hx: y` → `-H 'x: y'`. */
function expandShortBundles(words: string[]): string[] {
  const out: string[] = [];
  for (const word of words) {
    if (!/^-[^-]/.test(word) || word.length === 2) {
      out.push(word);
      continue;
    }
    for (let i = 1; i < word.length; i++) {
      const flag = word[i] as string;
      out.push(`-${flag}`);
      if (SHORT_WITH_VALUE.has(flag)) {
        if (i + 1 < word.length) out.push(word.slice(i + 1));
        break;
      }
    }
  }
  return out;
}

/** curl's --data-urlencode: `content`, `=content`, `name=content` (the content URL-encoded); files refused. */
function urlencodeData(arg: string): string {
  const eq = arg.indexOf('=');
  const at = arg.indexOf('@');
  if (at === 0 || (at > 0 && (eq < 0 || at < eq)))
    throw new ImportError('--data-urlencode name@file reads a file: paste the value instead');
  if (eq < 0) return encodeURIComponent(arg);
  const name = arg.slice(0, eq);
  const value = encodeURIComponent(arg.slice(eq + 1));
  return name === '' ? value : `${name}=${value}`;
}

function toCard(p: Parsed): ImportedCardInput {
  const warnings = [...p.warnings];
  const secrets: SecretOffer[] = [];
  const variables: VariableOffer[] = [];
  const taken = new Set<string>();

  let rawUrl = p.url as string;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl)) {
    rawUrl = `https://${rawUrl}`;
    warnings.push('the URL had no scheme: https:// assumed');
  }
  let url: URL;
  try {
    url = new URL(markPathPlaceholders(rawUrl));
  } catch {
    throw new ImportError('the URL does not parse');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ImportError(`${url.protocol}// URLs: cards call https`);
  if (url.username || url.password) {
    p.user ??= `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    url.username = '';
    url.password = '';
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();

  let method: string;
  if (p.method) method = p.method;
  else if (p.get) method = 'GET';
  else method = p.data.length || p.form.length ? 'POST' : 'GET';
  if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method))
    throw new ImportError(`-X ${method}: cards send GET, POST, PUT, PATCH or DELETE`);

  // -G: the data goes in the query string.
  if (p.get && p.data.length) {
    const extra = new URLSearchParams(p.data.join('&'));
    for (const [name, value] of extra) url.searchParams.append(name, value);
    p.data = [];
  }

  const headers: Record<string, string> = {};
  const addSecret = (header: string, prefix: string, value: string, from: string, kind: string): void => {
    const name = secretNameFor(host, kind, taken);
    taken.add(name);
    const existing = Object.keys(headers).find((h) => h.toLowerCase() === header.toLowerCase());
    if (existing) {
      warnings.push(`${header} was set twice: the import keeps the last`);
      delete headers[existing];
    }
    headers[header] = `${prefix}{{ secrets.${name} }}`;
    secrets.push({ name, header, ...(isPlaceholder(value) ? {} : { value }), allowedHosts: [host], from });
  };

  for (const [name, value] of p.headers) {
    const lower = name.toLowerCase();
    if (TRANSPORT_HEADERS.has(lower)) {
      warnings.push(`-H ${name}: set by the transport, left out`);
      continue;
    }
    if (KEY_LIKE_HEADER.test(name) && !NOT_A_CREDENTIAL.test(name)) {
      const scheme = lower === 'authorization' || lower === 'proxy-authorization' ? AUTH_SCHEME.exec(value) : null;
      if (scheme)
        addSecret(name, `${scheme[1]} `, scheme[2] as string, `-H ${name}`, /^basic$/i.test(scheme[1] as string) ? 'BASIC_AUTH' : 'TOKEN');
      else addSecret(name, '', value, `-H ${name}`, lower === 'authorization' ? 'TOKEN' : name.replace(/^x-/i, ''));
      continue;
    }
    const existing = Object.keys(headers).find((h) => h.toLowerCase() === lower);
    if (existing) headers[existing] = `${headers[existing]}, ${literalTemplate(value)}`;
    else headers[name] = literalTemplate(value);
  }
  if (p.user !== undefined) {
    let user = p.user;
    if (!user.includes(':')) {
      user = `${user}:`;
      warnings.push('-u without a password: curl would ask for one; an empty password was assumed');
    }
    const placeholder = isPlaceholder(user.replace(/:$/, ''));
    addSecret('Authorization', 'Basic ', placeholder ? '' : Buffer.from(user, 'utf8').toString('base64'), '-u', 'BASIC_AUTH');
  }
  if (p.bearer !== undefined) addSecret('Authorization', 'Bearer ', p.bearer, '--oauth2-bearer', 'TOKEN');

  // Credentials in the query: secrets are sent in headers only. An OAuth access_token is the same
  // credential as `Authorization: Bearer` (RFC 6750); any other key is dropped, to be sent as the API's
  // header form says. The other parameters stay as written.
  const kept: string[] = [];
  for (const pair of url.search.replace(/^\?/, '').split('&').filter(Boolean)) {
    const [name, value] = [...new URLSearchParams(pair)][0] ?? [pair, ''];
    if (!KEY_LIKE_PARAM.test(name)) {
      kept.push(pair);
      variables.push({ in: 'query', path: name, value, suggested: `attributes.${attributeNameOf(name)}`, templated: false });
    } else if (name === 'access_token' && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
      addSecret('Authorization', 'Bearer ', value, 'query access_token', 'TOKEN');
      warnings.push(
        "the query's access_token is sent as Authorization: Bearer (the same credential, RFC 6750): secrets go in headers only",
      );
    } else {
      const secretName = secretNameFor(host, name, taken);
      taken.add(secretName);
      warnings.push(
        `the query's ${name} was removed: secrets go in headers only. Store it as ${secretName} and send it in the header the API documents for it`,
      );
      secrets.push({
        name: secretName,
        header: '',
        ...(isPlaceholder(value) ? {} : { value }),
        allowedHosts: [host],
        from: `query ${name}`,
      });
    }
  }
  url.search = kept.length ? `?${kept.join('&')}` : '';

  // Path placeholders of API documentation (`/v2/bot/profile/{userId}`): template variables.
  let urlTemplate = url.toString();
  for (const match of urlTemplate.matchAll(/__PATH_([A-Za-z_][\w-]*)__/g)) {
    const name = match[1] as string;
    variables.push({ in: 'path', path: name, suggested: `attributes.${attributeNameOf(name)}`, templated: true });
  }
  urlTemplate = literalTemplate(urlTemplate);
  urlTemplate = urlTemplate.replace(/__PATH_([A-Za-z_][\w-]*)__/g, (_m, name: string) => `{{ attributes.${attributeNameOf(name)} }}`);

  const card: CardInput = {
    type: 'callApi',
    request: { method: method as Method, url: urlTemplate, ...(Object.keys(headers).length ? { headers } : {}) },
  };
  if (p.timeoutMs) card.timeoutMs = p.timeoutMs;

  const body: BodyContext = { host, taken, secrets, warnings, variables };
  const contentType = p.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  if (p.form.length) {
    if (p.data.length) throw new ImportError('-d and -F together: curl refuses them too');
    warnings.push('-F sends multipart/form-data: the card sends the fields form-urlencoded (application/x-www-form-urlencoded)');
    const multipart = Object.keys(headers).find((h) => h.toLowerCase() === 'content-type');
    if (multipart) delete headers[multipart];
    card.request.body = { type: 'form', fields: formFields(p.form, body) };
  } else if (p.data.length) {
    const text = p.data.join('&');
    const json = p.json || /\bjson\b/i.test(contentType) ? parseJson(text) : looksLikeJson(text) ? parseJson(text) : undefined;
    if (json !== undefined) {
      card.request.body = { type: 'json', value: jsonTemplate(json, '', body) };
      if (p.json) {
        headers['Content-Type'] ??= 'application/json';
        headers.Accept ??= 'application/json';
      }
    } else if (contentType === '' || /x-www-form-urlencoded/i.test(contentType)) {
      if (!/^[^=&]+=/.test(text)) throw new ImportError('the body is neither JSON nor name=value fields: cards send JSON or form bodies');
      card.request.body = { type: 'form', fields: formFields([...new URLSearchParams(text)], body) };
    } else {
      throw new ImportError(`the body is ${contentType}: cards send JSON or form bodies`);
    }
  }
  if (Object.keys(headers).length) card.request.headers = headers;
  checkImportedCard(card);
  return { card, secrets, variables, responseFields: [], warnings };
}

/** `{userId}` and `<PHONE_NUMBER_ID>` in the URL's path (documentation placeholders) marked, to become variables. */
function markPathPlaceholders(url: string): string {
  const cut = url.search(/[?#]/);
  const path = cut < 0 ? url : url.slice(0, cut);
  const marked = path.replace(/\{([A-Za-z_][\w-]*)\}|<([A-Za-z_][\w-]*)>/g, (_m, a?: string, b?: string) => `__PATH_${a ?? b}__`);
  return marked + (cut < 0 ? '' : url.slice(cut));
}

/** A credential in a body field: cards send secrets in headers only, so its value is taken out of the card. */
function bodyCredential(name: string, value: unknown, ctx: BodyContext): boolean {
  if (!KEY_LIKE_PARAM.test(name) || typeof value !== 'string') return false;
  const secretName = secretNameFor(ctx.host, name, ctx.taken);
  ctx.taken.add(secretName);
  ctx.secrets.push({
    name: secretName,
    header: '',
    ...(isPlaceholder(value) ? {} : { value }),
    allowedHosts: [ctx.host],
    from: `body ${name}`,
  });
  ctx.warnings.push(
    `the body's ${name} is a credential: its value was taken out (cards send secrets in headers only). Store it as ${secretName}; an API that takes it only in the body cannot be called with it`,
  );
  return true;
}

interface BodyContext {
  host: string;
  taken: Set<string>;
  secrets: SecretOffer[];
  warnings: string[];
  variables: VariableOffer[];
}

function formFields(pairs: Array<[string, string]>, ctx: BodyContext): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if (bodyCredential(name, value, ctx)) {
      fields[name] = '';
      continue;
    }
    fields[name] = literalTemplate(value);
    ctx.variables.push({ in: 'form', path: name, value, suggested: `attributes.${attributeNameOf(name)}`, templated: false });
  }
  return fields;
}

function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ImportError('the body is not valid JSON');
  }
}

/** The JSON body with its string leaves kept literal, and every leaf offered as a variable. */
function jsonTemplate(value: unknown, path: string, ctx: BodyContext): unknown {
  if (Array.isArray(value)) return value.map((item, i) => jsonTemplate(item, `${path}[${i}]`, ctx));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        bodyCredential(key, item, ctx) ? '' : jsonTemplate(item, path ? `${path}.${key}` : key, ctx),
      ]),
    );
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const name = /([^.[\]]+)(\[\d+\])*$/.exec(path)?.[1] ?? 'value';
    ctx.variables.push({ in: 'body', path, value, suggested: `attributes.${attributeNameOf(name)}`, templated: false });
  }
  return typeof value === 'string' ? literalTemplate(value) : value;
}

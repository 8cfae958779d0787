import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { headerValue } from '../../shared/lambda/apiGateway';
import { CONSOLE_ASSETS } from './consoleAssets.generated';

/** The console's static files by URL path (built from console/ by `npm run console:build`). */
export type ConsoleAssets = Readonly<
  Record<string, { contentType: string; etag: string; /** The body gzipped, in base64. */ gzip: string }>
>;

/**
 * What the page may do: its own script and styles, and calls to this origin's admin API, nothing else
 * (no inline script, no other origin, never framed).
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

/** Whether a path is the console's (`/console`, `/console/…`) rather than the admin API's. */
export function isConsolePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/');
}

const plain = new Map<string, string>();

/**
 * `GET /console[/…]`: the console's files. The page itself is public (it holds no data); everything it
 * shows comes from the admin API with the admin key the user types in. Revalidated on every load
 * (ETag, 304), gzipped when the browser accepts it.
 */
export function serveConsole(
  request: { method: string; path: string; headers: Record<string, string | undefined> },
  assets: ConsoleAssets = CONSOLE_ASSETS,
): APIGatewayProxyStructuredResultV2 {
  const name = request.path === '/console' || request.path === '/console/' ? '/console/index.html' : request.path;
  const asset = Object.hasOwn(assets, name) ? assets[name] : undefined;
  if (request.method.toUpperCase() !== 'GET' || !asset) {
    return {
      statusCode: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS },
      body: 'not found',
    };
  }
  const headers = {
    'content-type': asset.contentType,
    'cache-control': 'no-cache',
    etag: asset.etag,
    vary: 'accept-encoding',
    ...SECURITY_HEADERS,
  };
  if ((headerValue(request.headers, 'if-none-match') ?? '').split(',').some((tag) => tag.trim() === asset.etag))
    return { statusCode: 304, headers };
  if (/\bgzip\b/i.test(headerValue(request.headers, 'accept-encoding') ?? '')) {
    return { statusCode: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: asset.gzip, isBase64Encoded: true };
  }
  let body = plain.get(asset.etag);
  if (body === undefined) {
    body = gunzipSync(Buffer.from(asset.gzip, 'base64')).toString('utf8');
    plain.set(asset.etag, body);
  }
  return { statusCode: 200, headers, body };
}

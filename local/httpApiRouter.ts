import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { HTTP_ROUTES, type HttpRoute, type RoutedFunctionName } from '../infra/httpRoutes';
import { lambdaContext, runInvocation } from './lambdaContext';
import { readBody, writeJson } from './httpServer';

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** A function as the local stack runs it: the name its Lambda context carries, and its handler. */
export interface LocalFunction {
  functionName: string;
  handler: HttpApiHandler;
}

/** A route of the HTTP API (infra/httpRoutes.ts) and the function that serves it here. */
export interface HttpApiRoute extends HttpRoute, LocalFunction {}

/**
 * The router's routes: every route of HTTP_ROUTES, the table API Gateway's are made from, each served by
 * its function. The compiler asks for a function for every one the table names.
 */
export function httpApiRoutes(functions: Readonly<Record<RoutedFunctionName, LocalFunction>>): HttpApiRoute[] {
  return HTTP_ROUTES.map((route) => ({ ...route, ...functions[route.function] }));
}

/** API Gateway's payload limit: larger requests never reach Lambda. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Turn an HTTP request into an API Gateway HTTP API (payload v2) event, call the route's handler the
 * way Lambda would, and write its result back. Returns false when no route matches.
 */
export async function routeToLambda(routes: HttpApiRoute[], req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://local');
  const method = (req.method ?? 'GET').toUpperCase();
  for (const route of routes) {
    if (route.method !== 'ANY' && route.method !== method) continue;
    const pathParameters = matchPath(route.path, url.pathname);
    if (!pathParameters) continue;
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) {
      writeJson(res, 413, { message: 'Request Entity Too Large' });
      return true;
    }
    const event = toEvent(route, req, url, method, pathParameters, body);
    try {
      const result = await runInvocation(route.functionName, () => route.handler(event, lambdaContext(route.functionName, 30_000)));
      res.writeHead(result.statusCode ?? 200, headersOf(result));
      res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
    } catch {
      // What API Gateway answers when the function itself fails.
      writeJson(res, 500, { message: 'Internal Server Error' });
    }
    return true;
  }
  return false;
}

/** `/webhooks/line/{channelId}` against `/webhooks/line/demo-line` → `{channelId: 'demo-line'}`. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  let got: string[];
  try {
    got = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    // A path that does not decode (`%E0%A4%A`) matches no route: a 404, not a crash of the router.
    return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const segment = want[i] ?? '';
    const greedy = /^\{(\w+)\+\}$/.exec(segment);
    if (greedy?.[1]) {
      if (got.length <= i) return undefined;
      params[greedy[1]] = got.slice(i).join('/');
      return params;
    }
    const value = got[i];
    if (value === undefined) return undefined;
    const param = /^\{(\w+)\}$/.exec(segment);
    if (param?.[1]) params[param[1]] = value;
    else if (segment !== value) return undefined;
  }
  return got.length === want.length ? params : undefined;
}

function toEvent(
  route: HttpApiRoute,
  req: IncomingMessage,
  url: URL,
  method: string,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  // Like API Gateway: text bodies arrive as text, anything else base64-encoded.
  const isText = /^(text\/|application\/(json|x-www-form-urlencoded|xml))/i.test(headers['content-type'] ?? 'application/json');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function headersOf(result: APIGatewayProxyStructuredResultV2): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) out[name] = String(value);
  return out;
}

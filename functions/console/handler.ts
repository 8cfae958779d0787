import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CONSOLE_ASSETS } from './consoleAssets.generated';
import { serveConsole, type ConsoleAssets } from './consoleAssets';

/**
 * `GET /console[/…]`: the web console's page, script and styles (./consoleAssets.ts). A function of
 * its own, with no table and no queue: the page holds no data; it calls the admin API on the same
 * origin with the admin key the user types in. API Gateway's access log records each request.
 */
export function createHandler(deps: { assets: ConsoleAssets } = { assets: CONSOLE_ASSETS }) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
    serveConsole({ method: event.requestContext.http.method, path: event.rawPath, headers: event.headers }, deps.assets);
}

/** The Lambda entry point. */
export const handler = createHandler();

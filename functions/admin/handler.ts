import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { rawBodyOf } from '../../shared/lambda/apiGateway';
import type { AdminDeps } from './bindRoute';
import { adminDepsFromEnv } from './deps';
import { handleAdminRequest } from './handleAdminRequest';

/** `ANY /admin/{proxy+}`: the admin API (routes in ./routes.ts), wired to `deps`. */
export function createHandler(deps: AdminDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const result = await handleAdminRequest(
        {
          method: event.requestContext.http.method,
          path: event.rawPath,
          headers: event.headers,
          query: event.queryStringParameters ?? {},
          rawBody: rawBodyOf(event),
        },
        deps,
      );
      deps.logger.info('admin request', { method: event.requestContext.http.method, path: event.rawPath, status: result.statusCode });
      return {
        statusCode: result.statusCode,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...result.headers },
        body: JSON.stringify(result.body),
      };
    });
}

let lambda: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry point: dependencies built from the environment once, at the first invocation. */
export const handler = (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!lambda) lambda = createHandler(adminDepsFromEnv());
  return lambda(event, context);
};

import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { jsonResult, rawBodyOf } from '../../shared/lambda/apiGateway';
import { lineWebhookDepsFromEnv } from './deps';
import { handleLineWebhook, type LineWebhookDeps } from './handleLineWebhook';

/** `POST /webhooks/line/{channelId}`, wired to the dependencies it is given. */
export function createHandler(deps: LineWebhookDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const channelId = event.pathParameters?.channelId;
      if (!channelId) return jsonResult(404, { error: 'unknown channel' });
      try {
        const result = await handleLineWebhook({ channelId, rawBody: rawBodyOf(event), headers: event.headers }, deps);
        return jsonResult(result.statusCode, result.body);
      } catch (error) {
        // A store or queue outage: 500 makes LINE redeliver (when enabled) and nothing was half-queued.
        deps.logger.error('LINE webhook failed', { error });
        return jsonResult(500, { error: 'internal error' });
      }
    });
}

let lambda: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry point: dependencies built from the environment once, at the first invocation. */
export const handler = (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!lambda) lambda = createHandler(lineWebhookDepsFromEnv());
  return lambda(event, context);
};

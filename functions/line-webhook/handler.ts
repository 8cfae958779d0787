import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lineAdapter } from '../../shared/channels/line/lineAdapter';
import { jsonResult, rawBodyOf } from '../../shared/lambda/apiGateway';
import { createWebhookHandler } from '../../shared/lambda/webhookHandler';
import { lineWebhookDepsFromEnv } from './deps';
import { handleLineWebhook, type LineWebhookDeps } from './handleLineWebhook';

/** `POST /webhooks/line/{channelId}`, wired to the dependencies it is given. */
export function createHandler(deps: LineWebhookDeps) {
  return createWebhookHandler(lineAdapter, deps, async (event) => {
    const channelId = event.pathParameters?.channelId;
    if (!channelId) return jsonResult(404, { error: 'unknown channel' });
    const result = await handleLineWebhook({ channelId, rawBody: rawBodyOf(event), headers: event.headers }, deps);
    return jsonResult(result.statusCode, result.body);
  });
}

let lambda: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry point: dependencies built from the environment once, at the first invocation. */
export const handler = (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!lambda) lambda = createHandler(lineWebhookDepsFromEnv());
  return lambda(event, context);
};

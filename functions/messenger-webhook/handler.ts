import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { messengerAdapter } from '../../shared/channels/messenger/messengerAdapter';
import { jsonResult, rawBodyOf } from '../../shared/lambda/apiGateway';
import { createWebhookHandler } from '../../shared/lambda/webhookHandler';
import { messengerWebhookDepsFromEnv } from './deps';
import { handleAppVerificationRequest, handleMessengerAppWebhook } from './handleMessengerAppWebhook';
import { handleMessengerWebhook, handleVerificationRequest, type MessengerWebhookDeps } from './handleMessengerWebhook';

/**
 * `GET` (subscription check) and `POST` (events) of a page's URL `/webhooks/messenger/{channelId}` and
 * of an app's URL `/webhooks/messenger/apps/{appId}`, wired to `deps`.
 */
export function createHandler(deps: MessengerWebhookDeps) {
  return createWebhookHandler(messengerAdapter, deps, async (event) => {
    const { channelId, appId } = event.pathParameters ?? {};
    if (!channelId && !appId) return jsonResult(404, { error: 'unknown channel' });
    if (event.requestContext.http.method === 'GET') {
      const query = event.queryStringParameters ?? {};
      const result = appId
        ? await handleAppVerificationRequest(appId, query, deps)
        : await handleVerificationRequest(channelId ?? '', query, deps);
      if (result.statusCode !== 200) return jsonResult(result.statusCode, result.body);
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
        body: result.text,
      };
    }
    const request = { rawBody: rawBodyOf(event), headers: event.headers };
    const result = appId
      ? await handleMessengerAppWebhook({ appId, ...request }, deps)
      : await handleMessengerWebhook({ channelId: channelId ?? '', ...request }, deps);
    return jsonResult(result.statusCode, result.body);
  });
}

let lambda: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry point: dependencies built from the environment once, at the first invocation. */
export const handler = (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!lambda) lambda = createHandler(messengerWebhookDepsFromEnv());
  return lambda(event, context);
};

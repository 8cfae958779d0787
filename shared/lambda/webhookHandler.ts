import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ChannelAdapter } from '../channels/adapter';
import { jsonResult } from './apiGateway';

/**
 * The Lambda handler of a channel's webhook function (functions/<kind>-webhook/handler.ts), wired to
 * its logger: `serve` answers the request; an error it throws (a store or queue outage) is logged and
 * answered 500, which makes the channel redeliver (LINE when enabled, Meta always), and nothing was
 * half-queued.
 */
export function createWebhookHandler(
  adapter: Pick<ChannelAdapter, 'label'>,
  deps: { logger: Logger },
  serve: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      try {
        return await serve(event);
      } catch (error) {
        deps.logger.error(`${adapter.label} webhook failed`, { error });
        return jsonResult(500, { error: 'internal error' });
      }
    });
}

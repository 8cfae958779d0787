import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readEnv } from '../../shared/config/env';
import { createJobQueue } from '../../shared/jobs/jobQueue';
import { jsonResult, rawBodyOf } from '../../shared/lambda/apiGateway';
import { createLogger } from '../../shared/logging/logger';
import { createStore } from '../../shared/store/store';
import { createTable } from '../../shared/store/table';
import { handleMessengerWebhook, handleVerification } from './handleMessengerWebhook';

const env = readEnv();
const logger = createLogger('messenger-webhook');
const deps = { store: createStore(createTable(env.TABLE_NAME)), queue: createJobQueue(env.JOBS_QUEUE_URL), logger };

/** `GET` (subscription check) and `POST` (events) `/webhooks/messenger/{channelId}` */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const channelId = event.pathParameters?.channelId;
    if (!channelId) return jsonResult(404, { error: 'unknown channel' });
    try {
      if (event.requestContext.http.method === 'GET') {
        const result = handleVerification(event.queryStringParameters ?? {}, await deps.store.channels.get('messenger', channelId));
        if (result.statusCode !== 200) return jsonResult(result.statusCode, result.body);
        return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: result.text };
      }
      const result = await handleMessengerWebhook({ channelId, rawBody: rawBodyOf(event), headers: event.headers }, deps);
      return jsonResult(result.statusCode, result.body);
    } catch (error) {
      // A store or queue outage: 500 makes Meta redeliver, and nothing was half-queued.
      logger.error('Messenger webhook failed', { error });
      return jsonResult(500, { error: 'internal error' });
    }
  });

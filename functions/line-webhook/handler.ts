import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readEnv } from '../../shared/config/env';
import { createJobQueue } from '../../shared/jobs/jobQueue';
import { jsonResult, rawBodyOf } from '../../shared/lambda/apiGateway';
import { createLogger } from '../../shared/logging/logger';
import { createStore } from '../../shared/store/store';
import { createTable } from '../../shared/store/table';
import { handleLineWebhook } from './handleLineWebhook';

const env = readEnv();
const logger = createLogger('line-webhook');
const deps = { store: createStore(createTable(env.TABLE_NAME)), queue: createJobQueue(env.JOBS_QUEUE_URL), logger };

/** `POST /webhooks/line/{channelId}` */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const channelId = event.pathParameters?.channelId;
    if (!channelId) return jsonResult(404, { error: 'unknown channel' });
    try {
      const result = await handleLineWebhook({ channelId, rawBody: rawBodyOf(event), headers: event.headers }, deps);
      return jsonResult(result.statusCode, result.body);
    } catch (error) {
      // A store or queue outage: 500 makes LINE redeliver (when enabled) and nothing was half-queued.
      logger.error('LINE webhook failed', { error });
      return jsonResult(500, { error: 'internal error' });
    }
  });

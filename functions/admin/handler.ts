import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readEnv } from '../../shared/config/env';
import { createGuardedFetch, parseAllowHttpHosts } from '../../shared/http/guardedFetch';
import { createJobQueue } from '../../shared/jobs/jobQueue';
import { rawBodyOf } from '../../shared/lambda/apiGateway';
import { createLogger } from '../../shared/logging/logger';
import { createStore } from '../../shared/store/store';
import { createTable } from '../../shared/store/table';
import type { AdminDeps } from './bindRoute';
import { createDeadLetters } from './deadLetters';
import { handleAdminRequest } from './handleAdminRequest';

const env = readEnv();
const logger = createLogger('admin');
const sqs = new SQSClient({});
const deps: AdminDeps = {
  store: createStore(createTable(env.TABLE_NAME)),
  // Configured exactly as the executor's, so a dry run reaches (and is refused by) the same hosts.
  fetch: createGuardedFetch({ allowHttpHosts: parseAllowHttpHosts(env.OUTBOUND_ALLOW_HTTP_HOSTS) }),
  ...(env.JOBS_DLQ_URL ? { deadLetters: createDeadLetters({ sqs, dlqUrl: env.JOBS_DLQ_URL, jobs: createJobQueue(env.JOBS_QUEUE_URL, sqs) }) } : {}),
  logger,
};

/** `ANY /admin/{proxy+}`: the admin API (routes in ./routes.ts). */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const result = await handleAdminRequest(
      { method: event.requestContext.http.method, path: event.rawPath, headers: event.headers, query: event.queryStringParameters ?? {}, rawBody: rawBodyOf(event) },
      deps,
    );
    logger.info('admin request', { method: event.requestContext.http.method, path: event.rawPath, status: result.statusCode });
    return {
      statusCode: result.statusCode,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...result.headers },
      body: JSON.stringify(result.body),
    };
  });

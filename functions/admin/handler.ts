import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { AWS_CLIENT_DEFAULTS } from '../../shared/config/awsClients';
import { egressAddressesOf, readEnv } from '../../shared/config/env';
import { createGuardedFetch, parseAllowHttpHosts } from '../../shared/http/guardedFetch';
import { createJobQueue } from '../../shared/jobs/jobQueue';
import { rawBodyOf } from '../../shared/lambda/apiGateway';
import { createLogger } from '../../shared/logging/logger';
import { createStore } from '../../shared/store/store';
import { createTable } from '../../shared/store/table';
import type { AdminDeps } from './bindRoute';
import { createDeadLetters } from './deadLetters';
import { handleAdminRequest } from './handleAdminRequest';

/** `ANY /admin/{proxy+}`: the admin API (routes in ./routes.ts), wired to `deps`. */
export function createHandler(deps: AdminDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const result = await handleAdminRequest(
        { method: event.requestContext.http.method, path: event.rawPath, headers: event.headers, query: event.queryStringParameters ?? {}, rawBody: rawBodyOf(event) },
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
  if (!lambda) {
    const env = readEnv();
    const sqs = new SQSClient(AWS_CLIENT_DEFAULTS);
    const jobs = createJobQueue(env.JOBS_QUEUE_URL, sqs);
    lambda = createHandler({
      store: createStore(createTable(env.TABLE_NAME)),
      // Configured exactly as the executor's, so a dry run reaches (and is refused by) the same hosts.
      fetch: createGuardedFetch({ allowHttpHosts: parseAllowHttpHosts(env.OUTBOUND_ALLOW_HTTP_HOSTS) }),
      ...(env.JOBS_DLQ_URL ? { deadLetters: createDeadLetters({ sqs, dlqUrl: env.JOBS_DLQ_URL, jobs }) } : {}),
      jobs,
      logger: createLogger('admin'),
      egressAddresses: egressAddressesOf(env),
    });
  }
  return lambda(event, context);
};

import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { callbackTimeoutSchema } from '../../shared/jobs/callbackTimeouts';
import { jsonResult, rawBodyOf } from '../../shared/lambda/apiGateway';
import { callbackDepsFromEnv, callbackTimeoutDepsFromEnv } from './deps';
import { handleCallback, handleCallbackTimeout, type CallbackDeps } from './handleCallback';

/** `POST /callbacks/{workspaceId}/{callbackId}`, wired to the dependencies it is given. */
export function createHandler(deps: CallbackDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const { workspaceId, callbackId } = event.pathParameters ?? {};
      if (!workspaceId || !callbackId) return jsonResult(404, { error: 'unknown callback' });
      try {
        const result = await handleCallback({ workspaceId, callbackId, rawBody: rawBodyOf(event), headers: event.headers }, deps);
        return jsonResult(result.statusCode, result.body);
      } catch (error) {
        // A store or queue outage: the callback was given back, and the brand may retry.
        deps.logger.error('callback failed', { error });
        return jsonResult(500, { error: 'internal error' });
      }
    });
}

/** The callback timeouts' consumer (a standard queue, each message delayed by its card's `callback.timeoutSeconds`). */
export function createTimeoutHandler(deps: Omit<CallbackDeps, 'secrets'>) {
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const record of event.Records) {
        let body: unknown;
        try {
          body = JSON.parse(record.body);
        } catch {
          body = undefined;
        }
        const parsed = callbackTimeoutSchema.safeParse(body);
        if (!parsed.success) {
          deps.logger.warn('callback timeout dropped: not one', { messageId: record.messageId });
          continue;
        }
        try {
          await handleCallbackTimeout(parsed.data, deps);
        } catch (error) {
          deps.logger.error('callback timeout failed: retried', { messageId: record.messageId, error });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    });
}

let route: ReturnType<typeof createHandler> | undefined;
let timeouts: ReturnType<typeof createTimeoutHandler> | undefined;

/** The Lambda entry point of the callback route: dependencies built from the environment once. */
export const handler = (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!route) route = createHandler(callbackDepsFromEnv());
  return route(event, context);
};

/** The Lambda entry point of the timeouts' consumer. */
export const timeoutHandler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  if (!timeouts) timeouts = createTimeoutHandler(callbackTimeoutDepsFromEnv());
  return timeouts(event, context);
};

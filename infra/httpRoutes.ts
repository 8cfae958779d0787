import type { CallcardFunctionName } from './functions';

/**
 * The HTTP API's routes, written once: the app stack (infra/stacks/appStack.ts) creates API Gateway's
 * routes from this table and the local stack's router (local/localStack.ts) registers its own from it;
 * test/unit/infra/httpRoutes.test.ts holds both to it.
 *
 * Plain data on purpose: the local stack imports it, and it must not load aws-cdk-lib (eslint refuses a
 * value import of aws-cdk-lib or constructs here and in local/, functions/ and shared/).
 */

/** The methods the routes use (API Gateway's `HttpMethod` names them alike). */
export type HttpRouteMethod = 'GET' | 'POST' | 'ANY';

export interface HttpRoute {
  readonly method: HttpRouteMethod;
  /** Path with `{parameters}`, e.g. `/webhooks/line/{channelId}`; `{proxy+}` takes the rest. */
  readonly path: string;
  /** The function that serves it (infra/functions.ts). */
  readonly function: CallcardFunctionName;
  /**
   * How the function authorises requests on this route. API Gateway has no authoriser on these
   * routes (the senders are LINE and Meta, which sign their requests instead), so this text is
   * also the acknowledgement of cdk-nag's AwsSolutions-APIG4.
   */
  readonly authorization: string;
}

const LINE_SIGNATURE =
  'LINE webhook: authorised inside the function by the x-line-signature header (HMAC-SHA256 of the raw body keyed with the channel secret kept in the KMS-encrypted table); LINE cannot send an API Gateway credential.';
const MESSENGER_SIGNATURE =
  'Messenger webhook: authorised inside the function by the X-Hub-Signature-256 header (HMAC-SHA256 of the raw body keyed with the app secret kept in the KMS-encrypted table); Meta cannot send an API Gateway credential.';
const MESSENGER_VERIFY =
  "Messenger subscription handshake: Meta calls it without credentials by design; the function echoes hub.challenge only when hub.verify_token equals the page's configured verify token.";
const MESSENGER_APP_SIGNATURE =
  "Messenger webhook of a Meta app (all its pages): authorised inside the function by the X-Hub-Signature-256 header (HMAC-SHA256 of the raw body keyed with the app secret kept in the KMS-encrypted table), before anything is written; each entry then serves only a page registered under that app in the app's workspace. Meta cannot send an API Gateway credential.";
const MESSENGER_APP_VERIFY =
  "Messenger subscription handshake of a Meta app: Meta calls it without credentials by design; the function echoes hub.challenge only when hub.verify_token equals the app's configured verify token.";
const CONSOLE_PUBLIC =
  'Web console: the page and its script and styles are public static files served by a function of their own that can touch nothing (no table, no queue; they hold no data and no secret); everything the page shows or changes goes through the admin API routes with the workspace admin key the user types in.';
const CALLBACK_SIGNATURE =
  "Brand callback: authorised inside the function by the Standard Webhooks signature (webhook-signature, HMAC-SHA256 of webhook-id, webhook-timestamp and the raw body keyed with the workspace's CALLCARD_SIGNING_SECRET kept in the KMS-encrypted table, 5 minute timestamp tolerance), before anything is written; the callback id in the path is random (144 bits) and single use. A brand's server cannot send an API Gateway credential of ours.";
const ADMIN_BEARER =
  'Admin API: authorised inside the function by the bearer admin key (Authorization header), so the same code path serves local runs and AWS.';

/**
 * Every route of the HTTP API. A function's routes keep their order: API Gateway's integration of a
 * function is created under its first route, so the order is part of its CloudFormation logical id.
 */
export const HTTP_ROUTES = [
  { method: 'POST', path: '/webhooks/line/{channelId}', function: 'lineWebhook', authorization: LINE_SIGNATURE },
  { method: 'GET', path: '/webhooks/messenger/{channelId}', function: 'messengerWebhook', authorization: MESSENGER_VERIFY },
  { method: 'POST', path: '/webhooks/messenger/{channelId}', function: 'messengerWebhook', authorization: MESSENGER_SIGNATURE },
  // One Meta app, many pages: Meta posts every subscribed page's events to the app's one callback URL.
  { method: 'GET', path: '/webhooks/messenger/apps/{appId}', function: 'messengerWebhook', authorization: MESSENGER_APP_VERIFY },
  { method: 'POST', path: '/webhooks/messenger/apps/{appId}', function: 'messengerWebhook', authorization: MESSENGER_APP_SIGNATURE },
  { method: 'ANY', path: '/admin/{proxy+}', function: 'admin', authorization: ADMIN_BEARER },
  // The web console's static files: same origin as the admin API it calls.
  { method: 'GET', path: '/console', function: 'console', authorization: CONSOLE_PUBLIC },
  { method: 'GET', path: '/console/{proxy+}', function: 'console', authorization: CONSOLE_PUBLIC },
  { method: 'POST', path: '/callbacks/{workspaceId}/{callbackId}', function: 'callbacks', authorization: CALLBACK_SIGNATURE },
] as const satisfies readonly HttpRoute[];

/** The functions the HTTP API reaches: whoever serves the routes (the local router) needs a handler for each. */
export type RoutedFunctionName = (typeof HTTP_ROUTES)[number]['function'];

/** API Gateway's route key: `POST /webhooks/line/{channelId}`. */
export function routeKey(route: Pick<HttpRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

import { Template } from 'aws-cdk-lib/assertions';
import { CALLCARD_FUNCTIONS } from '../../../infra/functions';
import { HTTP_ROUTES, routeKey, type HttpRoute } from '../../../infra/httpRoutes';
import { startLocalStack, type LocalStack } from '../../../local/localStack';
import { buildApp, removeOutdir, type BuiltApp } from './build';

// The HTTP API is written once (infra/httpRoutes.ts): API Gateway's routes and the local stack's router
// must both be exactly that table, each route served by the same function, so what runs locally is
// what is deployed.

let built: BuiltApp | undefined;
let stack: LocalStack | undefined;

beforeAll(async () => {
  built = buildApp({ bundle: false });
  // The in-memory AWS model and no executor: only the router is looked at.
  stack = await startLocalStack({
    port: 0,
    lineApiPort: 0,
    messengerApiPort: 0,
    brandApiPort: 0,
    aws: { model: { dynamoMs: 0, sqsSendMs: 0, pickupMs: 0 } },
    startExecutor: false,
    logLevel: 'SILENT',
  });
}, 60_000);

afterAll(async () => {
  removeOutdir(built);
  await stack?.stop();
});

/** `POST /webhooks/line/{channelId} → lineWebhook`, sorted. */
function described(routes: ReadonlyArray<Pick<HttpRoute, 'method' | 'path' | 'function'>>): string[] {
  return routes.map((route) => `${routeKey(route)} → ${route.function}`).sort();
}

/** The synthesized API Gateway routes, each with the function its integration invokes (found by its POWERTOOLS_SERVICE_NAME). */
function deployedRoutes(template: Template): string[] {
  const functionOf = new Map<string, string>();
  for (const spec of CALLCARD_FUNCTIONS) {
    const found = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: spec.serviceName } } },
    });
    for (const id of Object.keys(found)) functionOf.set(id, spec.name);
  }
  const resources = template.toJSON().Resources;
  return Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
    .map((route) => {
      const integrationId: string = route.Properties.Target['Fn::Join'][1][1].Ref;
      const functionId: string = resources[integrationId].Properties.IntegrationUri['Fn::GetAtt'][0];
      return `${String(route.Properties.RouteKey)} → ${functionOf.get(functionId) ?? 'no callcard function'}`;
    })
    .sort();
}

test('the table has each route key once', () => {
  const keys = HTTP_ROUTES.map(routeKey);
  expect(new Set(keys).size).toBe(keys.length);
});

test('API Gateway has exactly the routes of the table, each to its function', () => {
  if (!built) throw new Error('the app was not built');
  expect(deployedRoutes(Template.fromStack(built.appStack))).toEqual(described(HTTP_ROUTES));
});

test("the local stack's router has exactly the routes of the table, each to its function", () => {
  if (!stack) throw new Error('the local stack did not start');
  expect(described(stack.httpRoutes)).toEqual(described(HTTP_ROUTES));
});

test('a request on each route reaches its function locally (not the 404 of no route)', async () => {
  if (!stack) throw new Error('the local stack did not start');
  for (const route of HTTP_ROUTES) {
    const path = route.path.replace(/\{proxy\+\}/g, 'x/y').replace(/\{\w+\}/g, 'nobody');
    const response = await fetch(`${stack.url}${path}`, {
      method: route.method === 'ANY' ? 'GET' : route.method,
      ...(route.method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
    });
    const body = await response.text();
    // The router's own 404 is `{"message":"Not Found"}`; a function's answers are its own.
    expect({ route: routeKey(route), body }).not.toEqual({ route: routeKey(route), body: '{"message":"Not Found"}' });
  }
});

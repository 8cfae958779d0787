import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** A route and the function that serves it. */
export interface WebhookRoute {
  /** Path with `{parameters}`, e.g. `/webhooks/line/{channelId}`. */
  readonly path: string;
  readonly methods: readonly apigwv2.HttpMethod[];
  readonly handler: lambda.IFunction;
  /**
   * How the function authorises requests on this route. The routes have no API Gateway
   * authoriser (LINE and Meta sign their requests instead), and this text is recorded as the
   * acknowledgement of cdk-nag's AwsSolutions-APIG4 on the route.
   */
  readonly authorization: string;
}

export interface WebhookApiProps {
  readonly routes: readonly WebhookRoute[];
  /**
   * Name of the HTTP API.
   * @default - the construct path
   */
  readonly apiName?: string;
  /**
   * Steady-state requests per second for every route of the default stage.
   * @default 100
   */
  readonly rateLimit?: number;
  /**
   * Burst of requests the default stage absorbs above rateLimit.
   * @default 200
   */
  readonly burstLimit?: number;
  /**
   * How long access logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;
}

/**
 * The HTTP API in front of the webhooks and the admin API: Lambda proxy integrations (payload
 * format 2.0), one `$default` stage with throttling and JSON access logs.
 */
export class WebhookApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** The API's base URL, without a trailing slash (the `$default` stage serves the root). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);

    // The default stage HttpApi creates takes no throttle or access-log settings: we make our own.
    this.api = new apigwv2.HttpApi(this, 'Api', { apiName: props.apiName, createDefaultStage: false });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 100, burstLimit: props.burstLimit ?? 200 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        // $context.path has no query string: Meta's handshake puts hub.verify_token there, and
        // it must not end up in the logs.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.url = this.api.apiEndpoint;

    // One integration per function, shared by its routes (GET and POST of the Messenger webhook).
    const integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();
    for (const route of props.routes) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        // Named after the handler's parent (a CallcardFunction such as `LineWebhook`) when it has one.
        const name = route.handler.node.scope?.node.id || route.handler.node.id;
        integration = new HttpLambdaIntegration(`${name}Integration`, route.handler);
        integrations.set(route.handler, integration);
      }
      for (const added of this.api.addRoutes({ path: route.path, methods: [...route.methods], integration })) {
        Validations.of(added).acknowledge({ id: 'AwsSolutions-APIG4', reason: route.authorization });
      }
    }
  }
}

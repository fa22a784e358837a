/**
 * The REST API (API Gateway HTTP API, payload format 2.0): one route per wiring `HTTP_ROUTES` entry, every one behind
 * a JWT authorizer (the stack's issuer and audience; API Gateway finds the keys through the issuer's discovery
 * document), so a request without a valid token is answered 401 `{"message":"Unauthorized"}` by the gateway and
 * never invokes — or bills — a function. CORS for the web origins, stage-wide throttling and JSON access logs.
 * The route table is checked against API Gateway's rules first (lib/route-rules.ts): synth fails, naming the routes,
 * where CreateRoute would fail the deployment.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { constructIdOf } from './functions';
import { assertHttpRoutes } from './route-rules';
import { HTTP_AUTHORIZER, HTTP_ROUTES, type FunctionKey, type HttpRouteDef } from './wiring';

export interface RestApiProps {
  /** Browser origins allowed by CORS (the CloudFront URL and configured extras). */
  allowedOrigins: string[];
  throttle: apigwv2.ThrottleSettings;
  functions: Record<FunctionKey, lambda.IFunction>;
  logRetention: logs.RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** Whose tokens the JWT authorizer accepts: `iss` exactly, and the `aud` (or `client_id`) values. */
  jwt: { issuer: string; audience: string[] };
  /** The route table (default: the wiring's HTTP_ROUTES). */
  routes?: readonly HttpRouteDef[];
}

/** Never logs the Authorization header or query strings. */
const HTTP_ACCESS_LOG = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  status: '$context.status',
  ip: '$context.identity.sourceIp',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  responseLength: '$context.responseLength',
  error: '$context.error.message',
  integrationError: '$context.integrationErrorMessage',
});

const METHOD: Record<string, apigwv2.HttpMethod> = {
  GET: apigwv2.HttpMethod.GET,
  POST: apigwv2.HttpMethod.POST,
  DELETE: apigwv2.HttpMethod.DELETE,
};

export class RestApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RestApiProps) {
    super(scope, id);
    const routes = assertHttpRoutes(props.routes ?? HTTP_ROUTES);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName.toLowerCase()}-http`, // parley-<stage>-http beside parley-<stage>-ws
      description: 'Parley REST API (history, conversations, unread counts, system messages, friends)',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: props.allowedOrigins,
        allowMethods: [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST, apigwv2.CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.days(1),
      },
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // $default stage: the URL has no stage segment, so the web client appends /api/... to the bare endpoint.
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.custom(HTTP_ACCESS_LOG),
      },
    });

    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.jwt.issuer, {
      jwtAudience: props.jwt.audience,
      identitySource: [HTTP_AUTHORIZER.identitySource],
    });

    // One integration per function (a function may serve several routes).
    const integrations = new Map<FunctionKey, HttpLambdaIntegration>();
    for (const route of routes) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${constructIdOf(route.function)}Integration`, props.functions[route.function], {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(route.function, integration);
      }
      this.api.addRoutes({ path: route.path, methods: [METHOD[route.method]], integration, authorizer });
    }
  }

  /** https://{apiId}.execute-api.{region}.amazonaws.com (no trailing slash; REST paths start with /api/). */
  get url(): string {
    return this.api.apiEndpoint;
  }
}

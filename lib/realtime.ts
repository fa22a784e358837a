/**
 * The WebSocket API: routes by the frame's `action` (wiring's selection expression), $connect guarded by a Lambda
 * REQUEST authorizer on the `token` query string, two-way routes answering the caller, stage-wide throttling and
 * JSON access logs.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { constructIdOf } from './functions';
import { assertWsRoutes } from './route-rules';
import { WS_AUTHORIZER, WS_ROUTES, WS_ROUTE_SELECTION_EXPRESSION, type FunctionKey } from './wiring';

export interface RealtimeApiProps {
  stageName: string;
  throttle: apigwv2.ThrottleSettings;
  logRetention: logs.RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /**
   * Set API Gateway's account-level CloudWatch Logs role in this region. WebSocket stages refuse access logging
   * ("CloudWatch Logs role ARN must be set in account settings") until one is set; fresh accounts have none.
   */
  setAccountLogsRole: boolean;
}

/** Access-log line: ids, route, status and errors only — never the query string (it carries the token). */
const WS_ACCESS_LOG = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  userId: '$context.authorizer.userId',
  status: '$context.status',
  ip: '$context.identity.sourceIp',
  integrationLatency: '$context.integrationLatency',
  error: '$context.error.message',
  integrationError: '$context.integration.error',
  authorizerError: '$context.authorizer.error',
});

export class RealtimeApi extends Construct {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly accessLogs: logs.LogGroup;
  /** The role API Gateway's regional account setting points at (when this stack sets it). */
  readonly logsRole?: iam.Role;
  readonly routes: Record<string, apigwv2.WebSocketRoute> = {};

  constructor(scope: Construct, id: string, props: RealtimeApiProps) {
    super(scope, id);
    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      // parley-<stage>-ws, beside the HTTP API's parley-<stage>-http: names an operator can find in the console.
      apiName: `${Stack.of(this).stackName.toLowerCase()}-ws`,
      description: 'Parley real-time chat (frames route by their "action")',
      routeSelectionExpression: WS_ROUTE_SELECTION_EXPRESSION,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    let account: apigw.CfnAccount | undefined;
    if (props.setAccountLogsRole) {
      const role = new iam.Role(this, 'ApiGatewayLogsRole', {
        assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        description: 'API Gateway account setting: lets API Gateway write access logs to CloudWatch Logs (this region)',
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
      });
      this.logsRole = role;
      // The setting outlives the stack (other APIs in the account may rely on it), so the role does too: plain Retain,
      // not RetainExceptOnCreate, because a rolled-back first create may already have pointed the setting at it.
      role.applyRemovalPolicy(RemovalPolicy.RETAIN);
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'This is the role API Gateway itself assumes (account setting) to write API access logs; AWS maintains ' +
          'AmazonAPIGatewayPushToCloudWatchLogs for exactly this purpose and it grants CloudWatch Logs actions only.',
      });
      account = new apigw.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
      // Ordered as CDK's own RestApi orders its CfnAccount (aws-apigateway/lib/restapi.ts): after the API and the role.
      // Created right after the role, API Gateway can find the role's trust policy not yet propagated and fail the
      // first deploy with "The role ARN does not have required permissions set to API Gateway" (aws/aws-cdk#2194).
      account.node.addDependency(this.api.node.defaultChild!, role.node.defaultChild!);
      // Deleting an Account resource leaves the setting as it is, so only the role must be kept for sure: once the
      // setting points at it, deleting it (even on a rolled-back first create) would break every API's access logs in
      // the region. The Account itself may go with a failed create.
      account.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    }
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.custom(WS_ACCESS_LOG),
      },
    });
    if (account) this.stage.node.addDependency(account);
  }

  /** wss://{apiId}.execute-api.{region}.amazonaws.com/{stage} */
  get url(): string {
    return this.stage.url;
  }

  /** https://{apiId}.execute-api.{region}.amazonaws.com/{stage}: the @connections endpoint (WS_MANAGEMENT_ENDPOINT). */
  get managementEndpoint(): string {
    return this.stage.callbackUrl;
  }

  /** One route per wiring `WS_ROUTES` entry; the authorizer guards $connect. */
  addRoutes(functions: Record<FunctionKey, lambda.IFunction>): void {
    const authorizer = new WebSocketLambdaAuthorizer('TokenAuthorizer', functions[WS_AUTHORIZER.function], {
      identitySource: [WS_AUTHORIZER.identitySource],
    });
    // API Gateway refuses duplicate route keys (and reserved-looking ones): fail the synth, naming them.
    for (const route of assertWsRoutes(WS_ROUTES)) {
      const integration = new WebSocketLambdaIntegration(`${constructIdOf(route.function)}Integration`, functions[route.function]);
      this.routes[route.routeKey] = this.api.addRoute(route.routeKey, {
        integration,
        returnResponse: route.returnResponse,
        ...(route.routeKey === '$connect' ? { authorizer } : {}),
      });
    }
  }
}

/**
 * The whole of Parley in one stack, composed from one construct per concern and built from lib/wiring.ts —
 * the same declaration the local stack runs from.
 *
 * Dependency order (CloudFormation forbids cycles):
 *   tables, WebSocket API (no routes yet), auth (pool + hosted UI domain)
 *   -> web hosting (its CSP names the WebSocket API and the login origin)
 *   -> app client (callback = CloudFront URL) -> functions (ALLOWED_ORIGINS = CloudFront URL)
 *   -> WebSocket routes, HTTP API (CORS = CloudFront URL), notifications -> config.json, alarms, outputs.
 * The CSP allows the HTTP API by the regional execute-api wildcard: naming its id would close the loop
 * HTTP API (CORS) -> CloudFront -> headers policy -> HTTP API.
 */
import * as path from 'node:path';
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Auth } from './auth';
import { configFromContext, PROJECT_ROOT, type ParleyConfig } from './config';
import { Data } from './data';
import { Functions } from './functions';
import { RestApi } from './http-api';
import { acknowledgeFindings } from './nag';
import { Notifications } from './notifications';
import { Observability } from './observability';
import { RealtimeApi } from './realtime';
import { s3RegionalOrigin, uploadsBucketName } from './names';
import { Uploads } from './uploads';
import { sendUserPoolEmailWithSes } from './user-pool-email';
import { executeApiOrigin, WebHosting } from './web-hosting';
import type { WebConfig } from '../lambdas/contract/web-config';
import { ENV, FUNCTIONS, type FunctionKey } from './wiring';

export interface ParleyStackProps extends StackProps {
  /** Overrides of the context-derived configuration (tests, or a programmatic app). */
  config?: Partial<ParleyConfig>;
  /** Repository root holding lambdas/ and package-lock.json. */
  projectRoot?: string;
}

export const SERVICE_NAME = 'parley';

export class ParleyStack extends Stack {
  readonly config: ParleyConfig;
  readonly data: Data;
  readonly auth: Auth;
  readonly realtime: RealtimeApi;
  readonly web: WebHosting;
  readonly uploads: Uploads;
  readonly compute: Functions;
  readonly rest: RestApi;
  readonly notifications: Notifications;
  readonly observability: Observability;
  readonly webConfig: WebConfig;

  constructor(scope: Construct, id: string, props: ParleyStackProps = {}) {
    super(scope, id, {
      description: 'Parley: real-time 1:1 chat and system notifications (API Gateway WebSocket + HTTP API, Lambda, DynamoDB, EventBridge)',
      ...props,
    });
    const cfg: ParleyConfig = { ...configFromContext(this.node), ...props.config };
    this.config = cfg;
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const retain = cfg.removalPolicy === 'retain';
    // What outlives `cdk destroy` and replacements. RetainExceptOnCreate (RETAIN_ON_UPDATE_OR_DELETE) also deletes it
    // when the create that made it rolls back, so a failed first deploy leaves no copies behind for each retry.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
    const kept = retain ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
    // Except what carries its own deletion protection (the Main table, the user pool): a rollback could not delete it
    // and the stack would end in ROLLBACK_FAILED, so it stays plain Retain; docs/DEPLOY.md ("Rollback") says how to
    // remove the empty copy a failed first deploy leaves.
    const durable = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRemoval = kept;
    const logRetention = cfg.logRetentionDays as logs.RetentionDays;
    const throttle = { rateLimit: cfg.throttleRateLimit, burstLimit: cfg.throttleBurstLimit };

    this.data = new Data(this, 'Data', { durableRemovalPolicy: durable });
    this.realtime = new RealtimeApi(this, 'Realtime', {
      stageName: cfg.stage,
      throttle,
      logRetention,
      logRemovalPolicy: logRemoval,
      setAccountLogsRole: cfg.apiGatewayLogsRole,
    });
    this.auth = new Auth(this, 'Auth', { settings: cfg.auth, stage: cfg.stage, removalPolicy: durable });
    if (cfg.auth.mode === 'cognito' && cfg.auth.ses && this.auth.userPool) sendUserPoolEmailWithSes(this.auth.userPool, cfg.auth.ses);

    // The uploads bucket's name is fixed before the bucket exists (lib/names.ts says why): the page POSTs uploads to
    // its regional origin and loads the signed image URLs from there, and nothing broader.
    const uploadsName = uploadsBucketName(cfg.stage);
    const uploadsOrigin = s3RegionalOrigin(uploadsName);
    this.web = new WebHosting(this, 'Web', {
      webBuildDir: cfg.webBuildDir,
      connectSources: [
        `wss://${this.realtime.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`,
        executeApiOrigin('https'),
        ...this.auth.browserOrigins,
        uploadsOrigin,
      ],
      imgSources: [uploadsOrigin],
      removalPolicy: kept,
      logRetention,
    });
    const webOrigins = [this.web.url, ...cfg.extraOrigins];
    const redirectUri = `${this.web.url}/`;
    this.auth.addWebClient([redirectUri, ...cfg.extraOrigins.map((o) => `${o}/`)]);
    this.uploads = new Uploads(this, 'Uploads', {
      bucketName: uploadsName,
      allowedOrigins: webOrigins,
      accessLogsBucket: this.web.logBucket,
      // Sent images belong with the messages in the Main table: kept like the other data.
      removalPolicy: kept,
    });

    this.compute = new Functions(this, 'Functions', {
      projectRoot,
      // The composition root (lambdas/adapters/container.ts) reads all of these at first use, so every function
      // gets them; what a function may actually DO is its IAM policy, granted from wiring below.
      environment: {
        [ENV.tableName]: this.data.tables.main.tableName,
        [ENV.connectionsTable]: this.data.tables.connections.tableName,
        [ENV.wsManagementEndpoint]: this.realtime.managementEndpoint,
        [ENV.allowedOrigins]: webOrigins.join(','),
        [ENV.rateSendMessage]: cfg.rateLimitSend,
        [ENV.rateTyping]: cfg.rateLimitTyping,
        [ENV.rateMarkRead]: cfg.rateLimitMarkRead,
        [ENV.connectionTtlHours]: String(cfg.connectionTtlHours),
        [ENV.maxConnectionsPerUser]: String(cfg.maxConnectionsPerUser),
        [ENV.uploadsBucket]: this.uploads.bucket.bucketName,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        LOG_LEVEL: cfg.logLevel,
      },
      tokenEnvironment: {
        [ENV.jwtIssuer]: this.auth.issuer,
        [ENV.jwtAudience]: this.auth.audience,
        ...(this.auth.jwksUri ? { [ENV.jwksUri]: this.auth.jwksUri } : {}),
      },
      tables: this.data.tables,
      uploadsBucket: this.uploads.bucket,
      webSocketStage: this.realtime.stage,
      logRetention,
      logRemovalPolicy: logRemoval,
      logLevel: cfg.logLevel,
      reservedConcurrency: cfg.reservedConcurrency,
    });
    const functions = this.compute.functions;

    this.realtime.addRoutes(functions);
    this.uploads.addTriggers(functions);
    if (cfg.attachmentsCdnPublicKey) {
      this.uploads.serveThroughCdn({
        distribution: this.web.distribution,
        publicKeyPem: cfg.attachmentsCdnPublicKey,
        privateKeyParameter: cfg.attachmentsCdnPrivateKeyParameter,
        bucketName: uploadsName,
        functions,
      });
    }
    this.rest = new RestApi(this, 'Rest', {
      allowedOrigins: webOrigins,
      throttle,
      functions,
      logRetention,
      logRemovalPolicy: logRemoval,
      jwt: { issuer: this.auth.issuer, audience: this.auth.audiences },
    });
    this.notifications = new Notifications(this, 'Notifications', {
      eventBusName: cfg.eventBusName,
      functions,
      archiveRetentionDays: cfg.eventArchiveDays,
      schemaDir: path.join(projectRoot, 'docs', 'events'),
    });

    this.webConfig = {
      wsUrl: this.realtime.url,
      apiUrl: this.rest.url,
      auth: this.auth.webConfig(redirectUri),
    };
    this.web.deploy(this.webConfig);

    this.observability = new Observability(this, 'Observability', {
      alarmEmail: cfg.alarmEmail,
      functions,
      boundedFunctions: (Object.keys(FUNCTIONS) as FunctionKey[]).filter(
        (k) => cfg.reservedConcurrency && (FUNCTIONS[k] as { reservedConcurrency?: number }).reservedConcurrency !== undefined,
      ),
      deadLetterQueue: this.notifications.deadLetterQueue,
      attachments: {
        deadLetterQueue: this.uploads.deadLetterQueue,
        processor: 's3ProcessAttachment',
      },
      unknownEvents: { rule: this.notifications.unknownEventsRule, busName: this.notifications.bus.eventBusName },
      webSocketApi: this.realtime.api,
      webSocketStageName: this.realtime.stage.stageName,
      httpApi: this.rest.api,
      tables: this.data.tables,
    });

    // Every name docs/DEPLOY.md asks the operator to look up is an output (test/infra/docs.test.ts checks both ways).
    const out = (id2: string, value: string, description: string) => new CfnOutput(this, id2, { value, description });
    const dlq = this.notifications.deadLetterQueue;
    out('WebUrl', this.web.url, 'The web client (CloudFront)');
    out('WebSocketUrl', this.realtime.url, 'WebSocket API: connect with ?token=<JWT>');
    out('HttpApiUrl', this.rest.url, 'REST API base URL (paths start with /api/)');
    out('EventBusName', this.notifications.bus.eventBusName, 'EventBridge bus publishers send to');
    out('EventBusArn', this.notifications.bus.eventBusArn, 'EventBridge bus ARN (publisher IAM resource)');
    out('PublisherPolicyArn', this.notifications.publisherPolicy.managedPolicyArn, 'Managed policy to attach to publishers');
    out('DeadLetterQueueUrl', dlq.queueUrl, 'Events Parley gave up on (read them with aws sqs receive-message)');
    out('DeadLetterQueueName', dlq.queueName, 'Dead-letter queue name (SQS console)');
    out('DeadLetterQueueArn', dlq.queueArn, 'Dead-letter queue ARN (IAM policies, redrive)');
    out('NotificationFunctionName', functions.eventsNotify.functionName, 'Function that turns events into notifications (replay dead letters to it)');
    out('NotificationLogGroupName', this.compute.logGroups.eventsNotify.logGroupName, 'Logs of the notification function');
    out('MainTableName', this.data.tables.main.tableName, 'DynamoDB table with all messages and friendships (kept by cdk destroy)');
    out('ConnectionsTableName', this.data.tables.connections.tableName, 'DynamoDB table of live WebSocket connections');
    out('SchemaRegistryName', this.notifications.schemaRegistry.attrRegistryName, 'EventBridge schema registry with the six event detail schemas');
    out('DashboardName', this.observability.dashboard.dashboardName, 'CloudWatch dashboard');
    out('WebBucketName', this.web.bucket.bucketName, 'S3 bucket of the web client');
    out('UploadsBucketName', this.uploads.bucket.bucketName, 'S3 bucket of image attachments (uploads/ raw, files/ cleaned)');
    out('AttachmentDeadLetterQueueUrl', this.uploads.deadLetterQueue.queueUrl, 'Upload events the image processor gave up on');
    out('AccessLogBucketName', this.web.logBucket.bucketName, 'S3 bucket of the web bucket and CloudFront access logs');
    out('JwtIssuer', this.auth.issuer, 'Issuer the functions accept tokens from');
    if (this.auth.userPool && this.auth.userPoolClient && this.auth.domain) {
      out('UserPoolId', this.auth.userPool.userPoolId, 'Cognito user pool (create users here)');
      out('UserPoolClientId', this.auth.userPoolClient.userPoolClientId, 'Cognito app client of the web client');
      out('CognitoDomainUrl', this.auth.domain.baseUrl(), 'Cognito hosted UI');
      out('CognitoDomainPrefix', this.auth.domain.domainName, 'Cognito hosted UI domain prefix');
    }
    if (this.observability.topic) out('AlarmTopicArn', this.observability.topic.topicArn, 'SNS topic alarms publish to');
    if (this.realtime.logsRole) {
      out('ApiGatewayLogsRoleName', this.realtime.logsRole.roleName, "Role of API Gateway's regional logging setting (kept by cdk destroy)");
    }

    acknowledgeFindings(this, {
      functions: this.compute,
      siteBucket: this.web.bucket,
      uploadsBucket: this.uploads.bucket,
      tables: this.data.tables,
      webSocketApi: this.realtime.api,
      webSocketStageName: this.realtime.stage.stageName,
    });
  }
}

/**
 * Alarms (dead letters, function errors and throttles, API server errors, DynamoDB throttling), an optional SNS
 * topic that e-mails them, and one CloudWatch dashboard. docs/DEPLOY.md ("Alarms") says what each one means.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { constructIdOf } from './functions';
import { accountUniqueName } from './names';
import { DEFAULT_TIMEOUT_SECONDS, FUNCTIONS, type FunctionKey, type TableKey } from './wiring';

/** The share of its timeout at which a slow upload processor alarms (it is about to time out on big images). */
export const NEAR_TIMEOUT_SHARE = 0.8;

export interface ObservabilityProps {
  alarmEmail?: string;
  functions: Record<FunctionKey, lambda.IFunction>;
  /** Functions whose concurrency is bounded on purpose (throttling there is back-pressure, not an outage). */
  boundedFunctions: FunctionKey[];
  deadLetterQueue: sqs.IQueue;
  /** Image attachments: the upload processor and the dead-letter queue of its S3 notifications. */
  attachments?: { deadLetterQueue: sqs.IQueue; processor: FunctionKey };
  /** The catch-all rule for detail-types Parley does not know (a publisher's typo), on this bus. */
  unknownEvents?: { rule: events.IRule; busName: string };
  webSocketApi: apigwv2.WebSocketApi;
  webSocketStageName: string;
  httpApi: apigwv2.HttpApi;
  tables: Record<TableKey, dynamodb.ITable>;
}

const FIVE_MINUTES = Duration.minutes(5);

export class Observability extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic?: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    if (props.alarmEmail) {
      // Alarm state changes only (no user data). Not KMS-encrypted: CloudWatch cannot publish to a topic under the
      // AWS-managed SNS key, and a customer-managed key would cost more than the topic.
      this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: `Parley alarms (${stackName})`, enforceSSL: true });
      // A topic policy replaces SNS's default one, so the TLS-only Deny above would leave CloudWatch without any
      // Allow and no alarm could publish. CloudWatch publishes as its service principal; the conditions keep that to
      // this account's alarms of this stack (confused deputy). https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
      const stack = Stack.of(this);
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsOfThisStack',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: {
              'aws:SourceArn': stack.formatArn({
                service: 'cloudwatch',
                resource: 'alarm',
                resourceName: `${stackName}-*`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            },
          },
        }),
      );
      this.topic.addSubscription(new subs.EmailSubscription(props.alarmEmail));
    }
    // Every alarm name starts with "<stack name>-": the topic policy above allows exactly those.
    const alarm = (cid: string, props2: cloudwatch.AlarmProps) => {
      const a = new cloudwatch.Alarm(this, cid, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...props2,
        alarmName: `${stackName}-${props2.alarmName ?? cid}`,
      });
      if (this.topic) {
        a.addAlarmAction(new cwActions.SnsAction(this.topic));
        a.addOkAction(new cwActions.SnsAction(this.topic));
      }
      this.alarms.push(a);
      return a;
    };

    // Dead letters: any message means an event was not turned into notifications.
    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' });
    alarm('DeadLetters', {
      alarmName: 'dead-letters',
      alarmDescription: 'Events Parley gave up on are waiting in the dead-letter queue. See docs/DEPLOY.md#alarms.',
      metric: dlqDepth,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    // A publisher sends a detail-type Parley does not know (a typo): its events are dead-lettered, say so at once.
    if (props.unknownEvents) {
      const unknown = new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: props.unknownEvents.rule.ruleName, EventBusName: props.unknownEvents.busName },
        period: FIVE_MINUTES,
        statistic: 'Sum',
      });
      alarm('UnknownEventTypes', {
        alarmName: 'unknown-event-types',
        alarmDescription: 'A publisher sent events whose detail-type Parley does not know; they are in the dead-letter queue. See docs/DEPLOY.md#alarms.',
        metric: unknown,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // Attachments: an upload the processor gave up on stays pending (the user sees no ready/rejected), and a
    // processor near its timeout will soon be failing on large images (raise memoryMb/timeoutSeconds in wiring).
    if (props.attachments) {
      const key = props.attachments.processor;
      const attachmentDlq = props.attachments.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      });
      alarm('AttachmentDeadLetters', {
        alarmName: 'attachment-dead-letters',
        alarmDescription: 'Upload events the image processor gave up on are waiting in its dead-letter queue. See docs/DEPLOY.md#alarms.',
        metric: attachmentDlq,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      const timeoutMs = (FUNCTIONS[key].timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
      alarm('AttachmentProcessingSlow', {
        alarmName: 'attachment-processing-slow',
        alarmDescription:
          `${FUNCTIONS[key].description}: an invocation took ${NEAR_TIMEOUT_SHARE * 100}% of its ${timeoutMs / 1000} s timeout. ` +
          'See docs/DEPLOY.md#alarms.',
        metric: props.functions[key].metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        threshold: NEAR_TIMEOUT_SHARE * timeoutMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // Per function: errors (handlers map expected failures to contract errors, so a Lambda error is a bug, a
    // timeout or a dependency outage) and throttles.
    for (const key of Object.keys(props.functions) as FunctionKey[]) {
      const fn = props.functions[key];
      const cid = constructIdOf(key);
      alarm(`${cid}Errors`, {
        alarmName: `${key}-errors`,
        alarmDescription: `${FUNCTIONS[key].description}: 5+ invocation errors in 5 minutes. See docs/DEPLOY.md#alarms.`,
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      const bounded = props.boundedFunctions.includes(key);
      alarm(`${cid}Throttles`, {
        alarmName: `${key}-throttles`,
        alarmDescription: bounded
          ? `${FUNCTIONS[key].description}: throttled for 15 minutes at its reserved concurrency (events queue up). See docs/DEPLOY.md#alarms.`
          : `${FUNCTIONS[key].description}: requests throttled (users see errors). See docs/DEPLOY.md#alarms.`,
        metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: bounded ? 50 : 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: bounded ? 3 : 1,
      });
    }

    // APIs: HTTP 5xx; WebSocket integration/execution errors (the WebSocket API's server-side failures).
    const http5xx = props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    alarm('HttpApi5xx', {
      alarmName: 'http-api-5xx',
      alarmDescription: 'REST API answered 5xx 5+ times in 5 minutes. See docs/DEPLOY.md#alarms.',
      metric: http5xx,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    const wsDims = { ApiId: props.webSocketApi.apiId, Stage: props.webSocketStageName };
    const wsMetric = (metricName: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: wsDims,
        period: FIVE_MINUTES,
        statistic: 'Sum',
        label,
      });
    const ws5xx = new cloudwatch.MathExpression({
      expression: 'FILL(ie, 0) + FILL(ee, 0)',
      usingMetrics: { ie: wsMetric('IntegrationError'), ee: wsMetric('ExecutionError') },
      period: FIVE_MINUTES,
      label: 'WebSocket server errors',
    });
    alarm('WebSocketApi5xx', {
      alarmName: 'websocket-api-errors',
      alarmDescription: 'WebSocket API integration/execution errors 5+ times in 5 minutes. See docs/DEPLOY.md#alarms.',
      metric: ws5xx,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    // DynamoDB: throttled requests (on-demand tables throttle on hot keys or sudden 2x jumps).
    const ddbOps = [
      dynamodb.Operation.GET_ITEM,
      dynamodb.Operation.PUT_ITEM,
      dynamodb.Operation.UPDATE_ITEM,
      dynamodb.Operation.DELETE_ITEM,
      dynamodb.Operation.QUERY,
      dynamodb.Operation.BATCH_GET_ITEM,
      dynamodb.Operation.BATCH_WRITE_ITEM,
      dynamodb.Operation.TRANSACT_WRITE_ITEMS,
    ];
    const tableThrottleAlarms: cloudwatch.Alarm[] = [];
    for (const [key, table] of Object.entries(props.tables)) {
      const metric = table.metricThrottledRequestsForOperations({ operations: ddbOps, period: FIVE_MINUTES });
      tableThrottleAlarms.push(alarm(`${constructIdOf(key)}TableThrottles`, {
        alarmName: `${key}-table-throttles`,
        alarmDescription: `DynamoDB ${key} table throttled 10+ requests in 5 minutes. See docs/DEPLOY.md#alarms.`,
        metric,
        threshold: 10,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      }));
    }

    // Dashboard.
    const fns = Object.entries(props.functions) as [FunctionKey, lambda.IFunction][];
    const perFn = (m: (fn: lambda.IFunction) => cloudwatch.Metric, key: FunctionKey, fn: lambda.IFunction) =>
      m(fn).with({ label: key, period: FIVE_MINUTES });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Dashboards are global per account: "<stack>-<region>" so a second region's stage does not overwrite this one.
      dashboardName: accountUniqueName(this),
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'WebSocket: connects and messages',
        left: [wsMetric('ConnectCount', 'connects'), wsMetric('MessageCount', 'messages')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'WebSocket: errors',
        left: [wsMetric('ClientError', 'client errors'), wsMetric('IntegrationError', 'integration errors'), wsMetric('ExecutionError', 'execution errors')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'REST: requests, 4xx, 5xx',
        left: [
          props.httpApi.metricCount({ period: FIVE_MINUTES, label: 'requests' }),
          props.httpApi.metricClientError({ period: FIVE_MINUTES, label: '4xx' }),
          http5xx.with({ label: '5xx' }),
        ],
        right: [props.httpApi.metricLatency({ period: FIVE_MINUTES, statistic: 'p95', label: 'latency p95' })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: fns.map(([k, fn]) => perFn((f) => f.metricErrors({ statistic: 'Sum' }), k, fn)),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda throttles',
        left: fns.map(([k, fn]) => perFn((f) => f.metricThrottles({ statistic: 'Sum' }), k, fn)),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration p95 (ms)',
        left: fns.map(([k, fn]) => perFn((f) => f.metricDuration({ statistic: 'p95' }), k, fn)),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Dead-letter queue depth', left: [dlqDepth], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB consumed capacity',
        left: Object.entries(props.tables).map(([k, t]) =>
          t.metricConsumedReadCapacityUnits({ period: FIVE_MINUTES, statistic: 'Sum', label: `${k} read` }),
        ),
        right: Object.entries(props.tables).map(([k, t]) =>
          t.metricConsumedWriteCapacityUnits({ period: FIVE_MINUTES, statistic: 'Sum', label: `${k} write` }),
        ),
        width: 8,
      }),
      ...tableThrottleAlarms.map(
        (a, i) => new cloudwatch.AlarmWidget({ title: `DynamoDB ${Object.keys(props.tables)[i]} throttled requests`, alarm: a, width: 4 }),
      ),
    );
  }
}

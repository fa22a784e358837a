/**
 * System notifications: the app's EventBridge bus, one rule per wiring `EVENT_RULES` entry (pattern and target
 * retry policy from there), and one encrypted SQS dead-letter queue that keeps every event Parley gave up on —
 * whether EventBridge could not deliver it or the function failed on it after Lambda's async retries.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_RULES, type FunctionKey } from './wiring';

export interface NotificationsProps {
  eventBusName: string;
  functions: Record<FunctionKey, lambda.IFunction>;
}

/** Lambda's own retries of an async invocation that threw, before the on-failure destination. */
export const ASYNC_RETRY_ATTEMPTS = 2;

export class Notifications extends Construct {
  readonly bus: events.EventBus;
  readonly deadLetterQueue: sqs.Queue;
  readonly rules: Record<string, events.Rule> = {};
  /** Attach to a publisher's role/user: events:PutEvents on this bus only. */
  readonly publisherPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.eventBusName,
      description: 'Parley: app events that become system notifications (CONTRACT.md "Events")',
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue IS the dead-letter queue (EventBridge target DLQ and Lambda on-failure destination); nothing ' +
          'consumes it automatically, so it needs no DLQ of its own. Its depth is alarmed.',
      },
    );

    const configured = new Set<FunctionKey>();
    for (const def of EVENT_RULES) {
      const fn = props.functions[def.function];
      const rule = new events.Rule(this, `${def.id}Rule`, {
        eventBus: this.bus,
        description: def.description,
        eventPattern: {
          detailType: [...def.pattern['detail-type']],
          ...(def.pattern.source ? { source: [...def.pattern.source] } : {}),
        },
      });
      rule.addTarget(
        new targets.LambdaFunction(fn, {
          retryAttempts: def.maxRetryAttempts,
          maxEventAge: Duration.seconds(def.maxEventAgeSeconds),
          deadLetterQueue: this.deadLetterQueue,
        }),
      );
      this.rules[def.id] = rule;

      // EventBridge invokes asynchronously: a handler failure (e.g. a detail that does not fit) is retried by
      // Lambda a bounded number of times, then the event goes to the same dead-letter queue.
      if (!configured.has(def.function)) {
        fn.configureAsyncInvoke({
          retryAttempts: ASYNC_RETRY_ATTEMPTS,
          maxEventAge: Duration.seconds(def.maxEventAgeSeconds),
          onFailure: new SqsDestination(this.deadLetterQueue),
        });
        configured.add(def.function);
      }
    }

    this.publisherPolicy = new iam.ManagedPolicy(this, 'PublisherPolicy', {
      description: `Publish app events to the Parley bus ${props.eventBusName}`,
      statements: [new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] })],
    });
  }
}

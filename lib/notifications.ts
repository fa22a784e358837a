/**
 * System notifications: the app's EventBridge bus, one rule per wiring `EVENT_RULES` entry (pattern and target
 * retry policy from there), and one encrypted SQS dead-letter queue that keeps every event Parley gave up on —
 * whether EventBridge could not deliver it or the function failed on it after Lambda's async retries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_DETAIL_TYPES, EVENT_RULES, type FunctionKey } from './wiring';

export interface NotificationsProps {
  eventBusName: string;
  functions: Record<FunctionKey, lambda.IFunction>;
  /** Days the bus archive keeps every event for replay (0 = for ever). */
  archiveRetentionDays: number;
  /** Folder of the committed detail JSON Schemas (docs/events, generated from the handler's own schemas). */
  schemaDir: string;
}

/** JSON Schema keywords newer than draft-04, which the EventBridge schema registry's JSONSchemaDraft4 type knows. */
const NEWER_THAN_DRAFT4 = new Set(['const', 'contains', 'propertyNames', 'examples', 'if', 'then', 'else', '$comment', 'readOnly', 'writeOnly', 'contentMediaType', 'contentEncoding']);

/**
 * A committed detail schema (draft-07, from @valibot/to-json-schema) as the registry's JSONSchemaDraft4 content: the
 * `$schema` says draft-04 and the few newer keywords it has (`propertyNames` on FriendshipCreated's names) are left
 * out — the registry is for publishers' code bindings and validation; the handler's schema stays the authority.
 */
export function draft4(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(draft4);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$schema') out[k] = 'http://json-schema.org/draft-04/schema#';
    else if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as object).map(([name, sub]) => [name, draft4(sub)]));
    else if (!NEWER_THAN_DRAFT4.has(k)) out[k] = draft4(v);
  }
  return out;
}

/** Lambda's own retries of an async invocation that threw, before the on-failure destination. */
export const ASYNC_RETRY_ATTEMPTS = 2;

export class Notifications extends Construct {
  readonly bus: events.EventBus;
  readonly deadLetterQueue: sqs.Queue;
  readonly rules: Record<string, events.Rule> = {};
  /** Attach to a publisher's role/user: events:PutEvents on this bus only. */
  readonly publisherPolicy: iam.ManagedPolicy;
  /** Events whose detail-type is none of the six: to the dead-letter queue, never silently dropped. */
  readonly unknownEventsRule: events.Rule;
  readonly archive: events.Archive;
  readonly schemaRegistry: eventschemas.CfnRegistry;

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

    // A publisher's typo ("AchievementUnlock") must be visible (contract v1.1): every detail-type but the six goes to
    // the same dead-letter queue, wrapped with the reason (EventBridge can't set SQS message attributes on a rule
    // target, so the reason rides in the body: {"reason", "event"}). Alarmed in observability.ts.
    this.unknownEventsRule = new events.Rule(this, 'UnknownDetailTypesRule', {
      eventBus: this.bus,
      description: 'Events whose detail-type Parley does not know: to the dead-letter queue with the reason',
      eventPattern: { detailType: events.Match.anythingBut(...EVENT_DETAIL_TYPES) },
    });
    this.unknownEventsRule.addTarget(
      new targets.SqsQueue(this.deadLetterQueue, {
        message: events.RuleTargetInput.fromObject({
          reason: `no rule matches detail-type ${events.EventField.detailType}; Parley accepts: ${EVENT_DETAIL_TYPES.join(', ')}`,
          event: events.EventField.fromPath('$'),
        }),
      }),
    );

    // Every event the app publishes, kept for replay after a fix (docs/DEPLOY.md, "Replaying events").
    this.archive = this.bus.archive('Archive', {
      description: 'Parley: every event on the bus, for replay after a fix',
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.archiveRetentionDays === 0 ? undefined : Duration.days(props.archiveRetentionDays),
    });

    // The six detail schemas in an EventBridge schema registry, so publishers can download code bindings.
    this.schemaRegistry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
      description: 'Parley: the six event detail schemas (docs/events)',
    });
    for (const type of EVENT_DETAIL_TYPES) {
      const file = path.join(props.schemaDir, `${type}.schema.json`);
      // registryName references the registry: CloudFormation creates it first.
      new eventschemas.CfnSchema(this, `${type}Schema`, {
        registryName: this.schemaRegistry.attrRegistryName,
        schemaName: `parley@${type}`,
        type: 'JSONSchemaDraft4',
        description: `Detail of ${type} (CONTRACT.md, Events)`,
        content: JSON.stringify(draft4(JSON.parse(fs.readFileSync(file, 'utf8')))),
      });
    }

    this.publisherPolicy = new iam.ManagedPolicy(this, 'PublisherPolicy', {
      description: `Publish app events to the Parley bus ${props.eventBusName}`,
      statements: [new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] })],
    });
  }
}

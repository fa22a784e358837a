/**
 * cdk-nag (AwsSolutions) acknowledgements that span constructs. cdk-nag 3 uses CDK's `Validations.of(x).acknowledge`
 * and matches each finding exactly (e.g. `AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]`), so every entry here
 * names the exact finding it covers and says why it is acceptable. Acknowledgements about a single resource live
 * next to that resource (auth.ts, web-hosting.ts, notifications.ts, observability.ts).
 */
import { CfnElement, DefaultStackSynthesizer, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { IConstruct } from 'constructs';
import { RUNTIME, type Functions } from './functions';
import { FUNCTIONS, HTTP_ROUTES, TABLES, type FunctionKey, type TableKey } from './wiring';

export interface NagTargets {
  functions: Functions;
  /** The bucket BucketDeployment writes the web client to. */
  siteBucket: IConstruct;
  /** The uploads bucket the FunctionDefs' `uploads` grants are on. */
  uploadsBucket: IConstruct;
  tables: Record<TableKey, dynamodb.Table>;
  webSocketApi: apigwv2.WebSocketApi;
  webSocketStageName: string;
}

const logicalId = (c: IConstruct) => Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement);
/** How cdk-nag prints the stack's region/account inside a finding: the literal when the env is known. */
const region = (stack: Stack) => (Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region);
const account = (stack: Stack) => (Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account);

export function acknowledgeFindings(stack: Stack, t: NagTargets): void {
  // --- Our functions -------------------------------------------------------------------------------------------
  for (const key of Object.keys(t.functions.functions) as FunctionKey[]) {
    const fn = t.functions.functions[key];
    const def = FUNCTIONS[key];
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        `Parley pins ${RUNTIME.name} (issue #4): the handlers are bundled for and tested against Node 22; moving to a ` +
        'newer runtime is a deliberate change, not a side effect of a CDK upgrade.',
    });
    const role = fn.role!;
    for (const [tableKey] of Object.entries(def.tables) as [TableKey, unknown][]) {
      const table = t.tables[tableKey];
      if (TABLES[tableKey].globalSecondaryIndexes.length === 0) continue; // grant has no /index/* then
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId(table)}.Arn>/index/*]`,
        reason:
          `wiring grants ${key} ${String(def.tables[tableKey])} on the ${tableKey} table; CDK's table grant covers its ` +
          'global secondary indexes (<table arn>/index/*), which the handlers Query (unread, recent, byId). ' +
          'Limited to this one table.',
      });
    }
    const prefixes = [...new Set((def as { uploads?: { prefixes: string[] }[] }).uploads?.flatMap((g) => g.prefixes) ?? [])];
    for (const prefix of prefixes) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId(t.uploadsBucket)}.Arn>/${prefix}*]`,
        reason:
          `wiring grants ${key} object actions under ${prefix} in the uploads bucket only: its keys carry ids made at ` +
          'run time (user and attachment ids), so the resource is the prefix; the actions are listed one by one.',
      });
    }
    if (def.manageConnections) {
      Validations.of(role).acknowledge({
        id:
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region(stack)}:${account(stack)}:` +
          `<${logicalId(t.webSocketApi)}>/${t.webSocketStageName}/*/@connections/*]`,
        reason:
          'wiring marks this function manageConnections: it posts to / deletes WebSocket connections whose ids exist ' +
          'only at runtime. The grant is execute-api:ManageConnections on this API\'s stage only.',
      });
    }
  }

  // --- API routes ----------------------------------------------------------------------------------------------
  for (const route of stack.node.findAll().filter((c): c is apigwv2.CfnRoute => c instanceof apigwv2.CfnRoute)) {
    const routeKey = stack.resolve(route.routeKey) as string;
    if (routeKey === '$connect') continue; // guarded by the Lambda REQUEST authorizer
    const isHttp = HTTP_ROUTES.some((r) => `${r.method} ${r.path}` === routeKey);
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: isHttp
        ? 'Every REST handler verifies the bearer JWT itself with the same verifier as the WebSocket authorizer ' +
          '(lambdas/adapters/jwt.ts), so each refusal carries the contract\'s {"error":{...}} JSON body (wiring.ts).'
        : 'API Gateway WebSocket APIs authorize only at $connect; this route runs on an already authorized ' +
          'connection and the handler reads the user from the authorizer context.',
    });
  }

  // --- CDK-provided singleton functions ------------------------------------------------------------------------
  for (const child of stack.node.children) {
    if (child.node.id.startsWith('Custom::CDKBucketDeployment')) {
      const what = 'BucketDeployment (uploads the web build and config.json)';
      acknowledgeCdkProvider(child, what);
      acknowledgeBucketDeploymentGrants(stack, child, t.siteBucket, what);
    }
    if (child.node.id.startsWith('BucketNotificationsHandler')) {
      Validations.of(child).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'S3 bucket notifications (uploads/ -> image processor) are set by CDK\'s own BucketNotificationsHandler, to ' +
          'which CDK attaches AWSLambdaBasicExecutionRole (CloudWatch Logs only); its one other grant is ' +
          's3:PutBucketNotification.',
      });
    }
  }
}

function acknowledgeCdkProvider(construct: IConstruct, what: string): void {
  Validations.of(construct).acknowledge(
    { id: 'AwsSolutions-L1', reason: `${what} is a handler CDK ships and pins; its runtime follows aws-cdk-lib upgrades.` },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${what}: CDK attaches AWSLambdaBasicExecutionRole (CloudWatch Logs only) to its own provider function.`,
    },
  );
}

/** The grants CDK's BucketDeployment gives its provider: read the CDK asset bucket, write the site bucket, invalidate. */
function acknowledgeBucketDeploymentGrants(stack: Stack, provider: IConstruct, siteBucket: IConstruct, what: string): void {
  const s3Actions = ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'];
  Validations.of(provider).acknowledge(
    ...s3Actions.map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason:
        `${what}: CDK grants ${action} to copy the web build from the CDK asset bucket into the site bucket ` +
        '(bucket read/write grant groups); the resources are only those two buckets.',
    })),
    {
      id: `AwsSolutions-IAM5[Resource::<${logicalId(siteBucket)}.Arn>/*]`,
      reason: `${what}: writes objects (index.html, config.json, assets) whose keys come from the build, in the site bucket only.`,
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        `${what}: cloudfront:CreateInvalidation/GetInvalidation on "*" as CDK grants them, so the deployment can ` +
        'invalidate the distribution after upload; no other action has a wildcard resource.',
    },
  );
  const synth = stack.synthesizer;
  if (synth instanceof DefaultStackSynthesizer) {
    const qualifier = synth.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const assetBucket = `cdk-${qualifier}-assets-${account(stack)}-${region(stack)}`;
    Validations.of(provider).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${assetBucket}/*]`,
      reason: `${what}: reads the uploaded build from the CDK bootstrap asset bucket, whose object keys are content hashes.`,
    });
  }
}

/**
 * One Lambda function per wiring `FUNCTIONS` entry: bundled by the local esbuild (never Docker), Node 22 on arm64,
 * its own log group and role, and exactly the table / WebSocket grants wiring declares.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { MAIN_FIELDS, aliasEsbuildArgs } from './bundling';
import {
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  FUNCTIONS,
  PARTIQL_ACTIONS,
  type FunctionDef,
  type FunctionKey,
  type PartiQLVerb,
  type TableAccess,
  type TableKey,
} from './wiring';

export const RUNTIME = lambda.Runtime.NODEJS_22_X;
export const ARCHITECTURE = lambda.Architecture.ARM_64;

export interface FunctionsProps {
  projectRoot: string;
  /** Environment every function gets (table names, endpoints, limits, logging). */
  environment: Record<string, string>;
  /** Extra environment for functions that verify tokens (JWT_ISSUER, JWT_AUDIENCE, JWKS_URI). */
  tokenEnvironment: Record<string, string>;
  tables: Record<TableKey, dynamodb.ITable>;
  /** The uploads bucket (wiring's UPLOADS_BUCKET) functions' `uploads` grants are on. */
  uploadsBucket: s3.IBucket;
  /** The WebSocket stage whose @connections functions with `manageConnections` may call. */
  webSocketStage: apigwv2.WebSocketStage;
  logRetention: logs.RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Apply wiring's reservedConcurrency. */
  reservedConcurrency: boolean;
}

/**
 * DynamoDB actions per wiring access level: exactly what lambdas/adapters/dynamo issues. Reads: GetItem, Query,
 * BatchGetItem. Writes: PutItem, UpdateItem, DeleteItem, and ConditionCheckItem for TransactWriteItems' condition
 * checks (a transaction needs the per-item action of each of its parts). Never Scan, BatchWriteItem or table admin.
 */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
};

export const tableActions = (access: TableAccess): string[] => [...TABLE_ACTIONS[access]];

/** The PartiQL actions of wiring's `partiql` verbs for one table (dynamodb:PartiQLInsert, ...), in wiring's order. */
export const partiqlActions = (verbs: readonly PartiQLVerb[]): string[] => [...new Set(verbs.map((v) => PARTIQL_ACTIONS[v]))];

/**
 * npm's platform settings for the install of a function's `nodeModules` (NodejsFunction runs `npm ci` in the asset
 * with these in its environment): optional dependencies are chosen for Lambda's linux-arm64 glibc, not for the machine
 * that synthesizes, so sharp ships @img/sharp-linux-arm64 and @img/sharp-libvips-linux-arm64 (both in
 * package-lock.json) and no x64 binary. `prefer-offline`: tarballs already in npm's cache (integrity-checked against
 * the lock) are not fetched again; anything missing comes from the npm registry, which synthesis then needs.
 */
export const NODE_MODULES_INSTALL_ENV: Readonly<Record<string, string>> = {
  npm_config_os: 'linux',
  npm_config_cpu: 'arm64',
  npm_config_libc: 'glibc',
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

/**
 * How a function is bundled (local esbuild, never Docker); shared with the infra test that bundles the upload
 * processor for real and inspects its asset.
 */
export function bundlingOf(def: FunctionDef): BundlingOptions {
  const nodeModules = def.nodeModules ?? [];
  return {
    forceDockerBundling: false,
    minify: true,
    sourceMap: false,
    target: 'node22',
    format: OutputFormat.CJS,
    // Prefer ES module builds of dependencies so esbuild can tree-shake the SDK.
    mainFields: MAIN_FIELDS,
    // SDK v3 is bundled (tree-shaken) rather than taken from the runtime: faster cold starts, pinned versions.
    bundleAwsSDK: true,
    externalModules: [],
    // The SDK's credential chain reduced to its environment link, where Lambda puts the role's credentials
    // (lib/bundling.ts): 115–132 KB and 20–30 % of the import time less per function.
    esbuildArgs: aliasEsbuildArgs(),
    logLevel: LogLevel.WARNING,
    ...(nodeModules.length
      ? {
          // Native packages stay out of the bundle and are installed beside it from package-lock.json, for arm64.
          nodeModules,
          environment: { ...NODE_MODULES_INSTALL_ENV },
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            // The project's whole lock file was only needed for `npm ci`: it is not shipped.
            afterBundling: (_inputDir: string, outputDir: string) => [`rm -f "${outputDir}/package-lock.json"`],
          },
        }
      : {}),
  };
}

/** "wsSendMessage" -> "WsSendMessage" (construct ids). */
export const constructIdOf = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

export class Functions extends Construct {
  readonly functions: Record<FunctionKey, NodejsFunction>;
  readonly logGroups: Record<FunctionKey, logs.LogGroup>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const functions: Partial<Record<FunctionKey, NodejsFunction>> = {};
    const logGroups: Partial<Record<FunctionKey, logs.LogGroup>> = {};

    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const def: FunctionDef = FUNCTIONS[key];
      const cid = constructIdOf(key);

      const logGroup = new logs.LogGroup(this, `${cid}Logs`, {
        retention: props.logRetention,
        removalPolicy: props.logRemovalPolicy,
      });
      // Own role per function: only its log group, then only what wiring grants (no AWS managed policies).
      const role = new iam.Role(this, `${cid}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Parley ${key}: ${def.description}`.slice(0, 1000),
      });
      logGroup.grantWrite(role);

      const fn = new NodejsFunction(this, cid, {
        entry: path.join(props.projectRoot, def.entry),
        handler: 'handler',
        projectRoot: props.projectRoot,
        depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
        description: def.description,
        runtime: RUNTIME,
        architecture: ARCHITECTURE,
        memorySize: def.memoryMb ?? DEFAULT_MEMORY_MB,
        timeout: Duration.seconds(def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        // Powertools writes JSON itself; keep Lambda's own filter level in step with LOG_LEVEL.
        applicationLogLevelV2: lambda.ApplicationLogLevel[props.logLevel],
        systemLogLevelV2: lambda.SystemLogLevel.INFO,
        reservedConcurrentExecutions: props.reservedConcurrency ? def.reservedConcurrency : undefined,
        environment: {
          ...props.environment,
          ...(def.verifiesTokens ? props.tokenEnvironment : {}),
        },
        bundling: bundlingOf(def),
      });

      // Only the item-level actions the DynamoDB adapters issue (no Scan, no table management), on this table and
      // its indexes; CDK's grantReadData/grantReadWriteData would also allow Scan and BatchWriteItem.
      for (const [tableKey, access] of Object.entries(def.tables) as [TableKey, TableAccess][]) {
        props.tables[tableKey].grant(fn, ...tableActions(access));
      }
      // PartiQL (wiring `partiql`): one statement per table, exactly the verbs' actions, on the table ARN only — the
      // statements address items by key, never an index.
      for (const [tableKey, verbs] of Object.entries(def.partiql ?? {}) as [TableKey, readonly PartiQLVerb[]][]) {
        if (!verbs.length) continue;
        role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: partiqlActions(verbs), resources: [props.tables[tableKey].tableArn] }));
      }
      // execute-api:ManageConnections on <api>/<stage>/*/@connections/* only.
      if (def.manageConnections) props.webSocketStage.grantManagementApiAccess(fn);
      // One statement per wiring `uploads` grant: exactly its actions, on `<bucket arn>/<prefix>*` of its prefixes.
      for (const grant of def.uploads ?? []) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: grant.actions.map((a) => `s3:${a}`),
            resources: grant.prefixes.map((prefix) => props.uploadsBucket.arnForObjects(`${prefix}*`)),
          }),
        );
      }

      functions[key] = fn;
      logGroups[key] = logGroup;
    }
    this.functions = functions as Record<FunctionKey, NodejsFunction>;
    this.logGroups = logGroups as Record<FunctionKey, logs.LogGroup>;
  }
}

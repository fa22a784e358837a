/**
 * The default deployment (Cognito auth, a web build present, an alarm e-mail and an extra origin) checked against
 * every point of issue #4, resource by resource. Expected values come from lib/wiring.ts — the declaration the
 * local stack runs from — so a drift between the two homes fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { TABLE_ACTIONS, constructIdOf } from '../../lib/functions';
import {
  DEFAULT_EVENT_BUS_NAME,
  ENV,
  EVENT_DETAIL_TYPES,
  EVENT_RULES,
  FUNCTIONS,
  HTTP_ROUTES,
  TABLES,
  WS_AUTHORIZER,
  WS_ROUTES,
  WS_ROUTE_SELECTION_EXPRESSION,
  type FunctionKey,
  type TableKey,
} from '../../lib/wiring';
import {
  actionsOf,
  cfn,
  logicalIdOf,
  makeWebBuild,
  removeTemporaryDirs,
  resourcesOfType,
  statementsOfRole,
  synth,
  type Synthesized,
} from './support';

const EXTRA_ORIGIN = 'https://app.example.com';
let s: Synthesized;
const fnKeys = Object.keys(FUNCTIONS) as FunctionKey[];

afterAll(removeTemporaryDirs);

beforeAll(() => {
  s = synth({ webBuildDir: makeWebBuild(), alarmEmail: 'ops@example.com', extraOrigins: EXTRA_ORIGIN });
});

const fnId = (key: FunctionKey) => logicalIdOf(s.stack.compute.functions[key]);
const fnProps = (key: FunctionKey) => s.json.Resources[fnId(key)].Properties;
const roleId = (key: FunctionKey) => logicalIdOf(s.stack.compute.functions[key].role as never);
const tableId = (key: TableKey) => logicalIdOf(s.stack.data.tables[key]);
const wsApiId = () => logicalIdOf(s.stack.realtime.api);
const httpApiId = () => logicalIdOf(s.stack.rest.api);
const distributionId = () => logicalIdOf(s.stack.web.distribution);
const queueId = () => logicalIdOf(s.stack.notifications.deadLetterQueue);

describe('data: tables exactly as wiring declares them', () => {
  test.each(Object.keys(TABLES) as TableKey[])('%s table: keys, GSIs, TTL, on-demand billing, PITR as declared', (key) => {
    const def = TABLES[key];
    const table = s.json.Resources[tableId(key)];
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    const p = table.Properties;
    expect(p.KeySchema).toEqual([
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
    expect(Boolean(p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled)).toBe(def.pointInTimeRecovery);
    expect((p.GlobalSecondaryIndexes ?? []).map((g: any) => ({ name: g.IndexName, keys: g.KeySchema, projection: g.Projection.ProjectionType })))
      .toEqual(
        def.globalSecondaryIndexes.map((g) => ({
          name: g.indexName,
          keys: [
            { AttributeName: g.partitionKey.name, KeyType: 'HASH' },
            ...(g.sortKey ? [{ AttributeName: g.sortKey.name, KeyType: 'RANGE' }] : []),
          ],
          projection: g.projection,
        })),
      );
    // Every key attribute is declared with its type.
    for (const k of [def.partitionKey, def.sortKey, ...def.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey ?? []].flat())]) {
      expect(p.AttributeDefinitions).toContainEqual({ AttributeName: k.name, AttributeType: k.type });
    }
  });

  test('the main table has point-in-time recovery, deletion protection and survives a stack deletion', () => {
    const main = s.json.Resources[tableId('main')];
    expect(main.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(main.Properties.DeletionProtectionEnabled).toBe(true);
    expect(main.DeletionPolicy).toBe('Retain');
    // The GSIs the REST and chat paths query.
    expect(main.Properties.GlobalSecondaryIndexes.map((g: any) => g.IndexName)).toEqual(['unread', 'recent', 'byId']);
  });

  test('the connections table holds only ephemeral rows: no backups, deleted with the stack, expires by TTL', () => {
    const conns = s.json.Resources[tableId('connections')];
    expect(conns.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled ?? false).toBe(false);
    expect(conns.DeletionPolicy).toBe('Delete');
    expect(conns.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });
});

describe('realtime: the WebSocket API', () => {
  const routes = () => resourcesOfType(s, 'AWS::ApiGatewayV2::Route').filter(([, r]) => cfn(r.Properties.ApiId).includes(wsApiId()));

  test('frames route by their "action"', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: WS_ROUTE_SELECTION_EXPRESSION,
    });
  });

  test('one route per wiring WS_ROUTES entry, each integrated with the function wiring names', () => {
    expect(routes().map(([, r]) => r.Properties.RouteKey).sort()).toEqual(WS_ROUTES.map((r) => r.routeKey).sort());
    const integrations = Object.fromEntries(resourcesOfType(s, 'AWS::ApiGatewayV2::Integration'));
    for (const route of WS_ROUTES) {
      const [, res] = routes().find(([, r]) => r.Properties.RouteKey === route.routeKey)!;
      const integrationId = (res.Properties.Target['Fn::Join'][1] as unknown[]).map((x: any) => x.Ref).find(Boolean);
      const integration = integrations[integrationId];
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      expect(cfn(integration.Properties.IntegrationUri)).toContain(fnId(route.function));
    }
  });

  test('$connect is guarded by a Lambda REQUEST authorizer whose identity source is the token query string', () => {
    const [authId, authorizer] = resourcesOfType(s, 'AWS::ApiGatewayV2::Authorizer')[0];
    expect(authorizer.Properties.AuthorizerType).toBe('REQUEST');
    expect(authorizer.Properties.IdentitySource).toEqual([WS_AUTHORIZER.identitySource]);
    expect(WS_AUTHORIZER.identitySource).toBe('route.request.querystring.token');
    expect(cfn(authorizer.Properties.AuthorizerUri)).toContain(fnId(WS_AUTHORIZER.function));
    const [, connect] = routes().find(([, r]) => r.Properties.RouteKey === '$connect')!;
    expect(connect.Properties.AuthorizationType).toBe('CUSTOM');
    expect(connect.Properties.AuthorizerId).toEqual({ Ref: authId });
    // API Gateway may invoke the authorizer.
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnId(WS_AUTHORIZER.function), 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
    });
  });

  test('two-way routes answer the caller (route responses), one-way routes do not', () => {
    const responses = resourcesOfType(s, 'AWS::ApiGatewayV2::RouteResponse');
    const answered = responses.map(([, r]) => {
      const [, route] = routes().find(([id]) => id === r.Properties.RouteId.Ref)!;
      return route.Properties.RouteKey as string;
    });
    expect(answered.sort()).toEqual(WS_ROUTES.filter((r) => r.returnResponse).map((r) => r.routeKey).sort());
    expect(answered).not.toContain('$connect');
  });

  test('a fresh account can take the access logs: API Gateway\'s CloudWatch role is set before the stage, and kept', () => {
    const [accountId, account] = resourcesOfType(s, 'AWS::ApiGateway::Account')[0];
    const roleId = account.Properties.CloudWatchRoleArn['Fn::GetAtt'][0];
    const role = s.json.Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'apigateway.amazonaws.com' });
    expect(cfn(role.Properties.ManagedPolicyArns)).toContain('service-role/AmazonAPIGatewayPushToCloudWatchLogs');
    expect(role.DeletionPolicy).toBe('Retain');
    // Deleting the Account resource leaves the setting as is; only the role it points at must stay (faults.test.ts).
    expect(account.DeletionPolicy).toBe('RetainExceptOnCreate');
    const [, stage] = resourcesOfType(s, 'AWS::ApiGatewayV2::Stage').find(([, r]) => cfn(r.Properties.ApiId).includes(wsApiId()))!;
    expect([stage.DependsOn].flat()).toContain(accountId);
  });

  test('the stage throttles every route and access-logs JSON without the query string (where the token is)', () => {
    const [, stage] = resourcesOfType(s, 'AWS::ApiGatewayV2::Stage').find(([, r]) => cfn(r.Properties.ApiId).includes(wsApiId()))!;
    expect(stage.Properties.StageName).toBe('prod');
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
    const format = stage.Properties.AccessLogSettings.Format as string;
    expect(() => JSON.parse(format)).not.toThrow();
    expect(format).not.toMatch(/querystring|token|\$request|body/i);
  });
});

describe('REST: the HTTP API', () => {
  test('one route per wiring HTTP_ROUTES entry, payload 2.0, integrated with the function wiring names', () => {
    const routes = resourcesOfType(s, 'AWS::ApiGatewayV2::Route').filter(([, r]) => cfn(r.Properties.ApiId).includes(httpApiId()));
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const integrations = Object.fromEntries(resourcesOfType(s, 'AWS::ApiGatewayV2::Integration'));
    for (const route of HTTP_ROUTES) {
      const [, res] = routes.find(([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`)!;
      const integrationId = (res.Properties.Target['Fn::Join'][1] as unknown[]).map((x: any) => x.Ref).find(Boolean);
      expect(integrations[integrationId].Properties.PayloadFormatVersion).toBe('2.0');
      expect(cfn(integrations[integrationId].Properties.IntegrationUri)).toContain(fnId(route.function));
    }
  });

  test('every REST route is authorized: its function verifies the bearer JWT against the configured issuer', () => {
    // Authorization runs in the handlers so refusals carry the contract's {"error":{...}} body (wiring.ts); the stack
    // must therefore hand every routed function the issuer settings.
    for (const route of HTTP_ROUTES) {
      expect(FUNCTIONS[route.function].verifiesTokens).toBe(true);
      const env = fnProps(route.function).Environment.Variables;
      expect(Object.keys(env)).toEqual(expect.arrayContaining([ENV.jwtIssuer, ENV.jwtAudience, ENV.jwksUri]));
    }
  });

  test('CORS allows the CloudFront origin and the configured extra origins only; the stage is throttled', () => {
    const api = s.json.Resources[httpApiId()].Properties;
    const origins = api.CorsConfiguration.AllowOrigins;
    expect(origins).toHaveLength(2);
    expect(cfn(origins[0])).toContain(distributionId());
    expect(origins[1]).toBe(EXTRA_ORIGIN);
    expect(origins).not.toContain('*');
    expect(api.CorsConfiguration.AllowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    const [, stage] = resourcesOfType(s, 'AWS::ApiGatewayV2::Stage').find(([, r]) => cfn(r.Properties.ApiId).includes(httpApiId()))!;
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/authorization|querystring|token|body/i);
  });
});

describe('notifications: EventBridge bus, rules, retries and the dead-letter queue', () => {
  test(`the bus is named "${DEFAULT_EVENT_BUS_NAME}" by default`, () => {
    s.template.resourceCountIs('AWS::Events::EventBus', 1);
    s.template.hasResourceProperties('AWS::Events::EventBus', { Name: DEFAULT_EVENT_BUS_NAME });
  });

  test.each(EVENT_RULES.map((r) => [r.id, r] as const))('rule %s: wiring pattern on the bus, target retry policy and DLQ', (_id, def) => {
    const rules = resourcesOfType(s, 'AWS::Events::Rule');
    expect(rules).toHaveLength(EVENT_RULES.length);
    const [, rule] = rules.find(([, r]) => r.Properties.Description === def.description)!;
    expect(rule.Properties.EventBusName).toEqual({ Ref: logicalIdOf(s.stack.notifications.bus) });
    expect(rule.Properties.EventPattern['detail-type']).toEqual([...EVENT_DETAIL_TYPES]);
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [fnId(def.function), 'Arn'] });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: def.maxRetryAttempts, MaximumEventAgeInSeconds: def.maxEventAgeSeconds });
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queueId(), 'Arn'] } });
  });

  test('a failed async invocation goes to the same dead-letter queue after bounded Lambda retries', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId('eventsNotify') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(), 'Arn'] } } },
    });
    // The function may send there; EventBridge may send there only for this rule.
    expect(statementsOfRole(s, roleId('eventsNotify')).some((st) => actionsOf(st).includes('sqs:SendMessage') && cfn(st.Resource).includes(queueId()))).toBe(true);
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('the dead-letter queue is encrypted, TLS-only and keeps messages 14 days', () => {
    const q = s.json.Resources[queueId()].Properties;
    expect(q.SqsManagedSseEnabled).toBe(true);
    expect(q.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  test('no function reserves concurrency by default (opt-in with reservedConcurrency=true: faults.test.ts)', () => {
    for (const key of fnKeys) expect(fnProps(key).ReservedConcurrentExecutions).toBeUndefined();
  });

  test('publishers get a managed policy allowing PutEvents on this bus only', () => {
    s.template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalIdOf(s.stack.notifications.bus), 'Arn'] } }],
      },
    });
  });
});

describe('functions: runtime, configuration, least privilege, logs', () => {
  test('one function per wiring entry: Node 22 on arm64, JSON logs, its own log group with a retention', () => {
    for (const key of fnKeys) {
      const p = fnProps(key);
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.Handler).toBe('index.handler');
      expect(p.Description).toBe(FUNCTIONS[key].description);
      expect(p.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
      const logGroupId = p.LoggingConfig.LogGroup.Ref;
      expect(s.json.Resources[logGroupId].Properties.RetentionInDays).toBe(30);
    }
  });

  test('every log group in the stack has a retention (nothing is kept for ever)', () => {
    const groups = resourcesOfType(s, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(fnKeys.length + 2);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toEqual(expect.any(Number));
  });

  test('configuration comes through the environment: table names, @connections endpoint, origins, limits', () => {
    for (const key of fnKeys) {
      const env = fnProps(key).Environment.Variables;
      expect(env[ENV.tableName]).toEqual({ Ref: tableId('main') });
      expect(env[ENV.connectionsTable]).toEqual({ Ref: tableId('connections') });
      // https://{api}.execute-api.{region}.{suffix}/prod — the Management API endpoint of this stage.
      expect(cfn(env[ENV.wsManagementEndpoint])).toMatch(/^\{"Fn::Join":\["",\["https:\/\/",\{"Ref":"Realtime/);
      expect(cfn(env[ENV.wsManagementEndpoint])).toContain('/prod');
      expect(env[ENV.rateSendMessage]).toBe('30/10');
      expect(env[ENV.rateTyping]).toBe('10/10');
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('parley');
      expect(env.LOG_LEVEL).toBe('INFO');
      // Token settings only where tokens are verified.
      expect(ENV.jwtIssuer in env).toBe(FUNCTIONS[key].verifiesTokens);
    }
  });

  test.each(fnKeys)('%s may touch only the tables wiring grants it, with only the item actions of that access', (key) => {
    const statements = statementsOfRole(s, roleId(key));
    const def = FUNCTIONS[key];
    for (const tableKey of Object.keys(TABLES) as TableKey[]) {
      const onTable = statements.filter((st) => cfn(st.Resource).includes(tableId(tableKey)));
      const access = (def.tables as Partial<Record<TableKey, keyof typeof TABLE_ACTIONS>>)[tableKey];
      if (!access) {
        expect(onTable).toEqual([]);
        continue;
      }
      expect(onTable.flatMap(actionsOf).sort()).toEqual([...TABLE_ACTIONS[access]].sort());
    }
    const all = statements.flatMap(actionsOf);
    for (const forbidden of ['dynamodb:Scan', 'dynamodb:DeleteTable', 'dynamodb:BatchWriteItem', 'dynamodb:*', '*']) {
      expect(all).not.toContain(forbidden);
    }
    for (const st of statements) expect(st.Resource).not.toBe('*');
  });

  test('sendMessage concretely: can write chat rows but can neither Scan nor drop a table', () => {
    const actions = statementsOfRole(s, roleId('wsSendMessage')).flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:Query', 'execute-api:ManageConnections']));
    expect(actions.filter((a) => /Scan|DeleteTable|UpdateTable|CreateTable|\*/.test(a))).toEqual([]);
    // Read-only REST functions cannot write.
    const history = statementsOfRole(s, roleId('httpHistory')).flatMap(actionsOf);
    expect(history.filter((a) => /PutItem|UpdateItem|DeleteItem/.test(a))).toEqual([]);
  });

  test('ManageConnections is granted only to functions that push, scoped to this API stage\'s @connections', () => {
    for (const key of fnKeys) {
      const statements = statementsOfRole(s, roleId(key)).filter((st) => actionsOf(st).some((a) => a.startsWith('execute-api:')));
      if (!FUNCTIONS[key].manageConnections) {
        expect(statements).toEqual([]);
        continue;
      }
      expect(statements).toHaveLength(1);
      expect(actionsOf(statements[0])).toEqual(['execute-api:ManageConnections']);
      const parts = statements[0].Resource as { 'Fn::Join': [string, unknown[]] };
      const joined = parts['Fn::Join'][1].map((x: any) => (typeof x === 'string' ? x : x.Ref ? `<${x.Ref}>` : '?')).join('');
      expect(joined).toBe(`arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${wsApiId()}>/prod/*/@connections/*`);
    }
  });
});

describe('auth: Cognito user pool and the web client', () => {
  test('a user pool with a public app client doing the authorization-code flow (PKCE) for the CloudFront URL', () => {
    s.template.resourceCountIs('AWS::Cognito::UserPool', 1);
    s.template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    const [, client] = resourcesOfType(s, 'AWS::Cognito::UserPoolClient')[0];
    const p = client.Properties;
    expect(p.GenerateSecret).toBe(false);
    expect(p.AllowedOAuthFlows).toEqual(['code']);
    expect(p.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(p.AllowedOAuthScopes).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(cfn(p.CallbackURLs[0])).toContain(distributionId());
    expect(p.CallbackURLs).toContain(`${EXTRA_ORIGIN}/`);
  });

  test('functions verify Cognito tokens: issuer is the pool, audience is the app client, JWKS from the pool', () => {
    const env = fnProps('wsAuthorizer').Environment.Variables;
    const pool = logicalIdOf(s.stack.auth.userPool!);
    expect(cfn(env[ENV.jwtIssuer])).toContain('https://cognito-idp.');
    expect(cfn(env[ENV.jwtIssuer])).toContain(pool);
    expect(env[ENV.jwtAudience]).toEqual({ Ref: logicalIdOf(s.stack.auth.userPoolClient!) });
    expect(cfn(env[ENV.jwksUri])).toContain('/.well-known/jwks.json');
  });
});

describe('web hosting: private bucket behind CloudFront, runtime config.json', () => {
  test('the site bucket is private, encrypted and TLS-only; only this distribution may read it (OAC)', () => {
    const bucketId = logicalIdOf(s.stack.web.bucket);
    const bucket = s.json.Resources[bucketId].Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption).toBeDefined();
    const [, policy] = resourcesOfType(s, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === bucketId)!;
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const read = statements.find((st: any) => st.Principal?.Service === 'cloudfront.amazonaws.com');
    expect(read.Action).toBe('s3:GetObject');
    expect(cfn(read.Condition)).toContain(distributionId());
    expect(statements.some((st: any) => st.Effect === 'Allow' && (st.Principal === '*' || st.Principal?.AWS === '*'))).toBe(false);
  });

  test('the distribution uses origin access control, HTTPS only, and security headers', () => {
    const dist = s.json.Resources[distributionId()].Properties.DistributionConfig;
    expect(dist.Origins).toHaveLength(1);
    expect(dist.Origins[0].OriginAccessControlId).toBeDefined();
    expect(dist.Origins[0].S3OriginConfig.OriginAccessIdentity).toBe('');
    expect(dist.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(dist.DefaultRootObject).toBe('index.html');
    s.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    const [headersId, headers] = resourcesOfType(s, 'AWS::CloudFront::ResponseHeadersPolicy')[0];
    expect(dist.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: headersId });
    const sec = headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(sec.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 365 * 24 * 3600, IncludeSubdomains: true, Override: true });
    expect(sec.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    expect(sec.ContentTypeOptions).toMatchObject({ Override: true });
    expect(sec.ReferrerPolicy).toMatchObject({ ReferrerPolicy: 'strict-origin-when-cross-origin' });
    const csp = cfn(sec.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    // The page may open the WebSocket API and reach the login endpoints.
    expect(csp).toContain('wss://');
    expect(csp).toContain(wsApiId());
    expect(csp).toContain(logicalIdOf(s.stack.auth.domain!));
  });

  test('config.json is written at deploy time with this stack\'s WebSocket URL, API URL and login settings', () => {
    const deployments = resourcesOfType(s, 'Custom::CDKBucketDeployment');
    const [, entry] = deployments.find(([, d]) => cfn(d.Properties.SourceMarkers).includes('marker'))!;
    expect(entry.Properties.DestinationBucketName).toEqual({ Ref: logicalIdOf(s.stack.web.bucket) });
    expect(entry.Properties.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    expect(entry.Properties.DistributionPaths).toEqual(['/*']);
    const keys: string[] = entry.Properties.SourceObjectKeys;
    const markerIndex = (entry.Properties.SourceMarkers as object[]).findIndex((m) => Object.keys(m).length > 0);
    const assetDir = path.join(s.outdir, `asset.${keys[markerIndex].replace(/\.zip$/, '')}`);
    let text = fs.readFileSync(path.join(assetDir, 'config.json'), 'utf8');
    // Replace the deploy-time markers by readable names of what CloudFormation fills in.
    for (const [marker, value] of Object.entries(entry.Properties.SourceMarkers[markerIndex] as Record<string, any>)) {
      const name = value.Ref ?? `${value['Fn::GetAtt'][0]}.${value['Fn::GetAtt'][1]}`;
      text = text.split(marker).join(`{${name}}`);
    }
    const config = JSON.parse(text);
    expect(config.wsUrl).toBe(`wss://{${wsApiId()}}.execute-api.{AWS::Region}.{AWS::URLSuffix}/prod`);
    expect(config.apiUrl).toBe(`{${httpApiId()}.ApiEndpoint}`);
    const domain = logicalIdOf(s.stack.auth.domain!);
    expect(config.auth).toEqual({
      mode: 'oidc',
      authorizeUrl: `https://{${domain}}.auth.{AWS::Region}.amazoncognito.com/oauth2/authorize`,
      tokenUrl: `https://{${domain}}.auth.{AWS::Region}.amazoncognito.com/oauth2/token`,
      logoutUrl: `https://{${domain}}.auth.{AWS::Region}.amazoncognito.com/logout`,
      clientId: `{${logicalIdOf(s.stack.auth.userPoolClient!)}}`,
      scopes: ['openid', 'email', 'profile'],
      redirectUri: `https://{${distributionId()}.DomainName}/`,
    });
    // The same asset carries index.html (never cached); hashed assets are a separate, cacheable deployment.
    const entryFiles = keys.flatMap((k) => fs.readdirSync(path.join(s.outdir, `asset.${k.replace(/\.zip$/, '')}`)));
    expect(entryFiles.sort()).toEqual(['config.json', 'index.html']);
    expect(deployments).toHaveLength(2);
  });

  test('the WebSocket Origin allowlist is the CloudFront domain plus the configured extra origins', () => {
    const origins = fnProps('wsAuthorizer').Environment.Variables[ENV.allowedOrigins];
    const joined = origins['Fn::Join'][1].map((x: any) => (typeof x === 'string' ? x : `{${x['Fn::GetAtt']?.join('.')}}`)).join('');
    expect(joined).toBe(`https://{${distributionId()}.DomainName},${EXTRA_ORIGIN}`);
  });
});

describe('observability: alarms, dashboard, outputs', () => {
  const alarms = () => resourcesOfType(s, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const topicRef = () => ({ Ref: logicalIdOf(s.stack.observability.topic!) });

  test('dead-letter queue depth alarms at the first message', () => {
    const dlq = alarms().find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')!;
    expect(dlq.Namespace).toBe('AWS/SQS');
    expect(dlq.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId(), 'QueueName'] } }]);
    expect(dlq.Threshold).toBe(1);
    expect(dlq.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
  });

  test('every function has an errors alarm and a throttles alarm', () => {
    for (const key of fnKeys) {
      for (const metric of ['Errors', 'Throttles']) {
        const found = alarms().filter(
          (a) => a.Namespace === 'AWS/Lambda' && a.MetricName === metric && cfn(a.Dimensions).includes(fnId(key)),
        );
        expect(found).toHaveLength(1);
      }
    }
  });

  test('API 5xx: the HTTP API\'s 5xx and the WebSocket API\'s integration/execution errors alarm', () => {
    const http = alarms().find((a) => a.MetricName === '5xx')!;
    expect(http.Namespace).toBe('AWS/ApiGateway');
    expect(cfn(http.Dimensions)).toContain(httpApiId());
    const ws = alarms().find((a) => cfn(a.Metrics ?? []).includes('IntegrationError'))!;
    expect(cfn(ws.Metrics)).toContain('ExecutionError');
    expect(cfn(ws.Metrics)).toContain(wsApiId());
  });

  test('DynamoDB throttling alarms on both tables', () => {
    for (const key of Object.keys(TABLES) as TableKey[]) {
      expect(alarms().some((a) => cfn(a.Metrics ?? []).includes('ThrottledRequests') && cfn(a.Metrics).includes(tableId(key)))).toBe(true);
    }
  });

  test('every alarm notifies the alarm e-mail topic, and the topic has the e-mail subscription', () => {
    for (const a of alarms()) {
      expect(a.AlarmActions).toEqual([topicRef()]);
      expect(a.OKActions).toEqual([topicRef()]);
    }
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: topicRef() });
  });

  test('a dashboard shows the alarms, APIs, functions, DLQ and tables', () => {
    const [, dash] = resourcesOfType(s, 'AWS::CloudWatch::Dashboard')[0];
    const body = cfn(dash.Properties.DashboardBody);
    for (const title of ['Alarms', 'WebSocket: connects and messages', 'REST: requests, 4xx, 5xx', 'Lambda errors', 'Dead-letter queue depth']) {
      expect(body).toContain(title);
    }
  });

  test('stack outputs: web URL, WebSocket URL, HTTP API URL, event bus name and ARN', () => {
    const out = s.json.Outputs;
    expect(cfn(out.WebUrl.Value)).toContain(distributionId());
    expect(cfn(out.WebSocketUrl.Value)).toContain('wss://');
    expect(cfn(out.WebSocketUrl.Value)).toContain(wsApiId());
    expect(out.HttpApiUrl.Value).toEqual({ 'Fn::GetAtt': [httpApiId(), 'ApiEndpoint'] });
    expect(out.EventBusName.Value).toEqual({ Ref: logicalIdOf(s.stack.notifications.bus) });
    expect(out.EventBusArn.Value).toEqual({ 'Fn::GetAtt': [logicalIdOf(s.stack.notifications.bus), 'Arn'] });
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['UserPoolId', 'UserPoolClientId', 'CognitoDomainUrl', 'DeadLetterQueueUrl', 'AlarmTopicArn']));
  });
});

test('construct ids follow wiring keys (stable logical ids across deployments)', () => {
  for (const key of fnKeys) expect(fnId(key)).toMatch(new RegExp(`^Functions${constructIdOf(key)}[0-9A-F]{8}$`));
});

/**
 * The default deployment (Cognito auth, a web build present, an alarm e-mail and an extra origin) checked against
 * every point of issue #4, resource by resource: data, the APIs, notifications and functions (stack-edge.test.ts
 * has the user pool, web hosting and observability). Expected values come from lib/wiring.ts — the declaration the
 * local stack runs from — so a drift between the two homes fails here.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { TABLE_ACTIONS, constructIdOf, partiqlActions } from '../../lib/functions';
import { RestApi } from '../../lib/http-api';
import { httpRouteProblems, RouteTableError } from '../../lib/route-rules';
import {
  DEFAULT_EVENT_BUS_NAME,
  ENV,
  EVENT_DETAIL_TYPES,
  EVENT_RULES,
  FUNCTIONS,
  HTTP_ROUTES,
  PARTIQL_ACTIONS,
  TABLES,
  WS_AUTHORIZER,
  WS_ROUTES,
  WS_ROUTE_SELECTION_EXPRESSION,
  type FunctionKey,
  type PartiQLVerb,
  type TableKey,
} from '../../lib/wiring';
import { actionsOf, cfn, EXTRA_ORIGIN, logicalIdOf, resourcesOfType, statementsOfRole, useDefaultDeployment, type Synthesized } from './support';

const deployment = useDefaultDeployment();
const { fnId, fnProps, roleId, tableId, wsApiId, httpApiId, distributionId, queueId } = deployment;
const fnKeys = Object.keys(FUNCTIONS) as FunctionKey[];
let s: Synthesized;
beforeAll(() => {
  s = deployment.s; // synthesized by useDefaultDeployment's own beforeAll, which runs first
});

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
    expect(main.Properties.GlobalSecondaryIndexes.map((g: any) => g.IndexName)).toEqual(['unread', 'sideLo', 'sideHi', 'byTag']);
    // Issue #15: each side's conversation list carries the (small) pair item; the conversation tag index only keys.
    const gsi = (name: string) => main.Properties.GlobalSecondaryIndexes.find((g: any) => g.IndexName === name);
    expect(gsi('sideLo').KeySchema).toEqual([{ AttributeName: 'gLoPk', KeyType: 'HASH' }, { AttributeName: 'gLoSk', KeyType: 'RANGE' }]);
    expect(gsi('sideHi').KeySchema).toEqual([{ AttributeName: 'gHiPk', KeyType: 'HASH' }, { AttributeName: 'gHiSk', KeyType: 'RANGE' }]);
    expect(gsi('byTag')).toMatchObject({ KeySchema: [{ AttributeName: 'tag', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } });
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

  test('every REST route is behind one JWT authorizer: the Authorization header, the pool as issuer, the app client as audience', () => {
    const authorizers = resourcesOfType(s, 'AWS::ApiGatewayV2::Authorizer').filter(([, a]) => cfn(a.Properties.ApiId).includes(httpApiId()));
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0];
    expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    expect(cfn(authorizer.Properties.JwtConfiguration.Issuer)).toContain('https://cognito-idp.');
    expect(cfn(authorizer.Properties.JwtConfiguration.Issuer)).toContain(logicalIdOf(s.stack.auth.userPool!));
    expect(authorizer.Properties.JwtConfiguration.Audience).toEqual([{ Ref: logicalIdOf(s.stack.auth.userPoolClient!) }]);
    const routes = resourcesOfType(s, 'AWS::ApiGatewayV2::Route').filter(([, r]) => cfn(r.Properties.ApiId).includes(httpApiId()));
    expect(routes).toHaveLength(HTTP_ROUTES.length);
    for (const [, route] of routes) {
      expect({ route: route.Properties.RouteKey, type: route.Properties.AuthorizationType, id: route.Properties.AuthorizerId }).toEqual({
        route: route.Properties.RouteKey,
        type: 'JWT',
        id: { Ref: authorizerId },
      });
    }
  });

  test('REST functions verify no tokens themselves and carry no issuer settings (the gateway did it)', () => {
    for (const route of HTTP_ROUTES) {
      expect(FUNCTIONS[route.function].verifiesTokens).toBe(false);
      expect(Object.keys(fnProps(route.function).Environment.Variables)).not.toContain(ENV.jwtIssuer);
    }
  });

  test('API Gateway would accept the route table: no conflicting variables at one level, no duplicates (lib/route-rules.ts)', () => {
    const keys = resourcesOfType(s, 'AWS::ApiGatewayV2::Route')
      .filter(([, r]) => cfn(r.Properties.ApiId).includes(httpApiId()))
      .map(([, r]) => String(r.Properties.RouteKey));
    const routes = keys.map((k) => ({ method: k.split(' ')[0], path: k.split(' ')[1] }));
    expect(httpRouteProblems(routes)).toEqual([]);
    // And the check does see the fault teams deployed: {userId} and {messageId} under /api/messages.
    expect(httpRouteProblems([...routes, { method: 'DELETE', path: '/api/messages/{messageId}' }])).toEqual([
      expect.stringMatching(/conflicting variables \{messageId\} and \{id\} at the same level under \/api\/messages/),
    ]);
  });

  test('a route table API Gateway would refuse fails the synth, naming the routes', () => {
    const bad = [
      { method: 'GET' as const, path: '/api/messages/{userId}', function: 'httpHistory' as const },
      { method: 'DELETE' as const, path: '/api/messages/{messageId}', function: 'httpDeleteMessage' as const },
    ];
    const build = () =>
      new RestApi(new Stack(new App(), 'BadRoutes'), 'Rest', {
        allowedOrigins: [],
        throttle: {},
        functions: {} as never,
        logRetention: 30,
        logRemovalPolicy: RemovalPolicy.DESTROY,
        jwt: { issuer: 'https://issuer.example/', audience: ['a'] },
        routes: bad,
      });
    expect(build).toThrow(RouteTableError);
    expect(build).toThrow(/"DELETE \/api\/messages\/\{messageId\}" and "GET \/api\/messages\/\{userId\}" have conflicting variables/);
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
    // The wiring's rules, plus the catch-all for unknown detail-types (test/infra/events.test.ts).
    expect(rules).toHaveLength(EVENT_RULES.length + 1);
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
      const partiql = partiqlActions((def as { partiql?: Partial<Record<TableKey, readonly PartiQLVerb[]>> }).partiql?.[tableKey] ?? []);
      expect(onTable.flatMap(actionsOf).sort()).toEqual([...TABLE_ACTIONS[access], ...partiql].sort());
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

  test('PartiQL: sendMessage alone may INSERT, UPDATE and DELETE, on the main table itself (not its indexes); nothing else', () => {
    const partiqlStatements = (key: FunctionKey) => statementsOfRole(s, roleId(key)).filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:PartiQL')));
    const send = partiqlStatements('wsSendMessage');
    expect(send).toHaveLength(1);
    expect(actionsOf(send[0]).sort()).toEqual(['dynamodb:PartiQLDelete', 'dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate']);
    // Exactly the table's ARN: no /index/*, no other table.
    expect(send[0].Resource).toEqual({ 'Fn::GetAtt': [tableId('main'), 'Arn'] });
    for (const key of fnKeys.filter((k) => k !== 'wsSendMessage')) expect([key, partiqlStatements(key)]).toEqual([key, []]);
    const history = statementsOfRole(s, roleId('httpHistory')).flatMap(actionsOf);
    expect(history.filter((a) => a.startsWith('dynamodb:PartiQL'))).toEqual([]);
    // No PartiQL action outside wiring's four, and no wildcard.
    const all = fnKeys.flatMap((k) => statementsOfRole(s, roleId(k)).flatMap(actionsOf)).filter((a) => /PartiQL/.test(a));
    expect(all.every((a) => Object.values(PARTIQL_ACTIONS).includes(a))).toBe(true);
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

test('construct ids follow wiring keys (stable logical ids across deployments)', () => {
  for (const key of fnKeys) expect(fnId(key)).toMatch(new RegExp(`^Functions${constructIdOf(key)}[0-9A-F]{8}$`));
});

/**
 * The deploy- and run-time limits of limits.ts and names.ts: Parley's templates pass them (default deployment and a
 * heavy one), and each rule catches a deliberately bad fragment — so a green run means something.
 */
import type { CfnResource } from './support';
import {
  checkLimits,
  iamPolicySizes,
  integrationTimeouts,
  lambdaEnvironmentSize,
  LIMITS,
  sample,
  stackQuotas,
  webSocketIdentitySources,
  type TemplateJson,
} from './limits';
import { nameLimits } from './names';
import { makeWebBuild, removeTemporaryDirs, synth, type Synthesized } from './support';

afterAll(removeTemporaryDirs);

const ENV = { stackName: 'Parley-test' };
const resource = (Type: string, Properties: Record<string, any> = {}): CfnResource => ({ Type, Properties });
const template = (resources: Record<string, CfnResource>, outputs?: Record<string, unknown>): TemplateJson => ({ Resources: resources, Outputs: outputs });
/** The distinct rules a set of findings breaks. */
const rules = (findings: { rule: string }[]) => [...new Set(findings.map((f) => f.rule))];

describe("Parley's templates are within every limit", () => {
  const variants: [string, () => Synthesized][] = [
    ['default deployment (Cognito, alarm e-mail, extra origin)', () =>
      synth({ webBuildDir: makeWebBuild(), alarmEmail: 'ops@example.com', extraOrigins: 'https://app.example.com' })],
    ['heavy deployment (20-character stage, long OIDC URLs, several origins, account and region known)', () =>
      synth(
        {
          stage: 'a-twenty-char-stage1',
          authMode: 'oidc',
          oidcIssuer: `https://login.example.com/${'tenant-'.repeat(20)}`,
          oidcAudience: Array.from({ length: 5 }, (_, i) => `parley-web-client-${i}-${'x'.repeat(30)}`).join(','),
          extraOrigins: Array.from({ length: 5 }, (_, i) => `https://app-${i}.${'sub.'.repeat(8)}example.com`).join(','),
          webBuildDir: '/nonexistent',
        },
        { account: '123456789012', region: 'ap-southeast-1' },
      )],
  ];
  test.each(variants)('%s', (_name, make) => {
    const s = make();
    const env = { stackName: s.stack.stackName, region: s.stack.region, account: s.stack.account };
    // Unresolved account/region come through as tokens; the checker then assumes their longest values.
    const known = (v: string) => (v.startsWith('${Token') ? undefined : v);
    const e = { ...env, region: known(env.region), account: known(env.account) };
    expect([...checkLimits(s.json, e), ...nameLimits(s.json, e)]).toEqual([]);
  });
});

describe('Lambda: environment variables fit in 4 KB (keys and values, as JSON)', () => {
  const fn = (vars: Record<string, unknown>) => resource('AWS::Lambda::Function', { Environment: { Variables: vars } });

  test('an environment of 4097 bytes is refused, 4096 is not', () => {
    // {"A":"…"} is 8 bytes of JSON around the value.
    expect(lambdaEnvironmentSize(template({ F: fn({ A: 'x'.repeat(LIMITS.lambdaEnvironmentBytes - 8) }) }), ENV)).toEqual([]);
    expect(rules(lambdaEnvironmentSize(template({ F: fn({ A: 'x'.repeat(LIMITS.lambdaEnvironmentBytes - 7) }) }), ENV))).toEqual(['lambda-environment-size']);
  });

  test('a token counts as what it becomes at deploy time, not as its {"Ref": …} text', () => {
    const table = resource('AWS::DynamoDB::Table', { TableName: 't'.repeat(255) });
    const vars = { A: { Ref: 'T' }, B: { Ref: 'T' }, C: 'x'.repeat(3700) };
    const t = template({ T: table, F: fn(vars) });
    expect(JSON.stringify(vars).length).toBeLessThan(LIMITS.lambdaEnvironmentBytes);
    expect(rules(lambdaEnvironmentSize(t, ENV))).toEqual(['lambda-environment-size']);
  });

  test('an unnamed resource counts as the name CloudFormation generates for it; regions at their longest', () => {
    const t = template({ Main: resource('AWS::DynamoDB::Table') });
    expect(sample({ Ref: 'Main' }, t, ENV)).toBe('Parley-test-Main-XXXXXXXXXXXXX');
    expect(sample({ Ref: 'AWS::Region' }, t, ENV)).toHaveLength(20);
    expect(sample({ Ref: 'AWS::Region' }, t, { ...ENV, region: 'eu-west-1' })).toBe('eu-west-1');
  });

  test('a token whose value the checker cannot bound fails loudly instead of counting as nothing', () => {
    const t = template({ X: resource('AWS::Some::Thing'), F: fn({ A: { 'Fn::GetAtt': ['X', 'Endpoint'] } }) });
    expect(() => lambdaEnvironmentSize(t, ENV)).toThrow(/no length bound for GetAtt X.Endpoint/);
  });
});

describe('IAM: policy sizes, counted without white space', () => {
  const statement = (n: number, resourceArn: unknown = `arn:aws:s3:::bucket-${'b'.repeat(40)}/*`) =>
    Array.from({ length: n }, (_, i) => ({ Effect: 'Allow', Action: `s3:GetObject${i}`, Resource: resourceArn }));
  const role = (props: Record<string, unknown> = {}) =>
    resource('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }, ...props });
  const inline = (n: number) => resource('AWS::IAM::Policy', { Roles: [{ Ref: 'R' }], PolicyDocument: { Version: '2012-10-17', Statement: statement(n) } });

  test('inline policies of one role add up: two policies of 6,000 characters each exceed 10,240', () => {
    const one = template({ R: role(), P1: inline(60) });
    expect(iamPolicySizes(one, ENV)).toEqual([]);
    const two = template({ R: role(), P1: inline(60), P2: inline(60) });
    expect(rules(iamPolicySizes(two, ENV))).toEqual(['iam-role-inline-policy-size']);
  });

  test('white space does not count (IAM strips it)', () => {
    const doc = { Version: '2012-10-17', Statement: statement(70).map((s) => ({ ...s, Action: `  s3:Get  ${s.Action}  ` })) };
    const t = template({ R: role({ Policies: [{ PolicyName: 'p', PolicyDocument: doc }] }) });
    expect(JSON.stringify(doc, null, 8).length).toBeGreaterThan(LIMITS.roleInlinePolicyChars);
    expect(iamPolicySizes(t, ENV)).toEqual([]);
  });

  test('a token in a policy counts at its ARN length (a table ARN, not {"Fn::GetAtt": …})', () => {
    const table = resource('AWS::DynamoDB::Table', { TableName: 't'.repeat(255) });
    const doc = { Statement: statement(30, { 'Fn::GetAtt': ['T', 'Arn'] }) };
    const t = template({ T: table, M: resource('AWS::IAM::ManagedPolicy', { PolicyDocument: doc }) });
    expect(JSON.stringify(doc).length).toBeLessThan(LIMITS.managedPolicyChars);
    expect(rules(iamPolicySizes(t, ENV))).toEqual(['iam-managed-policy-size']);
  });

  test('trust policies and the number of managed policies per role are bounded too', () => {
    const longTrust = { Statement: Array.from({ length: 30 }, (_, i) => ({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::12345678901${i % 10}:root` }, Action: 'sts:AssumeRole' })) };
    const arns = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`);
    expect(rules(iamPolicySizes(template({ R: role({ AssumeRolePolicyDocument: longTrust }) }), ENV))).toEqual(['iam-trust-policy-size']);
    expect(rules(iamPolicySizes(template({ R: role({ ManagedPolicyArns: arns }) }), ENV))).toEqual(['iam-managed-policies-per-role']);
    expect(iamPolicySizes(template({ R: role({ ManagedPolicyArns: arns.slice(1) }) }), ENV)).toEqual([]);
  });
});

describe('CloudFormation: 500 resources and 200 outputs per stack', () => {
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`Q${i}`, resource('AWS::SQS::Queue')]));
  test('501 resources are refused, 500 are not', () => {
    expect(stackQuotas(template(many(500)))).toEqual([]);
    expect(rules(stackQuotas(template(many(501))))).toEqual(['stack-resource-count']);
  });
  test('201 outputs are refused', () => {
    const outputs = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`O${i}`, { Value: 'x' }]));
    expect(rules(stackQuotas(template({}, outputs)))).toEqual(['stack-output-count']);
  });
});

describe('API Gateway: integration timeouts (WebSocket 29 s, HTTP API 30 s) and what runs behind them', () => {
  const api = (ProtocolType: string) => resource('AWS::ApiGatewayV2::Api', { ProtocolType });
  const integration = (TimeoutInMillis?: number, fn?: string) =>
    resource('AWS::ApiGatewayV2::Integration', {
      ApiId: { Ref: 'Api' },
      IntegrationType: 'AWS_PROXY',
      ...(TimeoutInMillis === undefined ? {} : { TimeoutInMillis }),
      ...(fn ? { IntegrationUri: { 'Fn::Join': ['', ['arn:aws:apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': [fn, 'Arn'] }, '/invocations']] } } : {}),
    });

  test('a WebSocket integration of 30 s is refused; the same on an HTTP API is allowed, 30.001 s is not', () => {
    expect(rules(integrationTimeouts(template({ Api: api('WEBSOCKET'), I: integration(30_000) })))).toEqual(['integration-timeout']);
    expect(integrationTimeouts(template({ Api: api('WEBSOCKET'), I: integration(29_000) }))).toEqual([]);
    expect(integrationTimeouts(template({ Api: api('HTTP'), I: integration(30_000) }))).toEqual([]);
    expect(rules(integrationTimeouts(template({ Api: api('HTTP'), I: integration(30_001) })))).toEqual(['integration-timeout']);
    expect(rules(integrationTimeouts(template({ Api: api('HTTP'), I: integration(49) })))).toEqual(['integration-timeout']);
  });

  test('a function allowed to run longer than its integration waits is reported (the caller gets an error, the work goes on)', () => {
    const fn = (Timeout: number) => resource('AWS::Lambda::Function', { Timeout });
    expect(rules(integrationTimeouts(template({ Api: api('WEBSOCKET'), F: fn(60), I: integration(undefined, 'F') })))).toEqual(['integration-outlived-by-function']);
    expect(integrationTimeouts(template({ Api: api('WEBSOCKET'), F: fn(29), I: integration(undefined, 'F') }))).toEqual([]);
  });
});

describe('WebSocket authorizer identity sources', () => {
  const authorizer = (IdentitySource: string[], ProtocolType = 'WEBSOCKET') =>
    template({ Api: resource('AWS::ApiGatewayV2::Api', { ProtocolType }), A: resource('AWS::ApiGatewayV2::Authorizer', { ApiId: { Ref: 'Api' }, AuthorizerType: 'REQUEST', IdentitySource }) });

  test('the WebSocket form passes; the HTTP API form or a bare name is refused', () => {
    expect(webSocketIdentitySources(authorizer(['route.request.querystring.token']))).toEqual([]);
    expect(webSocketIdentitySources(authorizer(['route.request.header.Auth', 'stageVariables.v', 'context.c']))).toEqual([]);
    expect(rules(webSocketIdentitySources(authorizer(['$request.querystring.token'])))).toEqual(['websocket-identity-source']);
    expect(rules(webSocketIdentitySources(authorizer(['token'])))).toEqual(['websocket-identity-source']);
  });
});

describe('physical names: length and characters per service', () => {
  test.each([
    ['a Cognito domain prefix of 64 characters', 'AWS::Cognito::UserPoolDomain', { Domain: 'p'.repeat(64) }],
    ['a Cognito domain prefix containing "aws"', 'AWS::Cognito::UserPoolDomain', { Domain: 'my-aws-login' }],
    ['a dashboard name with a dot', 'AWS::CloudWatch::Dashboard', { DashboardName: 'Parley.prod' }],
    ['an alarm name of 256 characters', 'AWS::CloudWatch::Alarm', { AlarmName: 'a'.repeat(256) }],
    ['an SQS queue name of 81 characters', 'AWS::SQS::Queue', { QueueName: 'q'.repeat(81) }],
    ['an EventBridge rule name of 65 characters', 'AWS::Events::Rule', { Name: 'r'.repeat(65) }],
    ['an origin access control name of 65 characters', 'AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: { Name: 'o'.repeat(65) } }],
    ['a Lambda function name of 65 characters', 'AWS::Lambda::Function', { FunctionName: 'f'.repeat(65) }],
    ['an event bus named "default"', 'AWS::Events::EventBus', { Name: 'default' }],
  ])('%s is refused', (_name, type, props) => {
    expect(rules(nameLimits(template({ R: resource(type, props) }), ENV))).toEqual(['name-limit']);
  });

  test('a name built from tokens counts at its longest (stack uuid 36, region 20)', () => {
    const domain = { 'Fn::Join': ['-', ['p', { Ref: 'AWS::Region' }, { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]] };
    expect(sample(domain, template({}), ENV)).toHaveLength(1 + 1 + 20 + 1 + 36);
    expect(nameLimits(template({ D: resource('AWS::Cognito::UserPoolDomain', { Domain: domain }) }), ENV)).toEqual([]);
    const longer = { 'Fn::Join': ['-', ['parley-x', { Ref: 'AWS::Region' }, { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]] };
    expect(rules(nameLimits(template({ D: resource('AWS::Cognito::UserPoolDomain', { Domain: longer }) }), ENV))).toEqual(['name-limit']);
  });
});

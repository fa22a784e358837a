/**
 * Day-one faults a careful read of the template finds (issue 9, part 8). Each fault has a test here that failed on the
 * code before its fix (commit 52fb650 lists them); the others pin what each fix must keep working. What AWS would
 * refuse, or silently not do, at deploy or run time, the template test refuses first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, parseConfig } from '../../lib/config';
import { FUNCTIONS, type FunctionKey } from '../../lib/wiring';
import { checkLimits } from './limits';
import { collisions, nameLimits, physicalNames } from './names';
import { cfn, logicalIdOf, makeWebBuild, removeTemporaryDirs, resourcesOfType, synth, type CfnResource, type Synthesized } from './support';

afterAll(removeTemporaryDirs);

const ACCOUNT = '123456789012';
let s: Synthesized;

beforeAll(() => {
  const web = makeWebBuild();
  // What Vite writes with source maps on: a map beside each bundle.
  fs.writeFileSync(path.join(web, 'assets', 'index-abc123.js.map'), '{"version":3,"sources":["../src/main.ts"],"mappings":""}');
  s = synth({ webBuildDir: web, alarmEmail: 'ops@example.com' });
});

describe('alarms reach the alarm e-mail', () => {
  test('the topic policy lets CloudWatch publish, for alarms of this stack in this account only, beside the TLS-only Deny', () => {
    const topicId = logicalIdOf(s.stack.observability.topic!);
    const [, policy] = resourcesOfType(s, 'AWS::SNS::TopicPolicy').find(([, p]) => cfn(p.Properties.Topics).includes(topicId))!;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    // A topic policy replaces SNS's default one: without an Allow for CloudWatch, no alarm action can publish.
    const allow = statements.find((st) => st.Effect === 'Allow' && st.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(allow).toBeDefined();
    expect([allow.Action].flat()).toEqual(['sns:Publish']);
    expect(allow.Resource).toEqual({ Ref: topicId });
    expect(allow.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    const sourceArn = cfn(allow.Condition.ArnLike['aws:SourceArn']);
    expect(sourceArn).toContain(':cloudwatch:');
    expect(sourceArn).toContain(`:alarm:${s.stack.stackName}-*`);
    // Every alarm of the stack is covered by that pattern.
    for (const [, a] of resourcesOfType(s, 'AWS::CloudWatch::Alarm')) expect(a.Properties.AlarmName).toMatch(new RegExp(`^${s.stack.stackName}-`));
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });
});

describe('no account-quota surprise: reserved concurrency is opt-in', () => {
  test('by default no function reserves concurrency (Lambda keeps 100 unreserved, so any reservation fails on small quotas)', () => {
    expect(parseConfig(() => undefined).reservedConcurrency).toBe(false);
    for (const [, fn] of resourcesOfType(s, 'AWS::Lambda::Function')) expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('reservedConcurrency=true still bounds the notification function as wiring declares', () => {
    const on = synth({ webBuildDir: '/nonexistent', reservedConcurrency: 'true' });
    const fnProps = (k: FunctionKey) => on.json.Resources[logicalIdOf(on.stack.compute.functions[k])].Properties;
    expect(fnProps('eventsNotify').ReservedConcurrentExecutions).toBe(FUNCTIONS.eventsNotify.reservedConcurrency);
  });
});

describe("API Gateway's account setting waits for the API, as CDK's RestApi orders it", () => {
  test('the Account depends on the WebSocket API and its role; the stage depends on the Account', () => {
    const [accountId, account] = resourcesOfType(s, 'AWS::ApiGateway::Account')[0];
    const roleId = account.Properties.CloudWatchRoleArn['Fn::GetAtt'][0];
    const dependsOn = [account.DependsOn ?? []].flat();
    expect(dependsOn).toEqual(expect.arrayContaining([logicalIdOf(s.stack.realtime.api), roleId]));
    const stage = s.json.Resources[logicalIdOf(s.stack.realtime.stage)];
    expect([stage.DependsOn ?? []].flat()).toContain(accountId);
  });
});

describe('Cognito accepts http:// redirect URLs only for localhost: refused at synth', () => {
  const parse = (ctx: Record<string, unknown>) => () => parseConfig((k) => ctx[k]);

  test.each([
    [{ extraOrigins: 'http://192.168.1.20:5173' }],
    [{ extraOrigins: 'http://app.example.com' }],
    [{ extraOrigins: 'http://127.0.0.1:5173' }],
    [{ extraCallbackUrls: 'http://app.example.com/callback' }],
  ])('%j', (ctx) => {
    expect(parse(ctx)).toThrow(ConfigError);
    expect(parse(ctx)).toThrow(/http:\/\/ only for localhost/);
  });

  test('http://localhost with or without a port, and https anywhere, are fine', () => {
    const cfg = parseConfig((k) => ({ extraOrigins: 'http://localhost:5173,https://app.example.com', extraCallbackUrls: 'http://localhost/cb' } as Record<string, string>)[k]);
    expect(cfg.extraOrigins).toEqual(['http://localhost:5173', 'https://app.example.com']);
  });

  test('with a bring-your-own issuer the origins are not Cognito callbacks: an http:// development origin stays allowed', () => {
    const cfg = parseConfig((k) => ({ authMode: 'oidc', oidcIssuer: 'https://login.example.com', oidcAudience: 'a', extraOrigins: 'http://192.168.1.20:5173' } as Record<string, string>)[k]);
    expect(cfg.extraOrigins).toEqual(['http://192.168.1.20:5173']);
  });
});

describe('every generated name fits its service for every valid stage', () => {
  test.each(['a-twenty-char-stage1', 'aws-amazon-cognito-x'])('stage "%s" (20 characters, the longest the stage check allows)', (stage) => {
    const long = synth({ stage, webBuildDir: '/nonexistent', alarmEmail: 'ops@example.com' });
    const env = { stackName: long.stack.stackName };
    expect(nameLimits(long.json, env)).toEqual([]);
    expect(checkLimits(long.json, env)).toEqual([]);
  });
});

describe('the same stage in two regions of one account claims no account-wide name twice', () => {
  test('CloudFront policy and origin-access-control names and the dashboard name include the region; the uploads bucket name the stack uuid', () => {
    const [a, b] = ['eu-west-1', 'us-east-1'].map((region) => synth({ webBuildDir: '/nonexistent' }, { account: ACCOUNT, region }));
    const names = (x: Synthesized) => physicalNames(x.json, { stackName: x.stack.stackName, region: x.stack.region, account: ACCOUNT });
    expect(names(a).filter((n) => n.unique === 'account').map((n) => n.type).sort()).toEqual(
      ['AWS::CloudFront::OriginAccessControl', 'AWS::CloudFront::ResponseHeadersPolicy', 'AWS::CloudWatch::Dashboard', 'AWS::S3::Bucket'],
    );
    expect(collisions(names(a), names(b), ['account'])).toEqual([]);
  });
});

describe('a failed first deploy leaves no copies behind: RetainExceptOnCreate wherever a rollback can delete', () => {
  /**
   * The only resources left plain Retain, and why: CloudFormation cannot delete a resource whose own deletion
   * protection is on, so RetainExceptOnCreate there would turn a failed first deploy into ROLLBACK_FAILED; and API
   * Gateway's account-wide logging role must survive even a rolled-back create that already pointed the setting at it.
   */
  const plainRetainAllowed = (id: string, r: CfnResource) =>
    (r.Type === 'AWS::DynamoDB::Table' && r.Properties.DeletionProtectionEnabled === true) ||
    (r.Type === 'AWS::Cognito::UserPool' && r.Properties.DeletionProtection === 'ACTIVE') ||
    (r.Type === 'AWS::IAM::Role' && id.startsWith('RealtimeApiGatewayLogsRole'));

  test('log groups, buckets and the API Gateway setting are RetainExceptOnCreate; plain Retain only where a rollback cannot delete', () => {
    const retained = Object.entries(s.json.Resources).filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate');
    const plain = retained.filter(([, r]) => r.DeletionPolicy === 'Retain');
    expect(plain.filter(([id, r]) => !plainRetainAllowed(id, r)).map(([id, r]) => `${r.Type} ${id}`)).toEqual([]);
    expect(plain.map(([, r]) => r.Type).sort()).toEqual(['AWS::Cognito::UserPool', 'AWS::DynamoDB::Table', 'AWS::IAM::Role']);
    const exceptOnCreate = new Set(retained.filter(([, r]) => r.DeletionPolicy === 'RetainExceptOnCreate').map(([, r]) => r.Type));
    expect([...exceptOnCreate].sort()).toEqual(['AWS::ApiGateway::Account', 'AWS::Logs::LogGroup', 'AWS::S3::Bucket']);
    // UpdateReplacePolicy has no RetainExceptOnCreate: the old copy is kept when a replacement happens.
    for (const [, r] of retained) expect(r.UpdateReplacePolicy).toBe('Retain');
  });
});

describe('the deployed web client ships no source maps', () => {
  test('*.map files of the build are not uploaded', () => {
    const files = resourcesOfType(s, 'Custom::CDKBucketDeployment')
      .flatMap(([, d]) => d.Properties.SourceObjectKeys as string[])
      .flatMap((key) => {
        const dir = path.join(s.outdir, `asset.${key.replace(/\.zip$/, '')}`);
        return fs.readdirSync(dir, { recursive: true }).map(String);
      });
    expect(files).toContain(path.join('assets', 'index-abc123.js'));
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  test('Vite builds no source map reference into the bundle', () => {
    const vite = fs.readFileSync(path.resolve(__dirname, '../../web/vite.config.mts'), 'utf8');
    expect(vite).toMatch(/sourcemap:\s*(false|'hidden')/);
  });
});

describe('operators can tell the two APIs apart', () => {
  test('the WebSocket API is parley-<stage>-ws and the HTTP API parley-<stage>-http', () => {
    expect(s.json.Resources[logicalIdOf(s.stack.realtime.api)].Properties.Name).toBe('parley-prod-ws');
    expect(s.json.Resources[logicalIdOf(s.stack.rest.api)].Properties.Name).toBe('parley-prod-http');
  });
});

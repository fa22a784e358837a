/**
 * The context options ops set (docs/DEPLOY.md "Context options"): a bring-your-own OIDC issuer instead of Cognito,
 * and every other knob in one non-default synth; plus the validation that turns a typo into a failed synth.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ConfigError, parseConfig } from '../../lib/config';
import { buildWebClient, hasWebBuildScript } from '../../lib/web-build';
import { PLACEHOLDER_HTML } from '../../lib/web-hosting';
import { ENV, FUNCTIONS, type FunctionKey } from '../../lib/wiring';
import { cfn, logicalIdOf, removeTemporaryDirs, resourcesOfType, statementsOfRole, synth, tempDir, type Synthesized } from './support';

afterAll(removeTemporaryDirs);

// Auth0-style: the issuer ends in "/", and its tokens' iss does too. It must be kept exactly, everywhere.
const ISSUER = 'https://login.example.com/tenant-1/';
const JWKS = 'https://keys.example.com/tenant-1/jwks.json';
let s: Synthesized;

beforeAll(() => {
  s = synth({
    stage: 'staging',
    authMode: 'oidc',
    oidcIssuer: ISSUER,
    oidcAudience: 'parley-web,parley-mobile',
    oidcJwksUri: JWKS,
    eventBusName: 'acme-events',
    webBuildDir: '/nonexistent/parley-web',
    reservedConcurrency: 'false',
    removalPolicy: 'destroy',
    logRetentionDays: '90',
    logLevel: 'debug',
    rateLimitSend: '5/1',
    throttleRateLimit: '50',
    throttleBurstLimit: '100',
    apiGatewayLogsRole: 'false',
  });
});

const fnKeys = Object.keys(FUNCTIONS) as FunctionKey[];
const fnProps = (key: FunctionKey) => s.json.Resources[logicalIdOf(s.stack.compute.functions[key])].Properties;

describe('bring-your-own OIDC issuer', () => {
  test('no Cognito resources are made', () => {
    expect(resourcesOfType(s, 'AWS::Cognito::UserPool')).toEqual([]);
    expect(resourcesOfType(s, 'AWS::Cognito::UserPoolClient')).toEqual([]);
    expect(Object.keys(s.json.Outputs)).not.toContain('UserPoolId');
  });

  test('the issuer is kept exactly, trailing slash included, everywhere it is used', () => {
    for (const key of fnKeys.filter((k) => FUNCTIONS[k].verifiesTokens)) {
      const env = fnProps(key).Environment.Variables;
      expect(env[ENV.jwtIssuer]).toBe(ISSUER);
      expect(env[ENV.jwtAudience]).toBe('parley-web,parley-mobile');
      expect(env[ENV.jwksUri]).toBe(JWKS);
    }
    const [, authorizer] = resourcesOfType(s, 'AWS::ApiGatewayV2::Authorizer').find(([, a]) => a.Properties.AuthorizerType === 'JWT')!;
    expect(authorizer.Properties.JwtConfiguration).toEqual({ Issuer: ISSUER, Audience: ['parley-web', 'parley-mobile'] });
    expect(s.json.Outputs.JwtIssuer.Value).toBe(ISSUER);
    expect(webConfig().auth.issuer).toBe(ISSUER);
  });

  test('without oidcJwksUri the WebSocket authorizer gets no JWKS_URI: it reads the discovery document', () => {
    const bare = synth({ authMode: 'oidc', oidcIssuer: 'https://tenant.example.com/', oidcAudience: 'parley-web', webBuildDir: '/nonexistent/parley-web' });
    const env = bare.json.Resources[logicalIdOf(bare.stack.compute.functions.wsAuthorizer)].Properties.Environment.Variables;
    expect(env[ENV.jwtIssuer]).toBe('https://tenant.example.com/');
    expect(env[ENV.jwksUri]).toBeUndefined();
  });

  test('the web client is told the issuer (it discovers the endpoints), PKCE, as the first audience', () => {
    expect(webConfig().auth).toEqual({
      mode: 'oidc',
      issuer: ISSUER,
      clientId: 'parley-web',
      scopes: ['openid', 'profile', 'email'],
      redirectUri: 'https://X/',
    });
    // And the page may fetch the discovery document and call the token endpoint on the issuer's origin.
    const [, headers] = resourcesOfType(s, 'AWS::CloudFront::ResponseHeadersPolicy')[0];
    expect(cfn(headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy)).toContain('https://login.example.com');
  });
});

/** The config.json the stack deploys (deploy-time markers replaced by X). */
function webConfig() {
  const [, entry] = resourcesOfType(s, 'Custom::CDKBucketDeployment').find(([, d]) => cfn(d.Properties.SourceMarkers).includes('marker'))!;
  const index = (entry.Properties.SourceMarkers as object[]).findIndex((m) => Object.keys(m).length > 0);
  const dir = path.join(s.outdir, `asset.${(entry.Properties.SourceObjectKeys[index] as string).replace(/\.zip$/, '')}`);
  return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8').replace(/<<marker:0xbaba:\d+>>/g, 'X'));
}

describe('the other context options', () => {
  test('stage names the stack, the WebSocket stage and the ManageConnections scope', () => {
    expect(s.stack.stackName).toBe('Parley-staging');
    const ws = resourcesOfType(s, 'AWS::ApiGatewayV2::Stage').map(([, st]) => st.Properties.StageName);
    expect(ws).toEqual(expect.arrayContaining(['staging', '$default']));
    const role = logicalIdOf(s.stack.compute.functions.wsSendMessage.role as never);
    const manage = statementsOfRole(s, role).find((st) => st.Action === 'execute-api:ManageConnections')!;
    expect(cfn(manage.Resource)).toContain('/staging/*/@connections/*');
  });

  test('apiGatewayLogsRole=false leaves the account-wide API Gateway logging role alone', () => {
    s.template.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(resourcesOfType(s, 'AWS::IAM::Role').filter(([, r]) => cfn(r.Properties.AssumeRolePolicyDocument).includes('apigateway'))).toEqual([]);
  });

  test('eventBusName names the bus', () => {
    s.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'acme-events' });
  });

  test('throttling, log retention, log level and rate limits follow the context', () => {
    for (const [, st] of resourcesOfType(s, 'AWS::ApiGatewayV2::Stage')) {
      expect(st.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    }
    for (const [, g] of resourcesOfType(s, 'AWS::Logs::LogGroup')) expect(g.Properties.RetentionInDays).toBe(90);
    for (const key of fnKeys) {
      expect(fnProps(key).Environment.Variables.LOG_LEVEL).toBe('DEBUG');
      expect(fnProps(key).Environment.Variables[ENV.rateSendMessage]).toBe('5/1');
      expect(fnProps(key).LoggingConfig.ApplicationLogLevel).toBe('DEBUG');
    }
  });

  test('reservedConcurrency=false leaves every function in the account pool', () => {
    for (const key of fnKeys) expect(fnProps(key).ReservedConcurrentExecutions).toBeUndefined();
  });

  test('removalPolicy=destroy: the main table and buckets go with the stack', () => {
    const main = s.json.Resources[logicalIdOf(s.stack.data.tables.main)];
    expect(main.DeletionPolicy).toBe('Delete');
    expect(main.Properties.DeletionProtectionEnabled).toBe(false);
    expect(main.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(s.json.Resources[logicalIdOf(s.stack.web.bucket)].DeletionPolicy).toBe('Delete');
    s.template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: logicalIdOf(s.stack.web.bucket) } });
  });

  test('no alarm e-mail: alarms exist but have no actions, and no topic is made', () => {
    const alarms = resourcesOfType(s, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(fnKeys.length * 2);
    for (const [, a] of alarms) expect(a.Properties.AlarmActions).toBeUndefined();
    s.template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('without a web build a placeholder page is deployed and synth warns about it', () => {
    const deployments = resourcesOfType(s, 'Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(1);
    const [, entry] = deployments[0];
    const files = (entry.Properties.SourceObjectKeys as string[]).flatMap((k) => {
      const dir = path.join(s.outdir, `asset.${k.replace(/\.zip$/, '')}`);
      return fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')] as const);
    });
    expect(Object.fromEntries(files)['index.html']).toBe(PLACEHOLDER_HTML);
    Annotations.fromStack(s.stack).hasWarning('/Parley-staging/Web', Match.stringLikeRegexp('No web build at /nonexistent/parley-web'));
  });
});

describe('context validation fails the synth on a typo, naming the option', () => {
  const parse = (ctx: Record<string, unknown>) => () => parseConfig((k) => ctx[k]);

  test.each([
    [{ authMode: 'oidc' }, /authMode=oidc needs oidcIssuer/],
    [{ authMode: 'oidc', oidcIssuer: 'http://login.example.com', oidcAudience: 'a' }, /oidcIssuer must be an https:\/\/ URL/],
    [{ authMode: 'oidc', oidcIssuer: 'https://login.example.com' }, /needs oidcAudience/],
    [{ authMode: 'saml' }, /authMode must be "cognito" or "oidc"/],
    [{ stage: 'Prod' }, /stage must match/],
    [{ eventBusName: 'default' }, /eventBusName/],
    [{ logRetentionDays: '45' }, /logRetentionDays must be one of/],
    [{ extraOrigins: 'https://app.example.com/path' }, /extraOrigins: .* is not an origin/],
    [{ rateLimitSend: '30 per 10' }, /rateLimitSend must be "<count>\/<seconds>"/],
    [{ reservedConcurrency: 'maybe' }, /reservedConcurrency must be true or false/],
    [{ cognitoDomainPrefix: 'my-cognito-app' }, /cognitoDomainPrefix/],
    [{ alarmEmail: 'ops' }, /alarmEmail/],
    [{ removalPolicy: 'keep' }, /removalPolicy must be "retain" or "destroy"/],
    [{ cognitoSesFromEmail: 'no-reply' }, /cognitoSesFromEmail is not an e-mail address/],
    [{ cognitoSesFromEmail: 'no-reply@example.com', cognitoSesVerifiedDomain: 'example.org' }, /cognitoSesVerifiedDomain must be the domain of cognitoSesFromEmail/],
    [{ cognitoSesVerifiedDomain: 'example.com' }, /cognitoSesVerifiedDomain must be the domain of cognitoSesFromEmail/],
  ])('%j', (ctx, message) => {
    expect(parse(ctx)).toThrow(ConfigError);
    expect(parse(ctx)).toThrow(message);
  });

  test('defaults: Cognito, bus "parley", stage "prod", web build rebuilt, 30-day logs, retain on delete', () => {
    const cfg = parseConfig(() => undefined);
    expect(cfg).toMatchObject({
      stage: 'prod',
      eventBusName: 'parley',
      auth: { mode: 'cognito', selfSignUp: false },
      buildWeb: true,
      logRetentionDays: 30,
      removalPolicy: 'retain',
      reservedConcurrency: false,
      extraOrigins: [],
    });
    // A build dir of one's own is used as it is, never rebuilt.
    expect(parseConfig((k) => (k === 'webBuildDir' ? 'somewhere/dist' : undefined)).buildWeb).toBe(false);
    expect(parseConfig((k) => (k === 'buildWeb' ? 'false' : undefined)).buildWeb).toBe(false);
  });
});

describe("Cognito's e-mail through Amazon SES (cognitoSesFromEmail)", () => {
  const poolEmail = (ctx: Record<string, string>) => {
    const x = synth({ webBuildDir: '/nonexistent', ...ctx }, { account: '123456789012', region: 'eu-west-1' });
    return x.json.Resources[logicalIdOf(x.stack.auth.userPool!)].Properties.EmailConfiguration;
  };

  test('by default the pool uses Cognito’s own (50 a day) sender', () => {
    const cfg = parseConfig(() => undefined);
    expect(cfg.auth.mode === 'cognito' && cfg.auth.ses).toBeUndefined();
  });

  test('the pool sends from the verified address (or its verified domain) through SES in the stack’s region', () => {
    const arn = (identity: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:eu-west-1:123456789012:identity/${identity}`]] });
    expect(poolEmail({ cognitoSesFromEmail: 'no-reply@example.com' })).toEqual({
      EmailSendingAccount: 'DEVELOPER',
      From: 'Parley <no-reply@example.com>',
      SourceArn: arn('no-reply@example.com'),
    });
    expect(poolEmail({ cognitoSesFromEmail: 'no-reply@Example.com', cognitoSesVerifiedDomain: 'EXAMPLE.com' }).SourceArn).toEqual(arn('example.com'));
  });
});

describe('the web build step of bin/parley.ts', () => {
  const project = (scripts: Record<string, string>) => {
    const dir = tempDir('parley-proj-');
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', private: true, scripts }));
    return dir;
  };

  test('runs `npm run build:web` when the project has that script, and only then', () => {
    const withScript = project({ 'build:web': `node -e "require('fs').mkdirSync('web/dist',{recursive:true});require('fs').writeFileSync('web/dist/index.html','built')"` });
    expect(hasWebBuildScript(withScript)).toBe(true);
    expect(buildWebClient(withScript, false)).toBe('skipped');
    expect(fs.existsSync(path.join(withScript, 'web/dist/index.html'))).toBe(false);
    expect(buildWebClient(withScript, true)).toBe('built');
    expect(fs.readFileSync(path.join(withScript, 'web/dist/index.html'), 'utf8')).toBe('built');

    const without = project({ start: 'node x' });
    expect(buildWebClient(without, true)).toBe('no-script');
  });

  test('a failing web build fails the synth instead of shipping a broken client', () => {
    const failing = project({ 'build:web': 'node -e "process.exit(3)"' });
    expect(() => buildWebClient(failing, true)).toThrow();
  });
});

/**
 * The default deployment (Cognito auth, a web build present, an alarm e-mail and an extra origin) checked against
 * every point of issue #4, resource by resource — the edge of the stack: the user pool, web hosting and
 * observability (stack.test.ts has data, the APIs, notifications and functions). Expected values come from
 * lib/wiring.ts, the declaration the local stack runs from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENV, FUNCTIONS, TABLES, type FunctionKey, type TableKey } from '../../lib/wiring';
import { cfn, EXTRA_ORIGIN, logicalIdOf, resourcesOfType, useDefaultDeployment, type Synthesized } from './support';

const deployment = useDefaultDeployment();
const { fnId, fnProps, tableId, wsApiId, httpApiId, distributionId, queueId } = deployment;
const fnKeys = Object.keys(FUNCTIONS) as FunctionKey[];
let s: Synthesized;
beforeAll(() => {
  s = deployment.s; // synthesized by useDefaultDeployment's own beforeAll, which runs first
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
      issuer: `https://cognito-idp.{AWS::Region}.amazonaws.com/{${logicalIdOf(s.stack.auth.userPool!)}}`,
      clientId: `{${logicalIdOf(s.stack.auth.userPoolClient!)}}`,
      scopes: ['openid', 'email', 'profile'],
      redirectUri: `https://{${distributionId()}.DomainName}/`,
      // Cognito's hosted UI: known endpoints, so the browser does no discovery (its document lacks /logout).
      endpoints: {
        authorization: `https://{${domain}}.auth.{AWS::Region}.amazoncognito.com/oauth2/authorize`,
        token: `https://{${domain}}.auth.{AWS::Region}.amazoncognito.com/oauth2/token`,
        endSession: `https://{${domain}}.auth.{AWS::Region}.amazoncognito.com/logout`,
      },
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

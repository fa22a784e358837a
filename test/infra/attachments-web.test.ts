/**
 * Issue #14 (image attachments), the infrastructure — what the web client meets: the attachment routes, the CSP
 * entry for the bucket, the origin the SDK presigns for, and the optional CDN for files with signed URLs
 * (attachmentsCdnPublicKey). The bucket is attachments-bucket.test.ts; the processor and grants attachments-processor.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, parseConfig } from '../../lib/config';
import { FUNCTIONS, HTTP_ROUTES, type FunctionKey } from '../../lib/wiring';
import {
  actionsOf,
  cfn,
  logicalIdOf,
  render,
  resourcesOfType,
  statementsOfRole,
  synth,
  uploadsBucketOf,
  useDefaultDeployment,
  type CfnResource,
  type Synthesized,
} from './support';

const deployment = useDefaultDeployment();
const { fnProps, roleId, distributionId } = deployment;
let s: Synthesized;
let bucket: CfnResource;
beforeAll(() => {
  s = deployment.s;
  ({ bucket } = uploadsBucketOf(s));
});

describe('routes and the web client', () => {
  test('POST /api/attachments and GET /api/attachments/{id} reach their functions', () => {
    expect(HTTP_ROUTES).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/api/attachments', function: 'httpCreateAttachment' },
        { method: 'GET', path: '/api/attachments/{id}', function: 'httpGetAttachment' },
      ]),
    );
    const routeKeys = resourcesOfType(s, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routeKeys).toEqual(expect.arrayContaining(['POST /api/attachments', 'GET /api/attachments/{id}']));
  });

  test("the CSP lets the page POST to and load images from the bucket's regional origin, and nothing broader", () => {
    const [[, headers]] = resourcesOfType(s, 'AWS::CloudFront::ResponseHeadersPolicy');
    const csp = render(headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    const directive = (name: string) => csp.split('; ').find((d) => d.startsWith(`${name} `))!.split(' ').slice(1);
    const origin = `https://${render(bucket.Properties.BucketName)}.s3.{AWS::Region}.{AWS::URLSuffix}`;
    expect(directive('img-src')).toEqual(["'self'", 'data:', 'blob:', origin]);
    expect(directive('connect-src')).toContain(origin);
    for (const d of [...directive('img-src'), ...directive('connect-src')]) {
      expect(d).not.toMatch(/^(https?:|\*)$/);
      expect(d).not.toMatch(/\*[^/]*s3|\*\.amazonaws/);
    }
  });
});

test("the SDK presigns uploads (POST) and image URLs (GET) for exactly that origin shape, us-east-1 included", async () => {
  const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const { createPresignedPost } = await import('@aws-sdk/s3-presigned-post');
  const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
  const Bucket = 'parley-prod-uploads-0123456789ab';
  for (const region of ['eu-west-1', 'us-east-1']) {
    const client = new S3Client({ region, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const post = await createPresignedPost(client, { Bucket, Key: 'uploads/u1/att_x' });
    const get = await getSignedUrl(client, new GetObjectCommand({ Bucket, Key: 'files/att_x/image' }), { expiresIn: 60 });
    const origin = `https://${Bucket}.s3.${region}.amazonaws.com`;
    expect([new URL(post.url).origin, new URL(get).origin]).toEqual([origin, origin]);
  }
});

describe('optional: files through the CDN with signed URLs (attachmentsCdnPublicKey)', () => {
  let cdn: Synthesized;
  let pem: string;
  beforeAll(() => {
    pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    // As typed on a command line: the line breaks written as \n.
    cdn = synth({ webBuildDir: '/nonexistent', attachmentsCdnPublicKey: pem.replace(/\n/g, '\\n') });
  });

  test('off by default: no /files/* behavior, no key group, no SSM access, no CDN environment', () => {
    const dist = s.json.Resources[distributionId()].Properties.DistributionConfig;
    expect(dist.CacheBehaviors ?? []).toEqual([]);
    expect(resourcesOfType(s, 'AWS::CloudFront::KeyGroup')).toEqual([]);
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      expect(Object.keys(fnProps(key).Environment.Variables).filter((v) => v.startsWith('ATTACHMENTS_CDN'))).toEqual([]);
      expect(statementsOfRole(s, roleId(key)).filter((st) => actionsOf(st).some((a) => a.startsWith('ssm:')))).toEqual([]);
    }
  });

  test('/files/* on the web distribution: the uploads bucket by origin access control, HTTPS only, signed URLs of the configured key only', () => {
    const dist = cdn.json.Resources[logicalIdOf(cdn.stack.web.distribution)].Properties.DistributionConfig;
    const [keyGroupId, keyGroup] = resourcesOfType(cdn, 'AWS::CloudFront::KeyGroup')[0];
    const [publicKeyId, publicKey] = resourcesOfType(cdn, 'AWS::CloudFront::PublicKey')[0];
    expect(publicKey.Properties.PublicKeyConfig.EncodedKey).toBe(pem);
    expect(keyGroup.Properties.KeyGroupConfig.Items).toEqual([{ Ref: publicKeyId }]);
    expect(dist.CacheBehaviors).toHaveLength(1);
    const files = dist.CacheBehaviors[0];
    expect(files).toMatchObject({ PathPattern: '/files/*', ViewerProtocolPolicy: 'https-only', TrustedKeyGroups: [{ Ref: keyGroupId }], AllowedMethods: ['GET', 'HEAD'] });
    const origin = dist.Origins.find((o: any) => o.Id === files.TargetOriginId);
    const bucketName = render(cdn.json.Resources[logicalIdOf(cdn.stack.uploads.bucket)].Properties.BucketName);
    expect(render(origin.DomainName)).toBe(`${bucketName}.s3.{AWS::Region}.{AWS::URLSuffix}`);
    expect(origin.OriginAccessControlId).toBeDefined();
    // The bucket lets this distribution read files/* and nothing else.
    const uploadsId = logicalIdOf(cdn.stack.uploads.bucket);
    const [, policy] = resourcesOfType(cdn, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === uploadsId)!;
    const allows = (policy.Properties.PolicyDocument.Statement as any[]).filter((st) => st.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Sid: 'CloudFrontReadsFiles',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [uploadsId, 'Arn'] }, '/files/*']] },
        Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
      },
    ]);
    expect(cfn(allows[0].Condition)).toContain(logicalIdOf(cdn.stack.web.distribution));
  });

  test('only the URL-signing functions get the CDN settings and may read the private key parameter', () => {
    const signers: FunctionKey[] = ['wsSendMessage', 'httpHistory', 'httpConversations', 'httpGetAttachment'];
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const id = logicalIdOf(cdn.stack.compute.functions[key]);
      const env = cdn.json.Resources[id].Properties.Environment.Variables;
      const ssm = statementsOfRole(cdn, logicalIdOf(cdn.stack.compute.functions[key].role as never)).filter((st) => actionsOf(st).some((a) => a.startsWith('ssm:')));
      if (signers.includes(key)) {
        expect(env.ATTACHMENTS_CDN_PRIVATE_KEY_PARAM).toBe('/parley/prod/attachments-cdn-private-key');
        expect(env.ATTACHMENTS_CDN_KEY_PAIR_ID).toEqual({ Ref: resourcesOfType(cdn, 'AWS::CloudFront::PublicKey')[0][0] });
        expect(cfn(env.ATTACHMENTS_CDN_DOMAIN)).toContain(logicalIdOf(cdn.stack.web.distribution));
        expect(ssm).toHaveLength(1);
        expect(ssm[0].Action).toBe('ssm:GetParameter');
        expect(cfn(ssm[0].Resource)).toContain(':parameter/parley/prod/attachments-cdn-private-key');
      } else {
        expect([key, env.ATTACHMENTS_CDN_PRIVATE_KEY_PARAM, ssm]).toEqual([key, undefined, []]);
      }
    }
  });

  test('cdk-nag AwsSolutions reports nothing unacknowledged with the CDN on', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(cdn.app);
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))).toEqual([]);
  });

  test('a malformed key is refused at synth', () => {
    expect(() => parseConfig((k) => (k === 'attachmentsCdnPublicKey' ? 'not a key' : undefined))).toThrow(ConfigError);
  });
});

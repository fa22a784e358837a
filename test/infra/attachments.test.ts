/**
 * Issue #14 (image attachments), the infrastructure: the private uploads bucket (public access blocked, TLS only,
 * encrypted, lifecycle, CORS for the web origins only), the S3 notification that runs the processor, its dead-letter
 * queue and alarms, every function's S3 grants exactly as the design lists them, the CSP entry for the bucket, and —
 * bundled for real, once — the processor's asset carrying sharp for linux-arm64 only.
 * cdk-nag over the whole stack (with the bucket, grants and CDK's notification handler) is nag.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, parseConfig } from '../../lib/config';
import { ARCHITECTURE, bundlingOf, RUNTIME } from '../../lib/functions';
import { ENV, FUNCTIONS, HTTP_ROUTES, S3_TRIGGERS, type FunctionKey } from '../../lib/wiring';
import { actionsOf, cfn, EXTRA_ORIGIN, logicalIdOf, resourcesOfType, statementsOfRole, synth, tempDir, useDefaultDeployment, type Synthesized } from './support';

const ROOT = path.resolve(__dirname, '../..');
const deployment = useDefaultDeployment();
const { fnId, fnProps, roleId, distributionId } = deployment;
let s: Synthesized;
let bucketId: string;
let bucket: { Properties: Record<string, any>; DeletionPolicy?: string };
beforeAll(() => {
  s = deployment.s;
  bucketId = logicalIdOf(s.stack.uploads.bucket);
  bucket = s.json.Resources[bucketId];
});

/** A CloudFormation string expression as text: literal parts as they are, every other intrinsic as its JSON in {}. */
function render(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, any>;
  if (o && Array.isArray(o['Fn::Join'])) return (o['Fn::Join'][1] as unknown[]).map(render).join(o['Fn::Join'][0] as string);
  if (o && typeof o.Ref === 'string' && o.Ref.startsWith('AWS::')) return `{${o.Ref}}`;
  return `{${JSON.stringify(v)}}`;
}

describe('the uploads bucket', () => {
  test('is private: every public access block on, bucket-owner-enforced, not versioned, access-logged', () => {
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalIdOf(s.stack.web.logBucket) },
      LogFilePrefix: 'uploads-bucket/',
    });
  });

  test('is encrypted at rest with S3-managed keys', () => {
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  test('refuses every request without TLS, and TLS older than 1.2, to the bucket and its objects', () => {
    const [, policy] = resourcesOfType(s, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === bucketId)!;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    const resources = [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] }];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: resources }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } }, Resource: resources }),
    );
    // Nothing in the policy allows anyone: access is only the functions' own IAM grants.
    expect(statements.filter((st) => st.Effect === 'Allow' && !st.Principal?.AWS?.['Fn::GetAtt'])).toEqual([]);
  });

  test('lifecycle: raw uploads and files still tagged parley-unsent=true expire after 1 day; incomplete multipart uploads are aborted after 1 day', () => {
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'expire-raw-uploads', Prefix: 'uploads/', ExpirationInDays: 1, Status: 'Enabled' },
      { Id: 'expire-unsent-files', TagFilters: [{ Key: 'parley-unsent', Value: 'true' }], ExpirationInDays: 1, Status: 'Enabled' },
      { Id: 'abort-incomplete-multipart', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
    ]);
  });

  test('CORS: POST and GET from exactly the web origins (the CloudFront URL and the extra origin)', () => {
    const rules = bucket.Properties.CorsConfiguration.CorsRules as any[];
    expect(rules).toHaveLength(1);
    expect(rules[0].AllowedMethods.sort()).toEqual(['GET', 'POST']);
    expect(rules[0].AllowedOrigins.map(render)).toEqual([render(s.stack.resolve(s.stack.web.url)), EXTRA_ORIGIN]);
    expect(render(rules[0].AllowedOrigins[0])).toContain(distributionId());
    expect(JSON.stringify(rules)).not.toContain('"*"');
  });

  test('is named parley-<stage>-uploads-<stack uuid>, kept on stack deletion like the other data (deleted with removalPolicy=destroy)', () => {
    expect(render(bucket.Properties.BucketName)).toMatch(/^parley-prod-uploads-\{/);
    expect(JSON.stringify(bucket.Properties.BucketName)).toContain('AWS::StackId');
    expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
    const destroy = synth({ webBuildDir: '/nonexistent', removalPolicy: 'destroy' });
    const b = destroy.json.Resources[logicalIdOf(destroy.stack.uploads.bucket)];
    expect(b.DeletionPolicy).toBe('Delete');
    expect(resourcesOfType(destroy, 'Custom::S3AutoDeleteObjects').some(([, r]) => r.Properties.BucketName.Ref === logicalIdOf(destroy.stack.uploads.bucket))).toBe(true);
  });

  test('its name is a stack output, and every function gets it as UPLOADS_BUCKET', () => {
    expect(s.json.Outputs.UploadsBucketName.Value).toEqual({ Ref: bucketId });
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      expect(fnProps(key).Environment.Variables[ENV.uploadsBucket]).toEqual({ Ref: bucketId });
    }
  });
});

describe('the upload processor', () => {
  test('S3 ObjectCreated under uploads/ invokes it (and only S3 from this account and bucket may)', () => {
    expect(S3_TRIGGERS).toEqual([{ bucket: 'uploads', prefix: 'uploads/', function: 's3ProcessAttachment' }]);
    const [[, notifications]] = resourcesOfType(s, 'Custom::S3BucketNotifications');
    expect(notifications.Properties.BucketName).toEqual({ Ref: bucketId });
    expect(notifications.Properties.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
          LambdaFunctionArn: { 'Fn::GetAtt': [fnId('s3ProcessAttachment'), 'Arn'] },
        },
      ],
    });
    const permissions = resourcesOfType(s, 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 's3.amazonaws.com');
    expect(permissions).toHaveLength(1);
    expect(permissions[0][1].Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId('s3ProcessAttachment'), 'Arn'] },
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::GetAtt': [bucketId, 'Arn'] },
    });
  });

  test('runs on arm64 with 1536 MB and 30 s, as wiring declares', () => {
    const p = fnProps('s3ProcessAttachment');
    expect(p.Architectures).toEqual(['arm64']);
    expect(p.MemorySize).toBe(1536);
    expect(p.Timeout).toBe(30);
    expect(FUNCTIONS.s3ProcessAttachment.nodeModules).toEqual(['sharp']);
  });

  test('a failed upload event is retried twice, then lands in its own encrypted dead-letter queue', () => {
    const dlqId = logicalIdOf(s.stack.uploads.deadLetterQueue);
    const [[, invokeConfig]] = resourcesOfType(s, 'AWS::Lambda::EventInvokeConfig').filter(([, c]) => c.Properties.FunctionName.Ref === fnId('s3ProcessAttachment'));
    expect(invokeConfig.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
    });
    expect(s.json.Resources[dlqId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const sends = statementsOfRole(s, roleId('s3ProcessAttachment')).filter((st) => actionsOf(st).includes('sqs:SendMessage'));
    expect(sends.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [dlqId, 'Arn'] }]);
    expect(s.json.Outputs.AttachmentDeadLetterQueueUrl.Value).toEqual({ Ref: dlqId });
  });

  test('alarms: its errors, its dead-letter queue depth, and an invocation near its timeout (80 % of 30 s)', () => {
    const alarms = resourcesOfType(s, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const named = (n: string) => alarms.find((a) => a.AlarmName === `Parley-prod-${n}`)!;
    expect(named('s3ProcessAttachment-errors')).toMatchObject({
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId('s3ProcessAttachment') } }],
      Threshold: 5,
    });
    expect(named('attachment-dead-letters')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(s.stack.uploads.deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(named('attachment-processing-slow')).toMatchObject({
      MetricName: 'Duration',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId('s3ProcessAttachment') } }],
      Threshold: 24000,
    });
    for (const n of ['attachment-dead-letters', 'attachment-processing-slow']) expect(named(n).AlarmActions).toHaveLength(1);
  });
});

describe('least privilege in the uploads bucket', () => {
  /** The design's grants (design-14.md "Grants"), written out here rather than read from wiring. */
  const DESIGN: Partial<Record<FunctionKey, { actions: string[]; resources: string[] }[]>> = {
    httpCreateAttachment: [{ actions: ['s3:PutObject'], resources: ['uploads/*'] }],
    s3ProcessAttachment: [
      { actions: ['s3:DeleteObject', 's3:GetObject'], resources: ['uploads/*'] },
      { actions: ['s3:PutObject', 's3:PutObjectTagging'], resources: ['files/*'] },
    ],
    wsSendMessage: [
      { actions: ['s3:GetObject'], resources: ['files/*'] },
      { actions: ['s3:DeleteObjectTagging', 's3:PutObjectTagging'], resources: ['files/*'] },
    ],
    httpHistory: [{ actions: ['s3:GetObject'], resources: ['files/*'] }],
    httpConversations: [{ actions: ['s3:GetObject'], resources: ['files/*'] }],
    httpGetAttachment: [{ actions: ['s3:GetObject'], resources: ['files/*'] }],
    httpDeleteMessage: [{ actions: ['s3:DeleteObject'], resources: ['files/*'] }],
  };
  const s3Statements = (key: FunctionKey) =>
    statementsOfRole(s, roleId(key))
      .filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')))
      .map((st) => {
        const resources = (Array.isArray(st.Resource) ? st.Resource : [st.Resource]).map((r) => {
          const text = render(r);
          const prefix = `{${JSON.stringify({ 'Fn::GetAtt': [bucketId, 'Arn'] })}}/`;
          return text.startsWith(prefix) ? text.slice(prefix.length) : text;
        });
        return { effect: st.Effect, actions: [...actionsOf(st)].sort(), resources };
      });

  test.each(Object.keys(FUNCTIONS) as FunctionKey[])('%s: exactly the S3 statements of the design', (key) => {
    expect(s3Statements(key)).toEqual((DESIGN[key] ?? []).map((g) => ({ effect: 'Allow', ...g })));
  });

  test('the upload-URL function (its role signs the presigned POST) can only PutObject under uploads/', () => {
    const all = statementsOfRole(s, roleId('httpCreateAttachment'));
    const s3 = all.filter((st) => JSON.stringify(st).includes(bucketId) || actionsOf(st).some((a) => a.startsWith('s3:') || a === '*'));
    expect(s3).toHaveLength(1);
    expect(s3[0]).toEqual({
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/uploads/*']] },
    });
    expect(all.filter((st) => st.Resource === '*')).toEqual([]);
  });

  test('no role gets a bucket-level S3 action (ListBucket, bucket policy, ACL) on the uploads bucket', () => {
    const onBucket = Object.keys(FUNCTIONS).flatMap((key) =>
      statementsOfRole(s, roleId(key as FunctionKey)).filter((st) => JSON.stringify(st.Resource) === JSON.stringify({ 'Fn::GetAtt': [bucketId, 'Arn'] })),
    );
    expect(onBucket).toEqual([]);
  });
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

describe('sharp in the processor asset, for Lambda (linux-arm64) — bundled for real', () => {
  let asset: string;
  let files: string[];
  /** ELF e_machine: 0xB7 = AArch64, 0x3E = x86-64. */
  const machineOf = (file: string) => {
    const b = fs.readFileSync(file);
    if (b.subarray(0, 4).toString('latin1') !== '\x7fELF') return 'not ELF';
    expect(b[4]).toBe(2); // 64-bit
    expect(b[5]).toBe(1); // little-endian
    return b.readUInt16LE(18);
  };

  beforeAll(() => {
    // Only this one function is bundled (the stack tests skip bundling): its npm ci for linux-arm64 needs the npm
    // registry, or npm's cache holding the two @img packages (NODE_MODULES_INSTALL_ENV prefers it).
    const app = new App({ outdir: tempDir('parley-sharp-') });
    const stack = new Stack(app, 'SharpAsset');
    const def = FUNCTIONS.s3ProcessAttachment;
    const fn = new NodejsFunction(stack, 'Processor', {
      entry: path.join(ROOT, def.entry),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      runtime: RUNTIME,
      architecture: ARCHITECTURE,
      bundling: bundlingOf(def),
    });
    const assembly = app.synth();
    const template = assembly.getStackByName('SharpAsset').template;
    const key = template.Resources[logicalIdOf(fn)].Properties.Code.S3Key as string;
    asset = path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
    files = (fs.readdirSync(asset, { recursive: true }) as string[]).map(String);
  }, 170_000);

  test('the asset is the bundle plus sharp installed beside it (package.json, node_modules; the lock file is not shipped)', () => {
    expect(fs.readdirSync(asset).sort()).toEqual(['index.js', 'node_modules', 'package.json']);
    expect(JSON.parse(fs.readFileSync(path.join(asset, 'package.json'), 'utf8')).dependencies).toEqual({ sharp: expect.any(String) });
    expect(fs.existsSync(path.join(asset, 'node_modules', 'sharp', 'package.json'))).toBe(true);
    const bytes = files.reduce((n, f) => n + (fs.statSync(path.join(asset, f)).isFile() ? fs.statSync(path.join(asset, f)).size : 0), 0);
    // Lambda's limit is 250 MB unzipped; sharp for one platform is ~20 MB.
    expect(bytes).toBeLessThan(60 * 1024 * 1024);
    console.log(`processor asset: ${(bytes / 1024 / 1024).toFixed(1)} MB unzipped, ${files.length} entries`);
  });

  test("sharp's native addon is there for linux-arm64 and is an AArch64 ELF binary, as is libvips", () => {
    const addons = files.filter((f) => f.startsWith(path.join('node_modules', '@img', 'sharp-linux-arm64', 'lib')) && f.endsWith('.node'));
    expect(addons).toHaveLength(1);
    expect(machineOf(path.join(asset, addons[0]))).toBe(0xb7);
    const libvips = files.filter((f) => f.startsWith(path.join('node_modules', '@img', 'sharp-libvips-linux-arm64', 'lib')) && /\.so(\.\d+)*$/.test(f));
    expect(libvips.length).toBeGreaterThan(0);
    for (const f of libvips) expect([f, machineOf(path.join(asset, f))]).toEqual([f, 0xb7]);
  });

  test('no binary for any other platform is shipped (no x64, no darwin/win32/musl packages)', () => {
    const img = fs.readdirSync(path.join(asset, 'node_modules', '@img')).sort();
    expect(img.filter((d) => d.startsWith('sharp-'))).toEqual(['sharp-libvips-linux-arm64', 'sharp-linux-arm64']);
    const natives = files.filter((f) => /\.(node|so)(\.\d+)*$/.test(f) && fs.statSync(path.join(asset, f)).isFile());
    for (const f of natives) expect([f, machineOf(path.join(asset, f))]).toEqual([f, 0xb7]);
  });

  test('sharp stays out of the bundle (required at run time from node_modules)', () => {
    // The stub handler on this branch does not import sharp yet; when it does, the require must be external.
    const code = fs.readFileSync(path.join(asset, 'index.js'), 'utf8');
    expect(code).not.toMatch(/libvips-cpp|sharp-linux-x64/);
  });
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

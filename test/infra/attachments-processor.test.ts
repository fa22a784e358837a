/**
 * Issue #14 (image attachments), the infrastructure — the upload processor: the S3 notification that runs it, its
 * dead-letter queue and alarms, every function's S3 grants exactly as the design lists them, and — bundled for real,
 * once — the processor's asset carrying sharp for linux-arm64 only. The bucket itself is attachments-bucket.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ARCHITECTURE, bundlingOf, RUNTIME } from '../../lib/functions';
import { FUNCTIONS, S3_TRIGGERS, type FunctionKey } from '../../lib/wiring';
import { actionsOf, logicalIdOf, render, resourcesOfType, statementsOfRole, tempDir, uploadsBucketOf, useDefaultDeployment, type Synthesized } from './support';

const ROOT = path.resolve(__dirname, '../..');
const deployment = useDefaultDeployment();
const { fnId, fnProps, roleId } = deployment;
let s: Synthesized;
let bucketId: string;
beforeAll(() => {
  s = deployment.s;
  ({ bucketId } = uploadsBucketOf(s));
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

/**
 * Issue #14 (image attachments), the infrastructure — the private uploads bucket: public access blocked, TLS only,
 * encrypted, lifecycle, CORS for the web origins only, its name and removal policy. The processor and the grants
 * are attachments-processor.test.ts; the routes, CSP, presigned URL origins and the optional CDN attachments-web.test.ts.
 * cdk-nag over the whole stack (with the bucket, grants and CDK's notification handler) is nag.test.ts.
 */
import { ENV, FUNCTIONS, type FunctionKey } from '../../lib/wiring';
import { EXTRA_ORIGIN, logicalIdOf, render, resourcesOfType, synth, uploadsBucketOf, useDefaultDeployment, type CfnResource, type Synthesized } from './support';

const deployment = useDefaultDeployment();
const { fnProps, distributionId } = deployment;
let s: Synthesized;
let bucketId: string;
let bucket: CfnResource;
beforeAll(() => {
  s = deployment.s;
  ({ bucketId, bucket } = uploadsBucketOf(s));
});

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

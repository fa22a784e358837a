/**
 * Attachments (issue #14): the private uploads bucket (wiring's UPLOADS_BUCKET), its lifecycle and CORS, and the S3
 * event notifications of wiring's S3_TRIGGERS, each target function with Lambda's async retries ending in an
 * encrypted dead-letter queue. What each function may do in the bucket is its FunctionDef `uploads` grants
 * (lib/functions.ts); the CSP entry for the bucket's origin is lib/web-hosting.ts'.
 *
 * Keys (docs/design): raw uploads `uploads/<userId>/<attachmentId>` (presigned POST target); cleaned images and
 * thumbnails `files/<attachmentId>/image|thumb`, written tagged `parley-unsent=true` until a message carries them.
 */
import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CDN_ENV } from '../lambdas/shared/env';
import { accountUniqueName } from './names';
import { FUNCTIONS, S3_TRIGGERS, type FunctionDef, type FunctionKey, type S3TriggerDef } from './wiring';

/**
 * Environment of the URL-signing functions when attachments are served through the CDN (`attachmentsCdnPublicKey`
 * set): the names the handlers read (lambdas/shared/env.ts; lambdas/adapters/s3/file-urls.ts signs CloudFront URLs
 * when all three are set).
 */
export { CDN_ENV };

/** The functions that sign URLs of files: those granted GetObject under files/. */
export const signingFunctions = (): FunctionKey[] =>
  (Object.keys(FUNCTIONS) as FunctionKey[]).filter((k) =>
    ((FUNCTIONS[k] as FunctionDef).uploads ?? []).some((g) => g.actions.includes('GetObject') && g.prefixes.includes('files/')),
  );

/** The object tag the processor sets on the files it writes and sendMessage removes (expired after a day if still set). */
export const UNSENT_TAG = { key: 'parley-unsent', value: 'true' } as const;
/** Uploads never sent are removed after this many days (S3 runs expirations once a day: gone within 48 hours). */
export const UNSENT_EXPIRY_DAYS = 1;
/** Lambda's retries of a failed asynchronous S3 notification before it goes to the dead-letter queue. */
export const ATTACHMENT_RETRY_ATTEMPTS = 2;
/** An upload event older than this is not processed any more (its presigned POST lived 15 minutes; the raw object 1 day). */
export const ATTACHMENT_MAX_EVENT_AGE = Duration.hours(6);

export interface UploadsProps {
  /** Physical name (lib/names.ts uploadsBucketName): the CSP names it before the bucket exists. */
  bucketName: string;
  /** Browser origins that may POST uploads and GET files (the CloudFront URL and the configured extra origins). */
  allowedOrigins: string[];
  /** Where S3 server access logs go (the web hosting's access-log bucket). */
  accessLogsBucket: s3.IBucket;
  removalPolicy: RemovalPolicy;
}

export class Uploads extends Construct {
  readonly bucket: s3.Bucket;
  /** Upload events the processor gave up on (after Lambda's async retries). */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: UploadsProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // SSE-S3: the objects are only ever read through URLs presigned by Parley's roles; SSE-KMS would add a KMS
      // request (and its cost and quota) to every image view and kms: grants to every signer, for no reader we must
      // keep out that IAM and the bucket policy don't already.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Not versioned: a deleted message's files and expired uploads must really be gone (no noncurrent copies).
      versioned: false,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'uploads-bucket/',
      lifecycleRules: [
        // Raw uploads: the processor deletes each one; whatever it never saw (or failed on) goes after a day.
        { id: 'expire-raw-uploads', prefix: 'uploads/', expiration: Duration.days(UNSENT_EXPIRY_DAYS) },
        // Cleaned files of attachments never sent: sendMessage removes the tag from the files it sends.
        {
          id: 'expire-unsent-files',
          tagFilters: { [UNSENT_TAG.key]: UNSENT_TAG.value },
          expiration: Duration.days(UNSENT_EXPIRY_DAYS),
        },
        // S3 refuses AbortIncompleteMultipartUpload on a rule with a tag filter: its own rule, whole bucket.
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // The browser POSTs the file (presigned POST) and may fetch the images; only from the web origins.
      cors: [
        {
          allowedOrigins: [...new Set(props.allowedOrigins)],
          allowedMethods: [s3.HttpMethods.POST, s3.HttpMethods.GET],
          allowedHeaders: ['content-type'],
          maxAge: 3600,
        },
      ],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue IS the dead-letter queue of the upload processor (Lambda on-failure destination of its S3 ' +
        'notifications); nothing consumes it automatically, so it needs no DLQ of its own. Its depth is alarmed.',
    });
  }

  /**
   * Serve files/ through the web distribution at /files/* (optional, `attachmentsCdnPublicKey`): origin access control
   * reads the bucket (bucket policy: this distribution, GetObject on files/* only), and viewers need a URL signed by
   * the configured key (trusted key group). The signing functions get the domain, key id and private-key parameter
   * name, and ssm:GetParameter on that one parameter (SecureString under the AWS-managed aws/ssm key).
   */
  serveThroughCdn(props: {
    distribution: cloudfront.Distribution;
    publicKeyPem: string;
    privateKeyParameter: string;
    bucketName: string;
    functions: Record<FunctionKey, lambda.Function>;
  }): void {
    const stack = Stack.of(this);
    const publicKey = new cloudfront.PublicKey(this, 'CdnPublicKey', {
      encodedKey: props.publicKeyPem,
      comment: `Parley ${stack.stackName}: signs attachment URLs`,
    });
    const keyGroup = new cloudfront.KeyGroup(this, 'CdnKeyGroup', { items: [publicKey], comment: 'Parley attachment URL signers' });
    // By name, not the bucket itself: the bucket's CORS names the distribution, so the distribution must not refer to
    // the bucket resource (cycle). The name is fixed before the bucket exists (lib/names.ts).
    const byName = s3.Bucket.fromBucketAttributes(this, 'BucketByName', { bucketName: props.bucketName, region: stack.region });
    const origin = origins.S3BucketOrigin.withOriginAccessControl(byName, {
      originAccessControl: new cloudfront.S3OriginAccessControl(this, 'CdnAccess', {
        originAccessControlName: accountUniqueName(this, 'uploads'),
      }),
    });
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      'The uploads bucket policy grants this distribution GetObject on files/* below (Uploads.serveThroughCdn).',
    );
    props.distribution.addBehavior('/files/*', origin, {
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      trustedKeyGroups: [keyGroup],
      compress: false,
    });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudFrontReadsFiles',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects('files/*')],
        conditions: {
          StringEquals: {
            'AWS:SourceArn': stack.formatArn({
              service: 'cloudfront',
              region: '',
              resource: 'distribution',
              resourceName: props.distribution.distributionId,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    const parameterArn = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: props.privateKeyParameter.replace(/^\//, ''),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    for (const key of signingFunctions()) {
      const fn = props.functions[key];
      fn.addEnvironment(CDN_ENV.domain, props.distribution.distributionDomainName);
      fn.addEnvironment(CDN_ENV.keyPairId, publicKey.publicKeyId);
      fn.addEnvironment(CDN_ENV.privateKeyParameter, props.privateKeyParameter);
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameterArn] }));
    }
  }

  /** Wire S3_TRIGGERS: ObjectCreated under each prefix invokes its function; failures end in the dead-letter queue. */
  addTriggers(functions: Record<FunctionKey, lambda.IFunction>, triggers: S3TriggerDef[] = S3_TRIGGERS): void {
    const configured = new Set<FunctionKey>();
    for (const t of triggers) {
      const fn = functions[t.function];
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn), { prefix: t.prefix });
      if (!configured.has(t.function)) {
        fn.configureAsyncInvoke({
          retryAttempts: ATTACHMENT_RETRY_ATTEMPTS,
          maxEventAge: ATTACHMENT_MAX_EVENT_AGE,
          onFailure: new SqsDestination(this.deadLetterQueue),
        });
        configured.add(t.function);
      }
    }
  }
}

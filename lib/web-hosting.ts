/**
 * The web client: its static build in a private S3 bucket behind CloudFront (origin access control, HTTPS only,
 * security headers, SPA fallback) plus a runtime `config.json` (wiring's `WebConfig`) written at deploy time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { accountUniqueName } from './names';
import type { WebConfig } from '../lambdas/contract/web-config';
import { contentSecurityPolicy } from './csp';

export interface WebHostingProps {
  /** Absolute path of the web build (index.html at its root); a placeholder page is deployed when it is missing. */
  webBuildDir: string;
  /** Origins (scheme://host) the page may fetch/connect to besides itself: APIs, WebSocket, token endpoint. */
  connectSources: string[];
  /** Origins (scheme://host) the page may load images from besides itself and data: URLs (the uploads bucket). */
  imgSources?: string[];
  removalPolicy: RemovalPolicy;
  logRetention: logs.RetentionDays;
}

/** Whether a directory holds a web build. */
export function hasWebBuild(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'index.html'));
}

export const PLACEHOLDER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley</title></head>
<body><h1>Parley</h1><p>The web client was not built when this stack was deployed.
Run <code>npm run build:web</code> and deploy again (see docs/DEPLOY.md).</p></body></html>
`;

export class WebHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  /** https://<id>.cloudfront.net (no trailing slash): the web origin. */
  readonly url: string;
  readonly hasBuild: boolean;
  private readonly props: WebHostingProps;

  constructor(scope: Construct, id: string, props: WebHostingProps) {
    super(scope, id);
    this.props = props;
    const autoDeleteObjects = props.removalPolicy === RemovalPolicy.DESTROY;

    // Access logs of the web bucket and of CloudFront. CloudFront standard logging writes with an ACL, hence
    // BUCKET_OWNER_PREFERRED ownership on this bucket only.
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects,
    });
    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'site-bucket/',
      removalPolicy: props.removalPolicy,
      autoDeleteObjects,
    });

    const csp = contentSecurityPolicy({ imgSources: props.imgSources, connectSources: props.connectSources });

    // CloudFront policy and origin access control names are unique per account, not per region: include the region
    // so the same stage can run in a second region (lib/names.ts).
    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: accountUniqueName(this, 'security-headers'),
      comment: 'Parley web client security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          preload: false,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Parley web client (${Stack.of(this).stackName})`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
          originAccessControl: new cloudfront.S3OriginAccessControl(this, 'SiteAccess', {
            originAccessControlName: accountUniqueName(this, 'site'),
          }),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        compress: true,
      },
      defaultRootObject: 'index.html',
      // SPA fallback: any unknown path is the app (S3 answers 403 for a missing key under OAC without ListBucket).
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(10),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Parley serves a global user base; there is no country the app must be withheld from.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The distribution serves only the static, public web build (no user data, no origin compute); the APIs are not ' +
          'behind it and carry their own throttling. A WAF web ACL (fixed monthly fee) can be attached later if abuse appears.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'No custom domain is configured, so the distribution uses the default *.cloudfront.net certificate whose TLS ' +
          'policy AWS fixes; attaching a custom domain + ACM certificate with TLSv1.2_2021 is the documented upgrade.',
      },
    );
    this.url = `https://${this.distribution.distributionDomainName}`;
    this.hasBuild = hasWebBuild(props.webBuildDir);
  }

  /** Upload the web build and the runtime config.json (written at deploy time with the stack's real URLs). */
  deploy(config: WebConfig): void {
    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: this.props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const common = {
      destinationBucket: this.bucket,
      // Never delete files: clients holding an old index.html still fetch the old hashed assets.
      prune: false,
      logGroup,
      memoryLimit: 512,
    };

    let staticFiles: s3deploy.BucketDeployment | undefined;
    if (this.hasBuild) {
      // Vite content-hashes everything under assets/; the other files are few and cheap to revalidate daily.
      staticFiles = new s3deploy.BucketDeployment(this, 'DeployStatic', {
        ...common,
        // Source maps stay out of the bucket: they would publish the client's whole source (web/vite.config.mts builds
        // them 'hidden', i.e. without a reference in the bundle). Patterns match at any depth (CDK's glob matchBase).
        sources: [s3deploy.Source.asset(this.props.webBuildDir, { exclude: ['index.html', 'config.json', '*.map'] })],
        cacheControl: [s3deploy.CacheControl.setPublic(), s3deploy.CacheControl.maxAge(Duration.days(1))],
      });
    } else {
      Annotations.of(this).addWarningV2(
        'parley:webBuildMissing',
        `No web build at ${this.props.webBuildDir}: a placeholder page is deployed. Run "npm run build:web" first ` +
          '(or set the webBuildDir context).',
      );
    }

    // index.html and config.json change on every deploy: browsers revalidate them each time.
    const entry = new s3deploy.BucketDeployment(this, 'DeployEntry', {
      ...common,
      sources: [
        this.hasBuild
          ? s3deploy.Source.data('index.html', fs.readFileSync(path.join(this.props.webBuildDir, 'index.html'), 'utf8'))
          : s3deploy.Source.data('index.html', PLACEHOLDER_HTML),
        s3deploy.Source.jsonData('config.json', config),
      ],
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    if (staticFiles) entry.node.addDependency(staticFiles);
  }
}

/** Regional execute-api origins for the CSP (https for REST, wss for WebSocket). */
export function executeApiOrigin(scheme: 'https' | 'wss'): string {
  return `${scheme}://*.execute-api.${Aws.REGION}.amazonaws.com`;
}

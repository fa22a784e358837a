/**
 * Physical names Parley sets itself (everything else is named by CloudFormation, uniquely and within limits). Each
 * fits its service's limit for every valid stage (`[a-z][a-z0-9-]{0,19}`) and is unique where the service requires:
 * test/infra/names.ts holds the rules, test/infra/faults.test.ts proves them for a 20-character stage, two stages in
 * one region and one stage in two regions.
 */
import { Aws, Fn, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The stage when none is configured. */
export const DEFAULT_STAGE = 'prod';

/** Cognito refuses domain prefixes containing these (CreateUserPoolDomain). */
const COGNITO_RESERVED = /aws|amazon|cognito/g;
const COGNITO_PREFIX_MAX = 63;
const UUID_LENGTH = 36;

/**
 * The parts of the default hosted-UI domain prefix (joined with "-"), unique per region across all accounts:
 * "parley-<stage>-<stack uuid>".
 * A stage containing "aws", "amazon" or "cognito" loses those words (Cognito refuses them), and when the prefix would
 * pass Cognito's 63 characters (a 20-character stage) only the uuid's last 12 hex digits are used. Every stage that
 * deployed before keeps exactly the prefix it had: changing a domain replaces it, and a pool holds one prefix domain.
 */
export function cognitoDomainPrefixParts(stage: string, stackId: string): [string, string] {
  let readable = stage;
  if (readable.search(COGNITO_RESERVED) >= 0) {
    while (readable.search(COGNITO_RESERVED) >= 0) readable = readable.replace(COGNITO_RESERVED, '');
    readable = readable.split('-').filter(Boolean).join('-');
  }
  const head = readable ? `parley-${readable}` : 'parley';
  const uuid = Fn.select(2, Fn.split('/', stackId));
  const unique = head.length + 1 + UUID_LENGTH <= COGNITO_PREFIX_MAX ? uuid : Fn.select(4, Fn.split('-', uuid));
  return [head, unique];
}

/**
 * A name for a service whose names are unique per account across all regions (CloudFront policies and origin access
 * controls, CloudWatch dashboards): "<stack>-<region>[-<suffix>]", so the same stage in a second region gets its own.
 * At most 7 + 20 + 1 + 20 + 1 + suffix characters: keep suffixes under 15 for origin access controls (64).
 */
export function accountUniqueName(scope: IConstruct, suffix?: string): string {
  const stack = Stack.of(scope);
  return [stack.stackName, stack.region, ...(suffix ? [suffix] : [])].join('-');
}

/** The EventBridge bus when none is configured: the contract's `parley` for the default stage, else `parley-<stage>`. */
export function defaultEventBusName(stage: string, contractName: string): string {
  return stage === DEFAULT_STAGE ? contractName : `${contractName}-${stage}`;
}

/**
 * The uploads bucket's name, "parley-<stage>-uploads-<last 12 hex digits of the stack's uuid>" (at most 48 characters,
 * lowercase; S3 names are global). Set here rather than left to CloudFormation because the web client's CSP (in the
 * CloudFront response headers policy) must name the bucket's origin while the bucket's CORS names the CloudFront
 * domain: built from the AWS::StackId pseudo parameter, the CSP refers to no resource and there is no cycle. A stack
 * created again after a `cdk destroy` that kept the old bucket gets a new uuid, hence a fresh name.
 */
export function uploadsBucketName(stage: string): string {
  const uuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return Fn.join('-', ['parley', stage, 'uploads', Fn.select(4, Fn.split('-', uuid))]);
}

/** https://<bucket>.s3.<region>.<suffix>: the regional virtual-hosted origin the SDK presigns POST and GET URLs for. */
export function s3RegionalOrigin(bucketName: string): string {
  return `https://${bucketName}.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`;
}

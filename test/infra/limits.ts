/**
 * Limits AWS enforces at deploy or run time that neither CloudFormation's schema nor cfn-lint checks, as rules over a
 * synthesized template. Each rule returns findings (empty = fine) so a test can show both that Parley passes and
 * that the rule catches a bad fragment. Sources (checked 2026-11):
 *  - Lambda quotas: environment variables 4 KB in total; the service measures the JSON of the variables map
 *    ("…exceeded the 4KB limit. String measured: {"KEY":"value",…}").
 *    https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 *  - IAM quotas: aggregate inline policies per role 10,240 characters, managed policy 6,144, trust policy 2,048 (default),
 *    10 managed policies per role (default); "IAM does not count white space".
 *    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 *  - CloudFormation quotas: 500 resources and 200 outputs per stack.
 *    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 *  - API Gateway: WebSocket integration timeout 50 ms – 29 s; HTTP API maximum integration timeout 30 s (neither can be
 *    raised). https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html
 *    and …/http-api-quotas.html
 *  - WebSocket REQUEST authorizer identity sources: route.request.header.X, route.request.querystring.X,
 *    stageVariables.X, context.X (AWS::ApiGatewayV2::Authorizer IdentitySource; the HTTP API's $request.… form is refused).
 *  - Name limits per service: see NAME_RULES.
 *
 * Tokens. Names and ARNs CloudFormation fills in at deploy time are counted at their longest realistic value (`sample`):
 * a resource without an explicit name gets "<stack>-<logical id>-<13 random characters>" cut to the service's limit
 * (CloudFormation's generated names); regions count as 20 characters (the longest today, e.g. us-isof-south-1, has 15),
 * the partition as "aws-us-gov", the URL suffix as "amazonaws.com.cn", ids at their documented length. A token whose
 * value this file cannot bound throws: add its bound here rather than guess silently.
 */
import type { CfnResource } from './support';

export interface TemplateJson {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

export interface Finding {
  rule: string;
  resource: string;
  message: string;
}

/** What the template leaves to deploy time; a known account/region is used as is. */
export interface Environment {
  stackName: string;
  region?: string;
  account?: string;
}

export const LIMITS = {
  lambdaEnvironmentBytes: 4096,
  roleInlinePolicyChars: 10_240,
  managedPolicyChars: 6_144,
  trustPolicyChars: 2_048,
  managedPoliciesPerRole: 10,
  resourcesPerStack: 500,
  outputsPerStack: 200,
  integrationTimeoutMinMs: 50,
  webSocketIntegrationTimeoutMs: 29_000,
  httpIntegrationTimeoutMs: 30_000,
} as const;

const LONGEST_REGION = 'xx-xxxxxxxxxxxxxxx-9'; // 20 characters
const PARTITION = 'aws-us-gov';
const URL_SUFFIX = 'amazonaws.com.cn';

/** A stack-unique, uuid-shaped stand-in for the last part of AWS::StackId (so two stacks never share it). */
function stackUuid(env: Environment): string {
  let h = 2166136261;
  for (const c of `${env.stackName}/${env.region ?? ''}/${env.account ?? ''}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  const hex = h.toString(16).padStart(8, '0').repeat(4);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

type Sampler = (t: TemplateJson, id: string, env: Environment) => string;

const generatedName = (env: Environment, id: string, max: number) => `${env.stackName}-${id}-${'X'.repeat(13)}`.slice(0, max);
/** The explicit name property if the template sets one, else CloudFormation's generated name. */
const named = (prop: string, max: number): Sampler => (t, id, env) => {
  const v = t.Resources[id].Properties?.[prop];
  return v === undefined ? generatedName(env, id, max) : sample(v, t, env);
};
const region = (env: Environment) => env.region ?? LONGEST_REGION;
const account = (env: Environment) => env.account ?? '123456789012';
const arn = (env: Environment, service: string, rest: string, regional = true) =>
  `arn:${PARTITION}:${service}:${regional ? region(env) : ''}:${account(env)}:${rest}`;

/** What `Ref` returns, per resource type. */
const REF: Record<string, Sampler> = {
  'AWS::DynamoDB::Table': named('TableName', 255),
  'AWS::Lambda::Function': named('FunctionName', 64),
  'AWS::IAM::Role': named('RoleName', 64),
  'AWS::Logs::LogGroup': named('LogGroupName', 512),
  'AWS::S3::Bucket': (t, id, env) => named('BucketName', 63)(t, id, env).toLowerCase(),
  'AWS::Events::EventBus': named('Name', 256),
  'AWS::Events::Rule': named('Name', 64),
  'AWS::CloudWatch::Alarm': named('AlarmName', 255),
  'AWS::CloudWatch::Dashboard': named('DashboardName', 255),
  'AWS::ApiGatewayV2::Stage': named('StageName', 128),
  'AWS::SQS::Queue': (t, id, env) => `https://sqs.${region(env)}.${URL_SUFFIX}/${account(env)}/${named('QueueName', 80)(t, id, env)}`,
  'AWS::SNS::Topic': (t, id, env) => arn(env, 'sns', named('TopicName', 256)(t, id, env)),
  'AWS::IAM::ManagedPolicy': (t, id, env) => arn(env, 'iam', `policy/${named('ManagedPolicyName', 128)(t, id, env)}`, false),
  'AWS::Cognito::UserPoolDomain': named('Domain', 63),
  // Ids of fixed shape: API Gateway ids are 10 characters, Cognito pool ids "<region>_<9>", app client ids 26,
  // CloudFront distribution ids 14, CloudFront policy / OAC ids are UUIDs.
  'AWS::ApiGatewayV2::Api': () => 'a'.repeat(10),
  'AWS::ApiGatewayV2::Integration': () => 'a'.repeat(7),
  'AWS::ApiGatewayV2::Authorizer': () => 'a'.repeat(6),
  'AWS::ApiGatewayV2::Route': () => 'a'.repeat(7),
  'AWS::Cognito::UserPool': (_t, _id, env) => `${region(env)}_${'A'.repeat(9)}`,
  'AWS::Cognito::UserPoolClient': () => 'a'.repeat(26),
  'AWS::CloudFront::Distribution': () => 'E'.repeat(14),
  'AWS::CloudFront::ResponseHeadersPolicy': () => '00000000-0000-0000-0000-000000000000',
  'AWS::CloudFront::OriginAccessControl': () => 'E'.repeat(14),
};

/** What `Fn::GetAtt` returns, per "type.attribute". */
const GET_ATT: Record<string, Sampler> = {
  'AWS::DynamoDB::Table.Arn': (t, id, env) => arn(env, 'dynamodb', `table/${REF['AWS::DynamoDB::Table'](t, id, env)}`),
  'AWS::Lambda::Function.Arn': (t, id, env) => arn(env, 'lambda', `function:${REF['AWS::Lambda::Function'](t, id, env)}`),
  'AWS::IAM::Role.Arn': (t, id, env) => arn(env, 'iam', `role/${REF['AWS::IAM::Role'](t, id, env)}`, false),
  'AWS::SQS::Queue.Arn': (t, id, env) => arn(env, 'sqs', named('QueueName', 80)(t, id, env)),
  'AWS::SQS::Queue.QueueName': named('QueueName', 80),
  'AWS::SQS::Queue.QueueUrl': (t, id, env) => REF['AWS::SQS::Queue'](t, id, env),
  'AWS::SNS::Topic.TopicArn': (t, id, env) => REF['AWS::SNS::Topic'](t, id, env),
  'AWS::SNS::Topic.TopicName': named('TopicName', 256),
  'AWS::Events::EventBus.Arn': (t, id, env) => arn(env, 'events', `event-bus/${REF['AWS::Events::EventBus'](t, id, env)}`),
  'AWS::Events::EventBus.Name': (t, id, env) => REF['AWS::Events::EventBus'](t, id, env),
  'AWS::Events::Rule.Arn': (t, id, env) => arn(env, 'events', `rule/${REF['AWS::Events::Rule'](t, id, env)}`),
  'AWS::Logs::LogGroup.Arn': (t, id, env) => arn(env, 'logs', `log-group:${REF['AWS::Logs::LogGroup'](t, id, env)}:*`),
  'AWS::S3::Bucket.Arn': (t, id, env) => `arn:${PARTITION}:s3:::${REF['AWS::S3::Bucket'](t, id, env)}`,
  'AWS::S3::Bucket.RegionalDomainName': (t, id, env) => `${REF['AWS::S3::Bucket'](t, id, env)}.s3.${region(env)}.${URL_SUFFIX}`,
  'AWS::Cognito::UserPool.Arn': (t, id, env) => arn(env, 'cognito-idp', `userpool/${REF['AWS::Cognito::UserPool'](t, id, env)}`),
  'AWS::Cognito::UserPool.ProviderURL': (t, id, env) => `https://cognito-idp.${region(env)}.${URL_SUFFIX}/${REF['AWS::Cognito::UserPool'](t, id, env)}`,
  'AWS::CloudFront::Distribution.DomainName': () => `d${'a'.repeat(13)}.cloudfront.net`,
  'AWS::ApiGatewayV2::Api.ApiEndpoint': (_t, _id, env) => `https://${'a'.repeat(10)}.execute-api.${region(env)}.${URL_SUFFIX}`,
  'AWS::IAM::ManagedPolicy.PolicyArn': (t, id, env) => REF['AWS::IAM::ManagedPolicy'](t, id, env),
};

function pseudo(name: string, env: Environment): string {
  switch (name) {
    case 'AWS::Region':
      return region(env);
    case 'AWS::AccountId':
      return account(env);
    case 'AWS::Partition':
      return PARTITION;
    case 'AWS::URLSuffix':
      return URL_SUFFIX;
    case 'AWS::StackName':
      return env.stackName;
    case 'AWS::StackId':
      return arn(env, 'cloudformation', `stack/${env.stackName}/${stackUuid(env)}`);
    case 'AWS::NoValue':
      return '';
    default:
      throw new Error(`limits.ts: no sample for pseudo parameter ${name}`);
  }
}

function ref(name: string, t: TemplateJson, env: Environment): string {
  if (name.startsWith('AWS::')) return pseudo(name, env);
  const r = t.Resources[name];
  const sampler = r && REF[r.Type];
  if (!sampler) throw new Error(`limits.ts: no length bound for Ref ${name} (${r?.Type ?? 'not a resource'}): add one`);
  return sampler(t, name, env);
}

function getAtt(id: string, attr: string, t: TemplateJson, env: Environment): string {
  const r = t.Resources[id];
  const sampler = r && GET_ATT[`${r.Type}.${attr}`];
  if (!sampler) throw new Error(`limits.ts: no length bound for GetAtt ${id}.${attr} (${r?.Type ?? 'not a resource'}): add one`);
  return sampler(t, id, env);
}

/** The longest realistic string a CloudFormation value becomes at deploy time (see "Tokens" above). */
export function sample(value: unknown, t: TemplateJson, env: Environment): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const list = (v: unknown): string[] => {
    if (Array.isArray(v)) return v.map((x) => sample(x, t, env));
    const o = v as Record<string, unknown>;
    if (o && 'Fn::Split' in o) {
      const [sep, src] = o['Fn::Split'] as [string, unknown];
      return sample(src, t, env).split(sep);
    }
    throw new Error(`limits.ts: cannot sample list ${JSON.stringify(v)}`);
  };
  const o = value as Record<string, any>;
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    if ('Ref' in o) return ref(o.Ref, t, env);
    if ('Fn::GetAtt' in o) {
      const [id, attr] = Array.isArray(o['Fn::GetAtt']) ? o['Fn::GetAtt'] : String(o['Fn::GetAtt']).split('.');
      return getAtt(id, attr, t, env);
    }
    if ('Fn::Join' in o) return list(o['Fn::Join'][1]).join(o['Fn::Join'][0]);
    if ('Fn::Select' in o) return list(o['Fn::Select'][1])[Number(o['Fn::Select'][0])] ?? '';
    if ('Fn::If' in o) {
      const branches = [sample(o['Fn::If'][1], t, env), sample(o['Fn::If'][2], t, env)];
      return branches.sort((a, b) => b.length - a.length)[0];
    }
    if ('Fn::Sub' in o) {
      const [text, vars] = Array.isArray(o['Fn::Sub']) ? o['Fn::Sub'] : [o['Fn::Sub'], {}];
      return String(text).replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
        if (name in vars) return sample(vars[name], t, env);
        const [id, attr] = name.split('.');
        return attr ? getAtt(id, attr, t, env) : ref(id, t, env);
      });
    }
  }
  throw new Error(`limits.ts: cannot sample ${JSON.stringify(value)}`);
}

/** A value with every token replaced by its sample (for documents measured as JSON). */
function sampleDeep(value: unknown, t: TemplateJson, env: Environment): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => sampleDeep(v, t, env));
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return sample(value, t, env);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sampleDeep(v, t, env)]));
}

const ofType = (t: TemplateJson, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
/** IAM's size of a policy document: its JSON without white space. */
export const policyChars = (doc: unknown, t: TemplateJson, env: Environment) => JSON.stringify(sampleDeep(doc, t, env)).replace(/\s/g, '').length;

// ---------------------------------------------------------------------------------------------------------------------
// Rules

/** Lambda: the JSON of each function's environment variables fits in 4 KB. */
export function lambdaEnvironmentSize(t: TemplateJson, env: Environment): Finding[] {
  return ofType(t, 'AWS::Lambda::Function').flatMap(([id, r]) => {
    const vars = r.Properties?.Environment?.Variables;
    if (!vars) return [];
    const bytes = Buffer.byteLength(JSON.stringify(sampleDeep(vars, t, env)), 'utf8');
    return bytes > LIMITS.lambdaEnvironmentBytes
      ? [{ rule: 'lambda-environment-size', resource: id, message: `environment is up to ${bytes} bytes, Lambda allows ${LIMITS.lambdaEnvironmentBytes}` }]
      : [];
  });
}

/** The inline policies CloudFormation puts on a role: its own Policies plus every AWS::IAM::Policy naming it. */
export function inlinePolicyChars(t: TemplateJson, roleId: string, env: Environment): number {
  const own = ((t.Resources[roleId].Properties?.Policies ?? []) as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument);
  const attached = ofType(t, 'AWS::IAM::Policy')
    .filter(([, p]) => ((p.Properties.Roles ?? []) as unknown[]).some((x: any) => x?.Ref === roleId))
    .map(([, p]) => p.Properties.PolicyDocument);
  return [...own, ...attached].reduce((sum: number, doc) => sum + policyChars(doc, t, env), 0);
}

/** IAM: inline policies per role, managed policy documents, trust policies, managed policies attached per role. */
export function iamPolicySizes(t: TemplateJson, env: Environment): Finding[] {
  const out: Finding[] = [];
  for (const [id, role] of ofType(t, 'AWS::IAM::Role')) {
    const inline = inlinePolicyChars(t, id, env);
    if (inline > LIMITS.roleInlinePolicyChars) {
      out.push({ rule: 'iam-role-inline-policy-size', resource: id, message: `inline policies total ${inline} characters, IAM allows ${LIMITS.roleInlinePolicyChars}` });
    }
    const trust = policyChars(role.Properties.AssumeRolePolicyDocument, t, env);
    if (trust > LIMITS.trustPolicyChars) {
      out.push({ rule: 'iam-trust-policy-size', resource: id, message: `trust policy is ${trust} characters, IAM allows ${LIMITS.trustPolicyChars}` });
    }
    const attachedManaged = ((role.Properties.ManagedPolicyArns ?? []) as unknown[]).length +
      ofType(t, 'AWS::IAM::ManagedPolicy').filter(([, p]) => ((p.Properties.Roles ?? []) as unknown[]).some((x: any) => x?.Ref === id)).length;
    if (attachedManaged > LIMITS.managedPoliciesPerRole) {
      out.push({ rule: 'iam-managed-policies-per-role', resource: id, message: `${attachedManaged} managed policies, IAM allows ${LIMITS.managedPoliciesPerRole} by default` });
    }
  }
  for (const [id, p] of ofType(t, 'AWS::IAM::ManagedPolicy')) {
    const size = policyChars(p.Properties.PolicyDocument, t, env);
    if (size > LIMITS.managedPolicyChars) {
      out.push({ rule: 'iam-managed-policy-size', resource: id, message: `policy is ${size} characters, IAM allows ${LIMITS.managedPolicyChars}` });
    }
  }
  return out;
}

/** CloudFormation: resources and outputs per stack. */
export function stackQuotas(t: TemplateJson): Finding[] {
  const out: Finding[] = [];
  const resources = Object.keys(t.Resources).length;
  if (resources > LIMITS.resourcesPerStack) out.push({ rule: 'stack-resource-count', resource: '(stack)', message: `${resources} resources, CloudFormation allows ${LIMITS.resourcesPerStack}` });
  const outputs = Object.keys(t.Outputs ?? {}).length;
  if (outputs > LIMITS.outputsPerStack) out.push({ rule: 'stack-output-count', resource: '(stack)', message: `${outputs} outputs, CloudFormation allows ${LIMITS.outputsPerStack}` });
  return out;
}

const protocolOf = (t: TemplateJson, apiRef: unknown): string | undefined => {
  const id = (apiRef as { Ref?: string })?.Ref;
  return id ? t.Resources[id]?.Properties?.ProtocolType : undefined;
};

/** The Lambda function an integration or authorizer URI invokes (its logical id), if any. */
const invokedFunction = (t: TemplateJson, uri: unknown): string | undefined =>
  JSON.stringify(uri ?? null).match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/g)
    ?.map((m) => m.split('"')[3])
    .find((id) => t.Resources[id]?.Type === 'AWS::Lambda::Function');

/**
 * API Gateway v2 integrations: the timeout within 50 ms – 29 s (WebSocket) or 30 s (HTTP), and no Lambda behind one
 * that runs longer than the integration waits (the client gets an error while the function keeps going).
 */
export function integrationTimeouts(t: TemplateJson): Finding[] {
  return ofType(t, 'AWS::ApiGatewayV2::Integration').flatMap(([id, r]) => {
    const protocol = protocolOf(t, r.Properties.ApiId);
    const max = protocol === 'WEBSOCKET' ? LIMITS.webSocketIntegrationTimeoutMs : LIMITS.httpIntegrationTimeoutMs;
    const timeout = r.Properties.TimeoutInMillis ?? max;
    const out: Finding[] = [];
    if (typeof timeout !== 'number' || timeout < LIMITS.integrationTimeoutMinMs || timeout > max) {
      out.push({ rule: 'integration-timeout', resource: id, message: `${protocol ?? 'HTTP'} integration timeout ${String(timeout)} ms is outside ${LIMITS.integrationTimeoutMinMs}–${max} ms` });
    }
    const fn = invokedFunction(t, r.Properties.IntegrationUri);
    const fnTimeoutMs = fn ? Number(t.Resources[fn].Properties.Timeout ?? 3) * 1000 : 0;
    if (fn && typeof timeout === 'number' && fnTimeoutMs > timeout) {
      out.push({ rule: 'integration-outlived-by-function', resource: id, message: `${fn} may run ${fnTimeoutMs} ms but the integration gives up after ${timeout} ms` });
    }
    return out;
  });
}

const WS_IDENTITY_SOURCE = /^(route\.request\.(header|querystring)\.[A-Za-z0-9._-]+|stageVariables\.[A-Za-z0-9._-]+|context\.[A-Za-z0-9._-]+)$/;

/** WebSocket REQUEST authorizers: identity sources in the WebSocket form (not the HTTP API's `$request.…`). */
export function webSocketIdentitySources(t: TemplateJson): Finding[] {
  return ofType(t, 'AWS::ApiGatewayV2::Authorizer')
    .filter(([, r]) => protocolOf(t, r.Properties.ApiId) === 'WEBSOCKET')
    .flatMap(([id, r]) =>
      ((r.Properties.IdentitySource ?? []) as unknown[])
        .filter((s) => typeof s !== 'string' || !WS_IDENTITY_SOURCE.test(s))
        .map((s) => ({
          rule: 'websocket-identity-source',
          resource: id,
          message: `identity source ${JSON.stringify(s)} is not route.request.header|querystring.<name>, stageVariables.<name> or context.<name>`,
        })),
    );
}

/** Every rule of this file over one template. */
export function checkLimits(t: TemplateJson, env: Environment): Finding[] {
  return [
    ...lambdaEnvironmentSize(t, env),
    ...iamPolicySizes(t, env),
    ...stackQuotas(t),
    ...integrationTimeouts(t),
    ...webSocketIdentitySources(t),
  ];
}

/**
 * Physical names the template sets itself (CloudFormation-generated names are unique and cut to length by
 * CloudFormation): each within its service's length and character rules for every valid stage, and — since some names
 * are unique per account and others per region — the set two stacks must not share. Tokens count at their longest
 * realistic value (limits.ts, `sample`). Sources, per rule: the service's API reference for the create call.
 */
import { sample, type Environment, type Finding, type TemplateJson } from './limits';

/** Where a name must be unique: across the account's regions, within one region, or nowhere (scoped to a parent). */
export type Uniqueness = 'account' | 'region' | 'none';

export interface NameRule {
  type: string;
  /** Property path of the name inside Properties. */
  path: string[];
  max: number;
  pattern?: RegExp;
  forbidden?: RegExp;
  unique: Uniqueness;
}

export const NAME_RULES: NameRule[] = [
  // Cognito CreateUserPoolDomain: 1–63 of [a-z0-9-], no leading/trailing hyphen, no "aws", "amazon" or "cognito";
  // unique within the region across all accounts.
  { type: 'AWS::Cognito::UserPoolDomain', path: ['Domain'], max: 63, pattern: /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, forbidden: /aws|amazon|cognito/, unique: 'region' },
  // CloudWatch PutMetricAlarm: 1–255.
  { type: 'AWS::CloudWatch::Alarm', path: ['AlarmName'], max: 255, unique: 'region' },
  // CloudWatch PutDashboard: 1–255 of A-Z a-z 0-9 - _; "All dashboards in your account are global, not region-specific."
  { type: 'AWS::CloudWatch::Dashboard', path: ['DashboardName'], max: 255, pattern: /^[A-Za-z0-9_-]+$/, unique: 'account' },
  // CloudWatch Logs CreateLogGroup: 1–512 of [.-_/#A-Za-z0-9].
  { type: 'AWS::Logs::LogGroup', path: ['LogGroupName'], max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, unique: 'region' },
  // SNS CreateTopic: 1–256 of letters, digits, - and _.
  { type: 'AWS::SNS::Topic', path: ['TopicName'], max: 256, pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/, unique: 'region' },
  // SQS CreateQueue: 1–80 of letters, digits, - and _.
  { type: 'AWS::SQS::Queue', path: ['QueueName'], max: 80, pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/, unique: 'region' },
  // EventBridge CreateEventBus 1–256 [/.-_A-Za-z0-9]; PutRule 1–64 [.-_A-Za-z0-9]; CreateArchive 1–48 [.-_A-Za-z0-9].
  { type: 'AWS::Events::EventBus', path: ['Name'], max: 256, pattern: /^[/.\-_A-Za-z0-9]+$/, forbidden: /^default$/, unique: 'region' },
  { type: 'AWS::Events::Rule', path: ['Name'], max: 64, pattern: /^[.\-_A-Za-z0-9]+$/, unique: 'region' },
  { type: 'AWS::Events::Archive', path: ['ArchiveName'], max: 48, pattern: /^[.\-_A-Za-z0-9]+$/, unique: 'region' },
  // Lambda CreateFunction: a function name of 1–64 [a-zA-Z0-9-_].
  { type: 'AWS::Lambda::Function', path: ['FunctionName'], max: 64, pattern: /^[A-Za-z0-9_-]+$/, unique: 'region' },
  // IAM (global service): role names 1–64, managed policy names 1–128, of [\w+=,.@-].
  { type: 'AWS::IAM::Role', path: ['RoleName'], max: 64, pattern: /^[\w+=,.@-]+$/, unique: 'account' },
  { type: 'AWS::IAM::ManagedPolicy', path: ['ManagedPolicyName'], max: 128, pattern: /^[\w+=,.@-]+$/, unique: 'account' },
  // CloudFront (global service): policy names up to 128, origin access control names up to 64, unique in the account.
  { type: 'AWS::CloudFront::ResponseHeadersPolicy', path: ['ResponseHeadersPolicyConfig', 'Name'], max: 128, pattern: /^[A-Za-z0-9_-]+$/, unique: 'account' },
  { type: 'AWS::CloudFront::CachePolicy', path: ['CachePolicyConfig', 'Name'], max: 128, pattern: /^[A-Za-z0-9_-]+$/, unique: 'account' },
  { type: 'AWS::CloudFront::OriginAccessControl', path: ['OriginAccessControlConfig', 'Name'], max: 64, unique: 'account' },
  // DynamoDB CreateTable 3–255 [a-zA-Z0-9_.-]; S3 buckets 3–63, unique across all accounts.
  { type: 'AWS::DynamoDB::Table', path: ['TableName'], max: 255, pattern: /^[A-Za-z0-9_.-]{3,}$/, unique: 'region' },
  { type: 'AWS::S3::Bucket', path: ['BucketName'], max: 63, pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, unique: 'account' },
  // API Gateway stage names: alphanumerics, hyphens and underscores, at most 128 ($default is the HTTP API's own).
  { type: 'AWS::ApiGatewayV2::Stage', path: ['StageName'], max: 128, pattern: /^([A-Za-z0-9_-]+|\$default)$/, unique: 'none' },
];

export interface PhysicalName {
  type: string;
  logicalId: string;
  name: string;
  unique: Uniqueness;
}

/** Every explicit physical name in the template that a rule knows, at its longest realistic value. */
export function physicalNames(t: TemplateJson, env: Environment): PhysicalName[] {
  return Object.entries(t.Resources).flatMap(([logicalId, r]) =>
    NAME_RULES.filter((rule) => rule.type === r.Type).flatMap((rule) => {
      const value = rule.path.reduce<any>((o, k) => o?.[k], r.Properties);
      return value === undefined ? [] : [{ type: r.Type, logicalId, name: sample(value, t, env), unique: rule.unique }];
    }),
  );
}

/** Each explicit name within its service's length and character rules. */
export function nameLimits(t: TemplateJson, env: Environment): Finding[] {
  return physicalNames(t, env).flatMap((n) => {
    const rule = NAME_RULES.find((r) => r.type === n.type)!;
    const problems = [
      n.name.length > rule.max ? `${n.name.length} characters, at most ${rule.max}` : '',
      rule.pattern && !rule.pattern.test(n.name) ? `does not match ${String(rule.pattern)}` : '',
      rule.forbidden?.test(n.name) ? `contains ${String(rule.forbidden)}` : '',
    ].filter(Boolean);
    return problems.map((p) => ({ rule: 'name-limit', resource: n.logicalId, message: `${n.type} name "${n.name}": ${p}` }));
  });
}

/** Names two stacks would both claim in a namespace of the given scopes ("type name" strings). */
export function collisions(a: PhysicalName[], b: PhysicalName[], scopes: Uniqueness[]): string[] {
  const key = (n: PhysicalName) => `${n.type} ${n.name}`;
  const inScope = (ns: PhysicalName[]) => new Set(ns.filter((n) => scopes.includes(n.unique)).map(key));
  const other = inScope(b);
  return [...inScope(a)].filter((k) => other.has(k));
}

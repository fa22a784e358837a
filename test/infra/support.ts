/**
 * Shared helpers of the infra tests: build the Parley stack in-process (asset bundling skipped — the real bundling
 * is exercised once by synth.test.ts through `npx cdk synth`) and read things out of the template.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ParleyStack } from '../../lib/parley-stack';
import type { FunctionKey, TableKey } from '../../lib/wiring';

export interface Synthesized {
  app: App;
  stack: ParleyStack;
  template: Template;
  /** The raw template. */
  json: { Resources: Record<string, CfnResource>; Outputs: Record<string, { Value: unknown; Description?: string }> };
  outdir: string;
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string | string[];
  UpdateReplacePolicy?: string;
  DeletionPolicy?: string;
}

const temporary: string[] = [];

/** A temporary directory removed by `removeTemporaryDirs` (call it in afterAll). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** Remove the directories made by this file's synths (a cloud assembly is ~20 MB, mostly CDK's AWS CLI layer). */
export function removeTemporaryDirs(): void {
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A throwaway web build like Vite's: index.html plus content-hashed assets. */
export function makeWebBuild(): string {
  const dir = tempDir('parley-web-');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Parley</title><script type="module" src="/assets/index-abc123.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log("parley")');
  return dir;
}

/** Build the stack the way bin/parley.ts does, from CDK context, without bundling assets. */
export function synth(context: Record<string, unknown> = {}, env?: { account: string; region: string }): Synthesized {
  const outdir = tempDir('parley-cdk-');
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  // bin/parley.ts passes the CLI's account/region (known whenever ops have credentials); tests try both.
  const stack = new ParleyStack(app, `Parley-${(context.stage as string | undefined) ?? 'prod'}`, { env });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as Synthesized['json'], outdir };
}

export function resourcesOfType(s: Synthesized, type: string): [string, CfnResource][] {
  return Object.entries(s.json.Resources).filter(([, r]) => r.Type === type);
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalIdOf(construct: { node: { defaultChild?: unknown } }): string {
  const child = construct.node.defaultChild as any;
  return Stack.of(child).getLogicalId(child);
}

/** Every IAM statement attached to a role (inline default policy), flattened. */
export function statementsOfRole(s: Synthesized, roleLogicalId: string): { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown }[] {
  return resourcesOfType(s, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r: any) => r?.Ref === roleLogicalId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

export const actionsOf = (st: { Action: string | string[] }) => (Array.isArray(st.Action) ? st.Action : [st.Action]);

/** A readable string of a CloudFormation expression (for "does it reference X" checks). */
export const cfn = (v: unknown): string => JSON.stringify(v) ?? "";

/** The extra browser origin of the default deployment (stack.test.ts, stack-edge.test.ts). */
export const EXTRA_ORIGIN = 'https://app.example.com';

/**
 * The default deployment both stack test files read (Cognito, a web build, an alarm e-mail, one extra origin),
 * synthesized once per file, and the logical ids they look things up by.
 */
export function useDefaultDeployment(): { readonly s: Synthesized } & ReturnType<typeof idsOf> {
  let s: Synthesized | undefined;
  beforeAll(() => {
    s = synth({ webBuildDir: makeWebBuild(), alarmEmail: 'ops@example.com', extraOrigins: EXTRA_ORIGIN });
  });
  afterAll(removeTemporaryDirs);
  const get = () => {
    if (!s) throw new Error('the deployment is synthesized in beforeAll');
    return s;
  };
  return Object.assign(
    {
      get s() {
        return get();
      },
    },
    idsOf(get),
  );
}

function idsOf(get: () => Synthesized) {
  const fnId = (key: FunctionKey) => logicalIdOf(get().stack.compute.functions[key]);
  return {
    fnId,
    fnProps: (key: FunctionKey) => get().json.Resources[fnId(key)].Properties,
    roleId: (key: FunctionKey) => logicalIdOf(get().stack.compute.functions[key].role as never),
    tableId: (key: TableKey) => logicalIdOf(get().stack.data.tables[key]),
    wsApiId: () => logicalIdOf(get().stack.realtime.api),
    httpApiId: () => logicalIdOf(get().stack.rest.api),
    distributionId: () => logicalIdOf(get().stack.web.distribution),
    queueId: () => logicalIdOf(get().stack.notifications.deadLetterQueue),
  };
}

/** A CloudFormation string expression as text: literal parts as they are, every other intrinsic as its JSON in {}. */
export function render(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, any>;
  if (o && Array.isArray(o['Fn::Join'])) return (o['Fn::Join'][1] as unknown[]).map(render).join(o['Fn::Join'][0] as string);
  if (o && typeof o.Ref === 'string' && o.Ref.startsWith('AWS::')) return `{${o.Ref}}`;
  return `{${JSON.stringify(v)}}`;
}

/** The uploads bucket of a synthesized stack: its logical id and its resource (the attachments-*.test.ts files). */
export function uploadsBucketOf(s: Synthesized): { bucketId: string; bucket: CfnResource } {
  const bucketId = logicalIdOf(s.stack.uploads.bucket);
  return { bucketId, bucket: s.json.Resources[bucketId] };
}

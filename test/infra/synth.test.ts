/**
 * `npx cdk synth` end to end, the way ops run it, with every network route closed (proxies pointing at a closed
 * port, no instance metadata, no notices/telemetry): it must produce the whole system — every function bundled by the
 * local esbuild (never Docker), minified, with the modular AWS SDK v3 inside and its credential chain cut down to
 * the environment provider — and pass cdk-nag.
 *
 * The web build directory is pinned to an empty folder so this test neither depends on nor races with a web build
 * made by another test layer; the placeholder path is what a clean clone without `npm run build:web` gets.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { FUNCTIONS, type FunctionDef, type FunctionKey } from '../../lib/wiring';
import { constructIdOf, NODE_MODULES_INSTALL_ENV } from '../../lib/functions';

const ROOT = path.resolve(__dirname, '../..');
let outdir: string;
let result: ReturnType<typeof spawnSync>;
let output: string;
let template: { Resources: Record<string, { Type: string; Properties: any }> };
let work: string;

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-synth-'));
  outdir = path.join(work, 'cdk.out');
  const emptyWeb = path.join(work, 'web-dist');
  fs.mkdirSync(emptyWeb);
  // The one thing synth fetches: a function with `nodeModules` (the upload processor's sharp) gets them by `npm ci`
  // for linux-arm64 from the npm registry. Done here once online, with the bundling's own settings, so npm's cache
  // holds those tarballs (integrity-checked against the lock) and the synth below stays offline.
  const warm = path.join(work, 'npm-warm');
  fs.mkdirSync(warm);
  const deps = Object.fromEntries(
    [...new Set(Object.values(FUNCTIONS as Record<string, FunctionDef>).flatMap((d) => d.nodeModules ?? []))].map((m) => [
      m,
      JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', m, 'package.json'), 'utf8')).version,
    ]),
  );
  fs.writeFileSync(path.join(warm, 'package.json'), JSON.stringify({ dependencies: deps }));
  fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(warm, 'package-lock.json'));
  const warmed = spawnSync('npm', ['ci', '--loglevel', 'error'], { cwd: warm, encoding: 'utf8', env: { ...process.env, ...NODE_MODULES_INSTALL_ENV }, timeout: 120_000 });
  if (warmed.status !== 0) throw new Error(`npm ci for the nodeModules cache failed:\n${warmed.stderr}`);
  const closed = 'http://127.0.0.1:9';
  const env: NodeJS.ProcessEnv = { ...process.env };
  // No account or region from the caller: the stack must be environment-agnostic.
  delete env.CDK_DEFAULT_ACCOUNT;
  delete env.CDK_DEFAULT_REGION;
  result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', outdir, '-c', `webBuildDir=${emptyWeb}`], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...env,
      HTTP_PROXY: closed,
      HTTPS_PROXY: closed,
      http_proxy: closed,
      https_proxy: closed,
      NO_PROXY: '',
      no_proxy: '',
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
    timeout: 170_000,
  });
  output = `${result.stdout}\n${result.stderr}`;
  const templatePath = path.join(outdir, 'Parley-prod.template.json');
  template = fs.existsSync(templatePath) ? JSON.parse(fs.readFileSync(templatePath, 'utf8')) : { Resources: {} };
});

test('npx cdk synth succeeds offline and writes the Parley-prod stack', () => {
  if (result.status !== 0) throw new Error(`cdk synth failed (${result.status}):\n${output.slice(-4000)}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  expect(Object.keys(manifest.artifacts)).toContain('Parley-prod');
  // No credentials: the account is unknown (the region may come from ~/.aws/config) and nothing was looked up.
  expect(manifest.artifacts['Parley-prod'].environment).toMatch(/^aws:\/\/unknown-account\//);
  expect(fs.existsSync(path.join(ROOT, 'cdk.context.json'))).toBe(false);
});

test('cdk-nag ran on the synth and reported nothing unacknowledged', () => {
  expect(output).not.toMatch(/AwsSolutions-/);
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  const violations = report.pluginReports.flatMap((r: any) => r.violations ?? []);
  expect(violations).toEqual([]);
});

test('the clean-clone path: no web build means a placeholder page and a warning that says what to run', () => {
  expect(output).toMatch(/No web build at .*web-dist: a placeholder page is deployed\. Run "npm run build:web" first/);
});

describe.each(Object.keys(FUNCTIONS) as FunctionKey[])('%s bundle', (key) => {
  let code: string;
  beforeAll(() => {
    const [, fn] = Object.entries(template.Resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && new RegExp(`^Functions${constructIdOf(key)}[0-9A-F]{8}$`).test(id),
    )!;
    const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
    const dir = path.join(outdir, `asset.${hash}`);
    // A function with nodeModules also carries them installed beside the bundle (attachments-processor.test.ts checks sharp's).
    const def: FunctionDef = FUNCTIONS[key];
    expect(fs.readdirSync(dir).sort()).toEqual(def.nodeModules?.length ? ['index.js', 'node_modules', 'package.json'] : ['index.js']);
    code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
  });

  test('is one minified CommonJS file exporting the handler, built by local esbuild', () => {
    const lines = code.split('\n');
    // Minified: a few very long lines (only template literals keep their line breaks), not indented source.
    expect(lines.length).toBeLessThan(100);
    expect(code.length / lines.length).toBeGreaterThan(lines.length > 3 ? 2000 : 100);
    expect(code).toMatch(/module\.exports=/);
    expect(code).toMatch(/handler:\(\)=>/);
    expect(code.length).toBeLessThan(1_500_000);
  });

  test('carries the AWS SDK v3 it uses inside (no runtime SDK, no CDK code)', () => {
    // Only Node built-ins stay external, plus the SDK's optional CRT signer, which it loads in a try/catch for
    // SigV4a only (Parley never signs SigV4a).
    const required = [...new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))];
    const shipped: string[] = (FUNCTIONS[key] as FunctionDef).nodeModules ?? [];
    const external = required.filter(
      (m) => !builtinModules.includes(m.replace(/^node:/, '')) && m !== '@aws-sdk/signature-v4-crt' && !shipped.includes(m),
    );
    expect(external).toEqual([]);
    expect(code).not.toContain('aws-cdk-lib');
  });

  test("takes AWS credentials from the environment only (lib/bundling.ts): none of the SDK's other providers", () => {
    // Strings only the SSO / ini / process, web identity, container and IMDS credential providers contain.
    for (const marker of ['sso_start_url', 'credential_process', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'security-credentials']) {
      expect(code).not.toContain(marker);
    }
    // ...while a function that calls AWS keeps the environment provider (which reads the role's session token).
    if (Object.keys(FUNCTIONS[key].tables).length > 0) expect(code).toContain('AWS_SESSION_TOKEN');
  });
});

test('bundling never used Docker', () => {
  expect(output).not.toMatch(/docker/i);
  expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(
    Object.keys(FUNCTIONS).length + 2, // + CDK's BucketDeployment provider and its S3 bucket-notifications handler
  );
});

/**
 * The credential trim of the Lambda bundles (lambdas/adapters/credential-provider-env-only.ts, applied by
 * lib/functions.ts with the esbuild alias of lib/bundling.ts): on Lambda the execution role's credentials are always
 * in the environment, so the SDK's default chain only ever uses its first link. These tests bundle both SDK clients
 * the way CDK does and prove the bundle still signs with the environment's credentials, fails fast (no IMDS or file
 * probing) without them, and leaves the other providers out.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CDK_VARIANT, FULL_CHAIN_VARIANT, bundleFile, floorSource, type Sizes } from '../../bench/lib/bundle';

jest.setTimeout(60000);

let dir: string;
let trimmed: { file: string; sizes: Sizes };
let full: { file: string; sizes: Sizes };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-creds-'));
  const source = { contents: floorSource(['dynamodb-document', 'apigw-management']) };
  const build = async (variant: typeof CDK_VARIANT, name: string) => {
    const file = path.join(dir, `${name}.js`);
    return { file, sizes: await bundleFile(source, file, variant) };
  };
  [trimmed, full] = await Promise.all([build(CDK_VARIANT, 'trimmed'), build(FULL_CHAIN_VARIANT, 'full')]);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Resolves both clients' credentials in a fresh Node process with only `env`. */
function resolveCredentials(file: string, env: Record<string, string>) {
  const script = `
    const m = require(process.argv[1]);
    const t = Date.now();
    Promise.all([m.ddb.config.credentials(), m.mgmt.config.credentials()]).then(
      (c) => console.log(JSON.stringify({ ok: true, ids: c.map((x) => x.accessKeyId), token: c[0].sessionToken, ms: Date.now() - t })),
      (e) => console.log(JSON.stringify({ ok: false, name: e.name, ms: Date.now() - t })),
    );`;
  const r = spawnSync(process.execPath, ['-e', script, file], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', HOME: dir, ...env },
    timeout: 30000,
  });
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { ok: boolean; ids?: string[]; token?: string; name?: string; ms: number };
}

it("signs with the execution role's credentials from the environment, as Lambda provides them", () => {
  const out = resolveCredentials(trimmed.file, { AWS_ACCESS_KEY_ID: 'ASIATESTKEY', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session-token' });
  expect(out).toMatchObject({ ok: true, ids: ['ASIATESTKEY', 'ASIATESTKEY'], token: 'session-token' });
});

it('without credentials in the environment it fails at once instead of probing files or the instance metadata service', () => {
  const out = resolveCredentials(trimmed.file, {});
  expect(out.ok).toBe(false);
  expect(out.name).toBe('CredentialsProviderError');
  expect(out.ms).toBeLessThan(1000);
});

it('leaves out the unused credential providers: the bundle is over 80 KB smaller', () => {
  expect(full.sizes.total - trimmed.sizes.total).toBeGreaterThan(80 * 1024);
  const dropped = full.sizes.byPackage.map(([p]) => p).filter((p) => !trimmed.sizes.byPackage.some(([q]) => q === p));
  expect(dropped).toEqual(expect.arrayContaining(['@aws-sdk/credential-provider-ini', '@aws-sdk/credential-provider-sso']));
});

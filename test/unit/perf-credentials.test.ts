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
/** A DynamoDB GetItem as the adapters send it, bundled like a handler, against an endpoint given at run time. */
let getItem: string;
let getItemPackages: string[];
const GET_ITEM_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
export const get = (endpoint: string) =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, maxAttempts: 1 })).send(new GetCommand({ TableName: 'Main', Key: { pk: 'a', sk: 'b' } }));
`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-creds-'));
  const source = { contents: floorSource(['dynamodb-document', 'apigw-management']) };
  const build = async (variant: typeof CDK_VARIANT, name: string) => {
    const file = path.join(dir, `${name}.js`);
    return { file, sizes: await bundleFile(source, file, variant) };
  };
  [trimmed, full] = await Promise.all([build(CDK_VARIANT, 'trimmed'), build(FULL_CHAIN_VARIANT, 'full')]);
  getItem = path.join(dir, 'get-item.js');
  getItemPackages = (await bundleFile({ contents: GET_ITEM_SOURCE }, getItem, CDK_VARIANT)).byPackage.map(([p]) => p);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Resolves both clients' credentials in a fresh Node process with only `env`. */
function resolveCredentials(file: string, env: Record<string, string>) {
  const script = `
    const m = require(process.argv[1]);
    const t = Date.now();
    Promise.all([m.ddb.config.credentials(), m.mgmt.config.credentials()]).then(
      (c) => console.log(JSON.stringify({ ok: true, ids: c.map((x) => x.accessKeyId), token: c[0].sessionToken, ms: Date.now() - t })),
      (e) => console.log(JSON.stringify({ ok: false, name: e.name, message: e.message, ms: Date.now() - t })),
    );`;
  const r = spawnSync(process.execPath, ['-e', script, file], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', HOME: dir, ...env },
    timeout: 30000,
  });
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { ok: boolean; ids?: string[]; token?: string; name?: string; message?: string; ms: number };
}

it("signs with the execution role's credentials from the environment, as Lambda provides them", () => {
  const out = resolveCredentials(trimmed.file, { AWS_ACCESS_KEY_ID: 'ASIATESTKEY', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session-token' });
  expect(out).toMatchObject({ ok: true, ids: ['ASIATESTKEY', 'ASIATESTKEY'], token: 'session-token' });
});

it('signs a real DynamoDB request with those credentials (SigV4 with the session token)', () => {
  // Bundled with the trim: the environment provider only.
  expect(getItemPackages).toContain('@aws-sdk/credential-provider-env');
  expect(getItemPackages).not.toContain('@aws-sdk/credential-provider-ini');
  // The child serves a local "DynamoDB" that records the request's headers and answers an empty GetItem.
  const script = `
    const http = require('node:http');
    const m = require(process.argv[1]);
    let seen;
    const server = http.createServer((req, res) => {
      seen = { authorization: req.headers.authorization, token: req.headers['x-amz-security-token'], target: req.headers['x-amz-target'] };
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }); res.end('{}'); });
    });
    server.listen(0, '127.0.0.1', () => {
      m.get('http://127.0.0.1:' + server.address().port).then(
        (out) => console.log(JSON.stringify({ ok: true, item: out.Item ?? null, seen })),
        (e) => console.log(JSON.stringify({ ok: false, name: e.name, seen })),
      ).finally(() => server.close());
    });`;
  const r = spawnSync(process.execPath, ['-e', script, getItem], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      HOME: dir,
      AWS_ACCESS_KEY_ID: 'ASIATESTKEY',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session-token',
    },
    timeout: 30000,
  });
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  expect(out).toMatchObject({ ok: true, item: null, seen: { token: 'session-token', target: 'DynamoDB_20120810.GetItem' } });
  expect(out.seen.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIATESTKEY\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=.*x-amz-security-token.*, Signature=[0-9a-f]{64}$/);
});

it('without credentials in the environment it fails at once instead of probing files or the instance metadata service', () => {
  const out = resolveCredentials(trimmed.file, {});
  expect(out.ok).toBe(false);
  expect(out.name).toBe('CredentialsProviderError');
  // The environment provider's own refusal, not the default chain's "Could not load credentials from any providers"
  // after trying files, SSO, web identity, containers and IMDS.
  expect(out.message).toMatch(/environment variable/i);
  expect(out.message).not.toMatch(/any providers/i);
});

it('leaves out the unused credential providers: the bundle is over 80 KB smaller', () => {
  expect(full.sizes.total - trimmed.sizes.total).toBeGreaterThan(80 * 1024);
  const dropped = full.sizes.byPackage.map(([p]) => p).filter((p) => !trimmed.sizes.byPackage.some(([q]) => q === p));
  expect(dropped).toEqual(expect.arrayContaining(['@aws-sdk/credential-provider-ini', '@aws-sdk/credential-provider-sso']));
});

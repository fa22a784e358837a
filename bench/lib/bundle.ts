/**
 * Bundle benchmark core (used by `npm run bench:bundle` and test/unit/perf-bundle.test.ts).
 *
 * Every function of lib/wiring.ts is bundled the way lib/functions.ts (CDK NodejsFunction) bundles it: esbuild,
 * CJS, target node22, minified, mainFields module,main, the AWS SDK bundled, its credential chain aliased to the
 * environment link (the last two shared with lib/functions.ts through lib/bundling.ts). From the metafile we split
 * the minified output into the project's own code and dependencies (by package).
 *
 * The reference ("floor") for each handler is a file that only constructs the SDK clients that handler NEEDS
 * according to wiring: a DynamoDB document client if it touches a table, an API Gateway Management API client
 * if it may PostToConnection, an S3 client if it has grants on the uploads bucket. A function's `nodeModules`
 * (sharp) are external, as lib/functions.ts ships them beside the bundle. Budgets (issue #6): own code <= 40 KB; bundle <= floor + 60 KB; import time <= 1.2 x
 * the floor's (measured by bench/bundle.ts only — timing does not belong in a deterministic test).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { ESBUILD_ALIAS, MAIN_FIELDS } from '../../lib/bundling';
import { FUNCTIONS, type FunctionDef, type FunctionKey } from '../../lib/wiring';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const BUDGET = { ownBytes: 40 * 1024, overFloorBytes: 60 * 1024, importRatio: 1.2 } as const;

export interface Variant {
  name: string;
  /** esbuild mainFields (undefined = esbuild's default for platform node: main,module). */
  mainFields?: string[];
  /** Alias @aws-sdk/credential-provider-node to the env-only provider (lib/bundling.ts ESBUILD_ALIAS). */
  trimCredentials: boolean;
}

/** Exactly what lib/functions.ts does: the budgets are judged on this one. */
export const CDK_VARIANT: Variant = { name: 'cdk', mainFields: MAIN_FIELDS, trimCredentials: true };
/** CDK with the SDK's full default credential chain (no alias): shows what the trim buys. */
export const FULL_CHAIN_VARIANT: Variant = { name: 'cdk-full-credential-chain', mainFields: MAIN_FIELDS, trimCredentials: false };
/** CDK with esbuild's default mainFields (CommonJS builds of the SDK): shows what mainFields buys. */
export const DEFAULT_VARIANT: Variant = { name: 'esbuild-default-mainFields', trimCredentials: true };

export interface Sizes {
  total: number;
  own: number;
  deps: number;
  /** Minified bytes by package (node_modules/<pkg>), largest first. */
  byPackage: [string, number][];
}

export interface BundleResult {
  key: FunctionKey | string;
  entry: string;
  outfile: string;
  sizes: Sizes;
}

export function packageOf(input: string): string | null {
  const i = input.lastIndexOf('node_modules/');
  if (i < 0) return null;
  const rest = input.slice(i + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

export function sizesFrom(meta: Metafile): Sizes {
  const out = Object.values(meta.outputs)[0];
  let own = 0;
  const pkgs = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
    const pkg = packageOf(input);
    if (pkg === null) own += bytesInOutput;
    else pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + bytesInOutput);
  }
  // Whatever esbuild adds outside any input (runtime helpers, the CJS wrapper) counts as ours.
  const inputsTotal = own + [...pkgs.values()].reduce((a, b) => a + b, 0);
  own += out.bytes - inputsTotal;
  return { total: out.bytes, own, deps: out.bytes - own, byPackage: [...pkgs.entries()].sort((a, b) => b[1] - a[1]) };
}

/**
 * Bundle a file, or source text (`{ contents }`, resolved from the repository root). `external`: packages left out of
 * the bundle, as lib/functions.ts leaves a FunctionDef's `nodeModules` (sharp: native code installed for
 * linux-arm64 beside the bundle, not bundled) — they are not part of the bundle's size.
 */
export async function bundleFile(entry: string | { contents: string }, outfile: string, variant: Variant, external: string[] = []): Promise<Sizes> {
  const result = await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: REPO_ROOT, loader: 'ts' as const, sourcefile: 'floor.ts' } }),
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: REPO_ROOT,
    ...(external.length ? { external } : {}),
    ...(variant.mainFields ? { mainFields: variant.mainFields } : {}),
    ...(variant.trimCredentials ? { alias: { ...ESBUILD_ALIAS } } : {}),
  });
  return sizesFrom(result.metafile);
}

export type SdkClient = 'dynamodb-document' | 'apigw-management' | 's3';

/** The SDK clients a function needs, from wiring (not from what it happens to import). */
export function clientsNeeded(def: FunctionDef): SdkClient[] {
  const clients: SdkClient[] = [];
  if (Object.keys(def.tables).length > 0) clients.push('dynamodb-document');
  if (def.manageConnections) clients.push('apigw-management');
  if (def.uploads?.length) clients.push('s3');
  return clients;
}

/** Source of a floor file: construct exactly these clients, as the adapters do, and nothing else. */
export function floorSource(clients: SdkClient[]): string {
  const lines: string[] = [];
  if (clients.includes('dynamodb-document')) {
    lines.push(
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      'export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }), { marshallOptions: { removeUndefinedValues: true } });',
    );
  }
  if (clients.includes('apigw-management')) {
    lines.push(
      "import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';",
      "export const mgmt = new ApiGatewayManagementApiClient({ endpoint: 'https://example.execute-api.us-east-1.amazonaws.com/prod', maxAttempts: 3 });",
    );
  }
  if (clients.includes('s3')) {
    lines.push("import { S3Client } from '@aws-sdk/client-s3';", 'export const s3 = new S3Client({ maxAttempts: 3 });');
  }
  if (lines.length === 0) lines.push('export const nothing = 0;');
  return `${lines.join('\n')}\n`;
}

export interface HandlerReport {
  key: string;
  entry: string;
  clients: SdkClient[];
  bundle: Sizes;
  outfile: string;
  floorName: string;
  floor: Sizes;
  floorOutfile: string;
}

/** Bundles every handler and every distinct floor under `outDir`. */
export async function bundleAll(variant: Variant, outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bundle-'))): Promise<HandlerReport[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const floors = new Map<string, Promise<{ sizes: Sizes; outfile: string }>>();
  const floorFor = (clients: SdkClient[]) => {
    const name = clients.length ? clients.join('+') : 'none';
    let p = floors.get(name);
    if (!p) {
      const outfile = path.join(outDir, `floor-${name}.js`);
      p = bundleFile({ contents: floorSource(clients) }, outfile, variant).then((sizes) => ({ sizes, outfile }));
      floors.set(name, p);
    }
    return { name, p };
  };
  const keys = Object.keys(FUNCTIONS) as FunctionKey[];
  return Promise.all(
    keys.map(async (key) => {
      const def: FunctionDef = FUNCTIONS[key];
      const clients = clientsNeeded(def);
      const outfile = path.join(outDir, `${key}.js`);
      const floor = floorFor(clients);
      const [bundle, f] = await Promise.all([bundleFile(path.join(REPO_ROOT, def.entry), outfile, variant, def.nodeModules ?? []), floor.p]);
      return { key, entry: def.entry, clients, bundle, outfile, floorName: floor.name, floor: f.sizes, floorOutfile: f.outfile };
    }),
  );
}

/**
 * Time to `require` a bundle in a fresh Node process, `runs` times; the child reports, around the require only
 * (process start excluded), the wall time and the CPU time (user + system) it took. CPU time is what the budget is
 * judged on: on a shared machine wall time mostly measures the neighbours.
 */
export function importTimes(file: string, runs: number, env: Record<string, string> = {}): { wallMs: number[]; cpuMs: number[] } {
  const script =
    'const c0=process.cpuUsage();const t0=process.hrtime.bigint();require(process.argv[1]);const t1=process.hrtime.bigint();const c=process.cpuUsage(c0);' +
    'process.stdout.write(JSON.stringify([Number(t1-t0)/1e6,(c.user+c.system)/1e3]))';
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', script, file], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...env },
      timeout: 30000,
    });
    if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr}`);
    const [w, c] = JSON.parse(r.stdout) as [number, number];
    wallMs.push(w);
    cpuMs.push(c);
  }
  return { wallMs, cpuMs };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

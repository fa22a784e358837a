/**
 * `npm run bench:bundle` — per handler: minified bundle size (own code vs dependencies) and import time in a fresh
 * Node process, beside the SDK floor (a file that only constructs the SDK clients that handler needs).
 *
 *   BENCH_RUNS=11   import-time samples per file (median reported; handler and floor samples interleaved)
 *
 * Three variants: `cdk` (exactly lib/functions.ts: budgets are judged on it), `cdk-full-credential-chain` (without
 * the credential alias of lib/bundling.ts) and `esbuild-default-mainFields` (sizes only).
 *
 * Writes bench/results/bundle.json. Exits 1 when a budget is missed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BUDGET,
  CDK_VARIANT,
  DEFAULT_VARIANT,
  FULL_CHAIN_VARIANT,
  REPO_ROOT,
  bundleAll,
  importTimes,
  kb,
  median,
  type HandlerReport,
  type Variant,
} from './lib/bundle';
import { machine } from './lib/machine';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);

interface Row {
  key: string;
  total: number;
  own: number;
  deps: number;
  floor: string;
  floorBytes: number;
  overFloor: number;
  /** Medians: CPU ms (judged) and wall ms (noisy here), handler and floor. */
  importMs?: number;
  floorImportMs?: number;
  importWallMs?: number;
  floorImportWallMs?: number;
  ratio?: number;
  ok: { own: boolean; size: boolean; import?: boolean };
}

function rows(reports: HandlerReport[], timed: boolean): Row[] {
  return reports.map((r) => {
    const row: Row = {
      key: r.key,
      total: r.bundle.total,
      own: r.bundle.own,
      deps: r.bundle.deps,
      floor: r.floorName,
      floorBytes: r.floor.total,
      overFloor: r.bundle.total - r.floor.total,
      ok: { own: r.bundle.own <= BUDGET.ownBytes, size: r.bundle.total - r.floor.total <= BUDGET.overFloorBytes },
    };
    if (timed) {
      // Interleave handler and floor samples so drift in machine load hits both alike.
      const h = { wallMs: [] as number[], cpuMs: [] as number[] };
      const f = { wallMs: [] as number[], cpuMs: [] as number[] };
      for (let i = 0; i < RUNS; i++) {
        const a = importTimes(r.outfile, 1);
        const b = importTimes(r.floorOutfile, 1);
        h.wallMs.push(...a.wallMs);
        h.cpuMs.push(...a.cpuMs);
        f.wallMs.push(...b.wallMs);
        f.cpuMs.push(...b.cpuMs);
      }
      row.importMs = median(h.cpuMs);
      row.floorImportMs = median(f.cpuMs);
      row.importWallMs = median(h.wallMs);
      row.floorImportWallMs = median(f.wallMs);
      row.ratio = row.importMs / row.floorImportMs;
      // A floor without SDK clients imports in ~1 ms: a ratio to it means nothing, so it is not judged.
      row.ok.import = r.clients.length === 0 ? undefined : row.ratio <= BUDGET.importRatio;
    }
    return row;
  });
}

function print(variant: Variant, rs: Row[]): void {
  console.log(`\n== ${variant.name} (mainFields ${variant.mainFields?.join(',') ?? 'default'}, credentials ${variant.trimCredentials ? 'env only' : 'full chain'})`);
  console.log('function              total KB  own KB  deps KB  floor                        floor KB  +floor KB  cpu ms  floor cpu  ratio  (wall ms  floor wall)');
  for (const r of rs) {
    const flag = (ok: boolean | undefined) => (ok === false ? '!' : ' ');
    console.log(
      [
        r.key.padEnd(20),
        kb(r.total).padStart(9),
        (kb(r.own) + flag(r.ok.own)).padStart(8),
        kb(r.deps).padStart(8),
        ` ${r.floor.padEnd(28)}`,
        kb(r.floorBytes).padStart(8),
        (kb(r.overFloor) + flag(r.ok.size)).padStart(10),
        (r.importMs?.toFixed(1) ?? '-').padStart(10),
        (r.floorImportMs?.toFixed(1) ?? '-').padStart(9),
        ((r.ratio?.toFixed(2) ?? '-') + flag(r.ok.import)).padStart(7),
        `  (${r.importWallMs?.toFixed(1) ?? '-'}  ${r.floorImportWallMs?.toFixed(1) ?? '-'})`,
      ].join(' '),
    );
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bundle-'));
  const results: Record<string, { variant: Variant; rows: Row[]; topPackages: [string, number][] }> = {};
  for (const variant of [DEFAULT_VARIANT, CDK_VARIANT, FULL_CHAIN_VARIANT]) {
    const reports = await bundleAll(variant, path.join(out, variant.name));
    const timed = variant !== DEFAULT_VARIANT && process.env.BENCH_NO_IMPORT !== '1';
    const rs = rows(reports, timed);
    print(variant, rs);
    const send = reports.find((r) => r.key === 'wsSendMessage');
    results[variant.name] = { variant, rows: rs, topPackages: send?.bundle.byPackage.slice(0, 8) ?? [] };
    console.log(`   wsSendMessage's largest packages: ${results[variant.name].topPackages.map(([p, b]) => `${p} ${kb(b)}`).join(', ')}`);
  }
  // Budgets are judged on what is deployed (the CDK variant); the others only show what a setting buys.
  const failed = Object.values(results)
    .filter((r) => r.variant === CDK_VARIANT)
    .flatMap((r) => r.rows.filter((x) => !x.ok.own || !x.ok.size || x.ok.import === false).map((x) => `${r.variant.name}/${x.key}`));
  const report = { ranAt: new Date().toISOString(), machine: machine(), runs: RUNS, budget: BUDGET, results, failed, seconds: (Date.now() - started) / 1000 };
  fs.mkdirSync(path.join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(REPO_ROOT, 'bench', 'results', 'bundle.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.rmSync(out, { recursive: true, force: true });
  console.log(`\n${failed.length ? `over budget: ${failed.join(', ')}` : 'all bundle budgets met'} (${report.seconds.toFixed(0)} s; load ${report.machine.loadavg.join(' ')})`);
  if (failed.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

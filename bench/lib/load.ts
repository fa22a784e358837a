/**
 * Helpers for `npm run bench:load`: percentiles, process CPU/memory from /proc, process trees, CPU profiles, and small
 * async utilities. The run itself: bench/load.ts (main), load-stack.ts, load-client.ts, load-phases.ts.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s[s.length - 1] ?? NaN) };
}

const CLK_TCK = 100; // Linux USER_HZ

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident memory in MB, from /proc/<pid>/status. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** All descendants of `pid` (children first), from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Hotspot {
  fn: string;
  where: string;
  selfMs: number;
  share: number;
}

/** Self time by function of a V8 .cpuprofile, largest first; `(idle)` and `(program)` kept so shares are honest. */
export function hotspots(file: string, top = 25): { totalMs: number; byFunction: Hotspot[]; byArea: Record<string, number> } {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000));
  const agg = new Map<string, Hotspot>();
  const areas: Record<string, number> = {};
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    if (!n) continue;
    total += ms;
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const short = url.replace(/.*\/node_modules\//, '').replace(/.*\/(lambdas|local|lib)\//, '$1/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${short}:${n.callFrame.lineNumber + 1}`;
    const h = agg.get(key) ?? { fn: n.callFrame.functionName || '(anonymous)', where: `${short}:${n.callFrame.lineNumber + 1}`, selfMs: 0, share: 0 };
    h.selfMs += ms;
    agg.set(key, h);
    areas[areaOf(url, n.callFrame.functionName)] = (areas[areaOf(url, n.callFrame.functionName)] ?? 0) + ms;
  }
  const byFunction = [...agg.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top)
    .map((h) => ({ ...h, selfMs: Math.round(h.selfMs), share: Math.round((h.selfMs / total) * 1000) / 10 }));
  return {
    totalMs: Math.round(total),
    byFunction,
    byArea: Object.fromEntries(Object.entries(areas).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v / total) * 1000) / 10])),
  };
}

function areaOf(url: string, fn: string): string {
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'gc';
  if (fn === '(program)') return 'v8/native';
  if (url.includes('/node_modules/@aws-sdk/') || url.includes('/node_modules/@smithy/')) return 'aws-sdk';
  if (url.includes('/node_modules/ws/')) return 'ws';
  if (url.includes('/node_modules/@aws-lambda-powertools/')) return 'powertools';
  if (url.includes('/node_modules/')) return `dep:${url.replace(/.*\/node_modules\//, '').split('/')[0]}`;
  if (url.includes('/lambdas/')) return 'lambdas';
  if (url.includes('/local/')) return 'local';
  if (url.startsWith('node:') || url === '') return 'node core';
  return 'other';
}

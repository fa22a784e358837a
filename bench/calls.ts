/**
 * `npm run bench:calls` — DynamoDB requests, consumed capacity and PostToConnection calls per user action, with
 * 10, 1,000 and 10,000 other users (and their connections) stored. Starts its own in-memory DynamoDB Local and
 * local stack on a free port; writes bench/results/calls.json (read by `npm run bench:cost`).
 *
 *   BENCH_SCALES=10,1000,10000   the other-user counts
 */
import '../test/quiet-sdk';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestStack } from '../test/support/stack';
import { ACTIONS, BENCH_IMAGE, Population, differences, measureActions, type Accounting, type Timings } from './lib/calls';
import { machine } from './lib/machine';

const SCALES = (process.env.BENCH_SCALES ?? '10,1000,10000').split(',').map(Number);
/** Issue #6 (scans, flat) and issue #15 (batched connection lookups: requests; write units per message: a target). */
const BUDGET = { scans: 0, sendMessageRequests: 3, notify1000Requests: 60, connect1000FriendsRequests: 15, sendMessageWruTarget: 10 };

async function main(): Promise<void> {
  const started = Date.now();
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const stack = await startTestStack({ countCalls: true, log: 'error' });
  const population = new Population(stack);
  const byScale: Record<string, Accounting> = {};
  const timings: Record<string, Timings> = {};
  try {
    for (const n of SCALES) {
      const t = Date.now();
      await population.growTo(n);
      console.error(`stored ${n} other users in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      timings[String(n)] = {};
      byScale[String(n)] = await measureActions(stack, population, { images: true, timings: timings[String(n)] });
    }
  } finally {
    population.close();
    await stack.stop();
  }

  const last = byScale[String(SCALES[SCALES.length - 1])];
  console.log(`\naction            DynamoDB requests (by operation)                               RRU  WRU local (GSI)  WRU billed  PostToConnection  (same at ${SCALES.join(' / ')}?)`);
  const diffs = differences(byScale);
  for (const action of ACTIONS) {
    const f = last[action];
    if (!f) continue;
    const ops = Object.entries(f.ops).map(([k, v]) => `${k} ${v}`).join(', ');
    const flat = diffs.some((d) => d.startsWith(`${action}:`)) ? 'NO' : 'yes';
    console.log(
      `${action.padEnd(17)} ${String(f.requests).padStart(4)}  ${ops.padEnd(55)} ${String(f.rcu).padStart(6)} ${String(f.wcu).padStart(6)} (${String(f.wcuIndexes).padStart(3)}) ${String(f.wruBilled).padStart(10)} ${String(f.postToConnection).padStart(12)}          ${flat}`,
    );
  }
  console.log(`\nimage message (a ${BENCH_IMAGE.width}x${BENCH_IMAGE.height} JPEG): S3 requests at the local S3 endpoint, by operation, and bytes`);
  for (const action of ACTIONS) {
    const f = last[action];
    if (!f || !f.s3Requests) continue;
    const ops = Object.entries(f.s3).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`${action.padEnd(17)} ${String(f.s3Requests).padStart(4)}  ${ops.padEnd(70)} in ${String(f.s3BytesIn).padStart(8)} B  out ${String(f.s3BytesOut).padStart(8)} B  (${Object.entries(f.s3Bytes).map(([k, v]) => `${k} ${v} B`).join(', ')})`);
  }
  const processMs = Object.values(timings).map((t) => t.imageProcessMs ?? 0);
  console.log(`processing (upload answered -> attachment frame, this machine, a rough figure): ${processMs.join(' / ')} ms`);
  const scans = Object.values(byScale).flatMap((acc) => Object.values(acc)).reduce((n, f) => n + (f.ops.Scan ?? 0), 0);
  const failures = [
    ...(scans > BUDGET.scans ? [`${scans} Scan(s)`] : []),
    ...(last.sendMessage.requests > BUDGET.sendMessageRequests ? [`sendMessage makes ${last.sendMessage.requests} DynamoDB requests (budget ${BUDGET.sendMessageRequests})`] : []),
    ...(last.notify1000.requests > BUDGET.notify1000Requests ? [`a 1,000-recipient notification makes ${last.notify1000.requests} requests (budget ${BUDGET.notify1000Requests})`] : []),
    ...(last.connect1000Friends.requests > BUDGET.connect1000FriendsRequests
      ? [`a connect with 1,000 friends makes ${last.connect1000Friends.requests} requests (budget ${BUDGET.connect1000FriendsRequests})`]
      : []),
    ...diffs.map((d) => `not flat: ${d}`),
  ];
  const report = { ranAt: new Date().toISOString(), machine: machine(), scales: SCALES, budget: BUDGET, image: BENCH_IMAGE, byScale, timings, failures, seconds: (Date.now() - started) / 1000 };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'calls.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `\nScans: ${scans} (budget 0); sendMessage: ${last.sendMessage.requests} requests (budget <= ${BUDGET.sendMessageRequests}); ` +
      `notification to 1,000: ${last.notify1000.requests} (budget <= ${BUDGET.notify1000Requests}); connect with 1,000 friends: ${last.connect1000Friends.requests} ` +
      `(budget <= ${BUDGET.connect1000FriendsRequests}); flat across ${SCALES.join(' / ')}: ${diffs.length ? 'NO' : 'yes'}`,
  );
  // Not a failure: the floor of the guarantees is above it (docs/PERFORMANCE.md §1, "Write units per message").
  const wru = last.sendMessage.wruBilled;
  console.log(`sendMessage: ${wru} billed write units (issue #15 target <= ${BUDGET.sendMessageWruTarget}: ${wru <= BUDGET.sendMessageWruTarget ? 'met' : 'NOT met — see docs/PERFORMANCE.md §1'})`);
  console.log(failures.length ? `FAILED: ${failures.join('; ')}` : `all call budgets met (${report.seconds.toFixed(0)} s)`);
  if (failures.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

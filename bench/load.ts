/**
 * `npm run bench:load` — bounded local load test, loopback only.
 *
 * Starts DynamoDB Local (in memory) and `npm start` against it (its own port, no demo data), then:
 *  1. storage bound B (after a discarded warm-up round): the DynamoDB requests one sendMessage makes (the same adapters: the chat transaction, then the
 *     recipient's and the sender's connection queries), issued straight from the SDK in this process with the same
 *     concurrency and pairing as step 3, as messages/s — the most the local stack could do if the gateway and
 *     handlers cost nothing;
 *  2. connects C WebSocket clients (C/2 friend pairs);
 *  3. saturated: every client sends to its partner as fast as acks come back (one in flight each) for T seconds;
 *  4. paced: R messages/s in total (default 0.5 x B) spread over the clients for T seconds; end-to-end delivery
 *     latency (send -> the recipient's `message` frame), ack latency, errors, lost messages.
 * The stack process's CPU (user + system, in cores) and memory come from /proc; DynamoDB Local's (java) beside it.
 * Goals (issue #6): saturated throughput >= 0.8 x B; p99 delivery <= 25 ms at 0.5 x B with 200 clients.
 *
 *   BENCH_CLIENTS=200  BENCH_SECONDS=10  BENCH_RATE=<msgs/s; default 0.5 x B>
 *   BENCH_PROFILE=1    also write a CPU profile of the stack process (node --cpu-prof) and print where time goes
 *   BENCH_STACK_LOG=warn  show the stack's own log;  BENCH_DEBUG=1  frame counts per type and per client
 *
 * Writes bench/results/load.json (and bench/results/load-profile.json with BENCH_PROFILE=1).
 */
import '../test/quiet-sdk';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDynamoLocal } from '../local/dynamo';
import { hotspots, mapLimit, sleep } from './lib/load';
import { Client } from './lib/load-client';
import { paced, saturated, storageBound, usageMeter, type PhaseResult } from './lib/load-phases';
import { PREFIX, startUnderTest, stopUnderTest, type Under } from './lib/load-stack';
import { machine } from './lib/machine';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PROFILE = process.env.BENCH_PROFILE === '1';
const GOALS = { saturatedVsBound: 0.8, p99DeliveryMs: 25, atBoundShare: 0.5, clients: 200 };
const REPO = path.resolve(__dirname, '..');
const RESULTS = path.join(REPO, 'bench', 'results');

if (CLIENTS < 2 || CLIENTS % 2) throw new Error('BENCH_CLIENTS must be an even number >= 2');

// ---------- main ----------

async function main(): Promise<void> {
  const started = Date.now();
  const profileDir = PROFILE ? fs.mkdtempSync(path.join(os.tmpdir(), 'parley-prof-')) : undefined;
  console.error('starting DynamoDB Local and npm start ...');
  const dynamo = await startDynamoLocal({});
  let under: Under | undefined;
  const clients: Client[] = [];
  try {
    under = await startUnderTest(dynamo.endpoint, dynamo.credentials, profileDir);
    Object.assign(process.env, {
      TABLE_NAME: `${PREFIX}Main`,
      CONNECTIONS_TABLE: `${PREFIX}Connections`,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: dynamo.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: dynamo.credentials.secretAccessKey,
    });
    const { DynamoFriendStore } = await import('../lambdas/adapters/dynamo/friend-store');
    const friends = new DynamoFriendStore(`${PREFIX}Main`);
    const pairsOf = (prefix: string): [string, string][] =>
      Array.from({ length: CLIENTS / 2 }, (_, i) => [`${prefix}-${i}-a`, `${prefix}-${i}-b`]);
    const wsPairs = pairsOf('load');
    const boundPairs = pairsOf('bound');
    await mapLimit([...wsPairs, ...boundPairs], 16, ([a, b]) => friends.befriend(a, b, new Map()));

    // DynamoDB Local (a JVM) and this process's SDK code run slowly until JIT-warm: a discarded first round.
    console.error('warming DynamoDB Local up ...');
    await storageBound(boundPairs, Math.max(3, SECONDS / 2));
    console.error(`storage bound: ${SECONDS} s of sendMessage's DynamoDB requests straight from the SDK, ${CLIENTS} senders ...`);
    const boundUsage = usageMeter(under.pid, dynamo.pid);
    const bound = await storageBound(boundPairs, SECONDS);
    const B = Math.round(bound.messagesPerSecond);
    const boundCpu = boundUsage();

    console.error(`connecting ${CLIENTS} clients ...`);
    const tokens = new Map<string, string>();
    const users = wsPairs.flat();
    await mapLimit(users, 16, async (u) => {
      const res = await fetch(`${under?.url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: u }) });
      tokens.set(u, ((await res.json()) as { token: string }).token);
    });
    for (const [a, b] of wsPairs) clients.push(new Client(a, b), new Client(b, a));
    for (let i = 0; i < clients.length; i += 25) await Promise.all(clients.slice(i, i + 25).map((c) => c.open((under as Under).url, tokens.get(c.userId) as string)));
    await sleep(1000); // presence pushes settle
    // Warm-up: every handler module loaded and JIT-warm before measuring.
    await Promise.all(clients.slice(0, 20).map((c) => c.send()));

    console.error(`saturated: ${SECONDS} s, ${CLIENTS} clients, one message in flight each ...`);
    const sat = await saturated(clients, SECONDS, dynamo.pid, under.pid);
    const rate = Number(process.env.BENCH_RATE ?? Math.max(1, Math.round(GOALS.atBoundShare * B)));
    console.error(`paced: ${rate} messages/s for ${SECONDS} s ...`);
    const pace = await paced(clients, rate, SECONDS, dynamo.pid, under.pid);

    if (process.env.BENCH_DEBUG) console.error('frames', Client.frames, 'sent', Client.sentAt.size);
    await mapLimit(clients, 25, (c) => c.close());
    await stopUnderTest(under);
    under = undefined;

    const ratio = Math.round((sat.throughput / B) * 100) / 100;
    const goals = {
      saturatedVsBound: { value: ratio, goal: `>= ${GOALS.saturatedVsBound}`, met: ratio >= GOALS.saturatedVsBound },
      p99DeliveryAtHalfBound: {
        value: pace.deliveryMs.p99,
        goal: `<= ${GOALS.p99DeliveryMs} ms at ${GOALS.atBoundShare} x B with ${GOALS.clients} clients`,
        met: pace.deliveryMs.p99 <= GOALS.p99DeliveryMs && CLIENTS >= GOALS.clients && rate >= GOALS.atBoundShare * B,
      },
      noLoss: { value: sat.lost + pace.lost + sat.errors + pace.errors, goal: '0 lost or refused', met: sat.lost + pace.lost + sat.errors + pace.errors === 0 },
    };

    let profile: ReturnType<typeof hotspots> | undefined;
    if (profileDir) {
      const files = fs.readdirSync(profileDir).map((f) => path.join(profileDir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
      if (files[0]) {
        profile = hotspots(files[0], 30);
        fs.writeFileSync(path.join(RESULTS, 'load-profile.json'), `${JSON.stringify({ ranAt: new Date().toISOString(), file: path.basename(files[0]), ...profile }, null, 2)}\n`);
      }
      fs.rmSync(profileDir, { recursive: true, force: true });
    }

    const report = {
      ranAt: new Date().toISOString(),
      machine: machine(),
      clients: CLIENTS,
      seconds: SECONDS,
      storageBound: { messagesPerSecond: B, errors: bound.errors, usage: boundCpu },
      saturated: sat,
      paced: { rate, ...pace },
      goals,
      profiled: PROFILE,
      totalSeconds: (Date.now() - started) / 1000,
    };
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, 'load.json'), `${JSON.stringify(report, null, 2)}\n`);

    const row = (name: string, p: PhaseResult) =>
      `${name.padEnd(24)} ${String(p.throughput).padStart(6)} msg/s  delivery p50/p95/p99 ${p.deliveryMs.p50}/${p.deliveryMs.p95}/${p.deliveryMs.p99} ms  ack p50/p99 ${p.ackMs.p50}/${p.ackMs.p99} ms  lost ${p.lost}  errors ${p.errors}  CPU stack ${p.usage.stackCores} java ${p.usage.javaCores} bench ${p.usage.benchCores} cores  RSS stack ${p.usage.stackRssMb} MB`;
    console.log(`\nstorage bound B          ${String(B).padStart(6)} msg/s  (sendMessage's DynamoDB requests straight from the SDK; java ${boundCpu.javaCores} cores)`);
    console.log(row('saturated', sat));
    console.log(row(`paced at ${rate}/s`, pace));
    console.log(`\nsaturated / B = ${ratio} (goal >= ${GOALS.saturatedVsBound}): ${goals.saturatedVsBound.met ? 'met' : 'NOT met'}`);
    console.log(`p99 delivery at ${rate}/s with ${CLIENTS} clients = ${pace.deliveryMs.p99} ms (goal <= ${GOALS.p99DeliveryMs} ms at 0.5 x B with 200 clients): ${goals.p99DeliveryAtHalfBound.met ? 'met' : 'NOT met'}`);
    console.log(`lost or refused: ${goals.noLoss.value}`);
    if (profile) {
      console.log(`\nstack process CPU profile (${profile.totalMs} ms sampled), share by area: ${Object.entries(profile.byArea).map(([k, v]) => `${k} ${v}%`).join(', ')}`);
      for (const h of profile.byFunction.slice(0, 15)) console.log(`  ${String(h.share).padStart(5)}%  ${h.fn}  ${h.where}`);
    }
    console.log(`(${report.totalSeconds.toFixed(0)} s; load average ${report.machine.loadavg.join(' ')})`);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    if (under) await stopUnderTest(under);
    await dynamo.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

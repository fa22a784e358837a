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
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startDynamoLocal, type DynamoCredentials } from '../local/dynamo';
import { cmdline, cpuSeconds, descendants, hotspots, rssMb, summarize, type Summary } from './lib/load';
import { machine } from './lib/machine';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PROFILE = process.env.BENCH_PROFILE === '1';
const GOALS = { saturatedVsBound: 0.8, p99DeliveryMs: 25, atBoundShare: 0.5, clients: 200 };
const PREFIX = 'bench-';
const REPO = path.resolve(__dirname, '..');
const RESULTS = path.join(REPO, 'bench', 'results');

if (CLIENTS < 2 || CLIENTS % 2) throw new Error('BENCH_CLIENTS must be an even number >= 2');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

// ---------- the stack under test ----------

interface Under {
  url: string;
  child: ChildProcess;
  /** The node process that runs local/main.ts. */
  pid: number;
}

async function startUnderTest(dynamoEndpoint: string, credentials: DynamoCredentials, profileDir?: string): Promise<Under> {
  const port = await freePort();
  const args = ['--port', String(port), '--no-seed', '--dynamo-endpoint', dynamoEndpoint, '--table-prefix', PREFIX, '--no-build-web', '--log', process.env.BENCH_STACK_LOG ?? 'error'];
  // `npm start` is `tsx local/main.ts`; node refuses --cpu-prof in NODE_OPTIONS, so a profiled run starts the same
  // program as `node --cpu-prof --import tsx local/main.ts`.
  const [cmd, argv] = profileDir
    ? [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', 'tsx', 'local/main.ts', ...args]]
    : ['npm', ['start', '--', ...args]];
  const child = spawn(cmd, argv, {
    cwd: REPO,
    detached: true, // its own process group, so it can be stopped whole
    stdio: ['ignore', process.env.BENCH_STACK_LOG ? 'inherit' : 'ignore', 'pipe'],
    env: {
      ...process.env,
      // The rate limiter still runs (its write is part of the chat transaction): only the limit is raised.
      RATE_LIMIT_SEND: '1000000/10',
      // DynamoDB Local keeps the tables under its own key (no -sharedDb).
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: process.env.BENCH_STACK_LOG ? 'WARN' : 'ERROR',
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.BENCH_STACK_LOG) process.stderr.write(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}): ${stderr.slice(-2000)}`);
    try {
      const res = await fetch(`${url}/dev/.well-known/jwks.json`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`npm start did not answer within 90 s: ${stderr.slice(-2000)}`);
    await sleep(250);
  }
  const main = [child.pid as number, ...descendants(child.pid as number)].filter((p) => /local\/main\.ts/.test(cmdline(p)));
  const pid = main[main.length - 1];
  if (!pid) throw new Error('could not find the stack process');
  return { url, child, pid };
}

async function stopUnderTest(u: Under): Promise<void> {
  const gone = new Promise<void>((r) => (u.child.exitCode !== null ? r() : u.child.once('exit', () => r())));
  try {
    process.kill(-(u.child.pid as number), 'SIGINT');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-(u.child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }, 20000);
  await gone;
  clearTimeout(timer);
  // --cpu-prof writes its file as the process exits; the stack process may outlive npm by a moment.
  for (let i = 0; i < 50 && fs.existsSync(`/proc/${u.pid}`); i++) await sleep(100);
}

// ---------- storage bound ----------

async function storageBound(pairs: [string, string][], seconds: number): Promise<{ messagesPerSecond: number; errors: number }> {
  const { appendChat } = await import('../lambdas/adapters/dynamo/messages/append-chat');
  const { DynamoConnectionStore } = await import('../lambdas/adapters/dynamo/connection-store');
  const { ulidIds } = await import('../lambdas/adapters/ids');
  const table = `${PREFIX}Main`;
  const connections = new DynamoConnectionStore(`${PREFIX}Connections`);
  const rate = { kind: 'send' as const, limit: 1000000, windowSeconds: 10 };
  let done = 0;
  let errors = 0;
  let seq = 0;
  const end = performance.now() + seconds * 1000;
  // One worker per sender, both sides of every pair: the same pairing and concurrency as the saturated phase.
  const workers = pairs.flatMap(([a, b]) => [
    [a, b],
    [b, a],
  ]);
  await Promise.all(
    workers.map(async ([from, to]) => {
      while (performance.now() < end) {
        const now = Date.now();
        const m = {
          id: ulidIds.next(now),
          fromUserId: from,
          toUserId: to,
          messageType: 'CHAT' as const,
          content: 'load test message of a typical length, about sixty chars',
          metadata: null,
          isRead: false,
          createdAt: new Date(now).toISOString(),
          clientMessageId: `b${seq++}`,
        };
        try {
          await appendChat(table, m, rate);
          await Promise.all([connections.live(to), connections.live(from)]);
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { messagesPerSecond: done / seconds, errors };
}

// ---------- WebSocket clients ----------

interface Stats {
  sent: number;
  acks: number;
  delivered: number;
  errors: number;
  ackMs: number[];
  deliveryMs: number[];
}

const newStats = (): Stats => ({ sent: 0, acks: 0, delivered: 0, errors: 0, ackMs: [], deliveryMs: [] });

class Client {
  private ws!: WebSocket;
  private waiting = new Map<string, () => void>();
  stats: Stats = newStats();
  /** Send times by clientMessageId, shared by all clients (sender and recipient live in this process). */
  static sentAt = new Map<string, number>();
  private static seq = 0;

  constructor(
    readonly userId: string,
    readonly partner: string,
  ) {}

  async open(url: string, token: string): Promise<void> {
    const wsUrl = `${url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`;
    this.ws = new WebSocket(wsUrl, { origin: url });
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
    });
    this.ws.on('message', (data) => this.onFrame(data.toString()));
  }

  static frames: Record<string, number> = {};

  private onFrame(text: string): void {
    const now = performance.now();
    if (process.env.BENCH_DEBUG) {
      const t = (JSON.parse(text) as { type: string }).type;
      Client.frames[t] = (Client.frames[t] ?? 0) + 1;
      if (t === 'error') console.error(text);
    }
    const f = JSON.parse(text) as { type: string; clientMessageId?: string; message?: { toUserId: string; clientMessageId: string } };
    if (f.type === 'ack' && f.clientMessageId) {
      const t = Client.sentAt.get(f.clientMessageId);
      if (t !== undefined) {
        this.stats.acks++;
        this.stats.ackMs.push(now - t);
      }
      this.waiting.get(f.clientMessageId)?.();
      this.waiting.delete(f.clientMessageId);
    } else if (f.type === 'message' && f.message && f.message.toUserId === this.userId) {
      const t = Client.sentAt.get(f.message.clientMessageId);
      if (t !== undefined) {
        this.stats.delivered++;
        this.stats.deliveryMs.push(now - t);
      }
    } else if (f.type === 'error') {
      this.stats.errors++;
      if (f.clientMessageId) {
        this.waiting.get(f.clientMessageId)?.();
        this.waiting.delete(f.clientMessageId);
      }
    }
  }

  /** Sends one message; resolves at its ack (or error). */
  send(): Promise<void> {
    const clientMessageId = `m${Client.seq++}`;
    const done = new Promise<void>((resolve) => this.waiting.set(clientMessageId, resolve));
    Client.sentAt.set(clientMessageId, performance.now());
    this.stats.sent++;
    this.ws.send(JSON.stringify({ action: 'sendMessage', to: this.partner, content: 'load test message of a typical length, about sixty chars', clientMessageId }));
    return done;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.ws || this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

function collect(clients: Client[]): Stats {
  const s = newStats();
  if (process.env.BENCH_DEBUG) console.error(clients.map((c) => `${c.userId}: sent ${c.stats.sent} acks ${c.stats.acks} got ${c.stats.delivered}`).join('\n'));
  for (const c of clients) {
    s.sent += c.stats.sent;
    s.acks += c.stats.acks;
    s.delivered += c.stats.delivered;
    s.errors += c.stats.errors;
    s.ackMs.push(...c.stats.ackMs);
    s.deliveryMs.push(...c.stats.deliveryMs);
    c.stats = newStats();
  }
  return s;
}

interface Usage {
  stackCores: number;
  javaCores: number;
  benchCores: number;
  stackRssMb: number;
  javaRssMb: number;
}

function usageMeter(stackPid: number, javaPid: number): () => Usage {
  const t0 = performance.now();
  const s0 = cpuSeconds(stackPid);
  const j0 = cpuSeconds(javaPid);
  const b0 = process.cpuUsage();
  return () => {
    const secs = (performance.now() - t0) / 1000;
    const b = process.cpuUsage(b0);
    const r = (x: number) => Math.round(x * 100) / 100;
    return {
      stackCores: r((cpuSeconds(stackPid) - s0) / secs),
      javaCores: r((cpuSeconds(javaPid) - j0) / secs),
      benchCores: r((b.user + b.system) / 1e6 / secs),
      stackRssMb: rssMb(stackPid),
      javaRssMb: rssMb(javaPid),
    };
  };
}

interface PhaseResult {
  seconds: number;
  sent: number;
  acked: number;
  delivered: number;
  lost: number;
  errors: number;
  throughput: number;
  ackMs: Summary;
  deliveryMs: Summary;
  usage: Usage;
}

function phaseResult(stats: Stats, seconds: number, usage: Usage): PhaseResult {
  return {
    seconds,
    sent: stats.sent,
    acked: stats.acks,
    delivered: stats.delivered,
    lost: stats.acks - stats.delivered,
    errors: stats.errors,
    throughput: Math.round(stats.delivered / seconds),
    ackMs: summarize(stats.ackMs),
    deliveryMs: summarize(stats.deliveryMs),
    usage,
  };
}

async function saturated(clients: Client[], seconds: number, javaPid: number, stackPid: number): Promise<PhaseResult> {
  collect(clients);
  const meter = usageMeter(stackPid, javaPid);
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) await c.send();
    }),
  );
  const elapsed = seconds + Math.max(0, (performance.now() - end) / 1000);
  const usage = meter();
  await sleep(500); // the last pushes
  return phaseResult(collect(clients), elapsed, usage);
}

async function paced(clients: Client[], rate: number, seconds: number, javaPid: number, stackPid: number): Promise<PhaseResult> {
  collect(clients);
  const meter = usageMeter(stackPid, javaPid);
  const start = performance.now();
  let sent = 0;
  let next = 0;
  const inflight: Promise<void>[] = [];
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; sent < due; sent++) {
      inflight.push(clients[next].send());
      next = (next + 1) % clients.length;
    }
    await sleep(2);
  }
  const usage = meter();
  await Promise.race([Promise.all(inflight), sleep(10000)]);
  await sleep(500);
  return phaseResult(collect(clients), seconds, usage);
}

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

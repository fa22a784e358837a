/** `npm run soak`: the run itself (pairs, clients stepping until the deadline, the drain, the checks) and its report. */
import { randomBytes } from 'node:crypto';
import { prng, SoakClient, sleep, Stats } from './soak-client';
import type { SoakTarget } from './soak-target';
import { verifyPair } from './soak-verify';

export interface SoakOptions {
  seconds: number;
  pairs: number;
  seed?: number;
  /** Keep going past `seconds` until this many messages are acked (a busy machine acks fewer per second), up to
   *  `maxSeconds` — so a test asks for an amount of work, not for a speed. */
  minAcked?: number;
  maxSeconds?: number;
  /** Progress lines on stderr. */
  progress?: (line: string) => void;
}

export interface SoakReport {
  seconds: number;
  pairs: number;
  clients: number;
  connectionsOpened: number;
  reconnects: { clean: number; abrupt: number; beforeAck: number };
  sendFrames: number;
  resends: number;
  messagesAcked: number;
  ackLatencyMs: { p50: number; p95: number; max: number };
  duplicateAcks: number;
  /** Resends answered with the message an earlier attempt had stored (that attempt's ack was lost). */
  recoveredByResend: number;
  rateLimited: number;
  errors: Record<string, number>;
  markRead: { frame: number; rest: number };
  restReads: number;
  typing: number;
  pushesReceived: number;
  unackedAtEnd: number;
  verified: { messagesInHistories: number; conversations: number; counters: number };
  violations: string[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function runSoak(target: SoakTarget, opts: SoakOptions): Promise<SoakReport> {
  const say = opts.progress ?? (() => undefined);
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rnd = prng(seed);
  const stats = new Stats();
  const run = randomBytes(3).toString('hex');
  const clients: SoakClient[] = [];
  for (let p = 0; p < opts.pairs; p++) {
    const [a, b] = [`soak-${run}-${p}a`, `soak-${run}-${p}b`];
    await target.befriend(a, b);
    clients.push(new SoakClient(a, b, target, stats, prng(Math.floor(rnd() * 2 ** 31))), new SoakClient(b, a, target, stats, prng(Math.floor(rnd() * 2 ** 31))));
  }
  await Promise.all(clients.map((c) => c.connect()));
  say(`soak: ${clients.length} clients in ${opts.pairs} pairs for ${opts.seconds} s (seed ${seed})`);

  const started = Date.now();
  const deadline = started + opts.seconds * 1000;
  const hardDeadline = started + Math.max(opts.seconds, opts.maxSeconds ?? opts.seconds) * 1000;
  const ackedSoFar = () => clients.reduce((n, c) => n + c.acked.length, 0);
  const keepGoing = () => {
    const now = Date.now();
    return now < deadline || (now < hardDeadline && ackedSoFar() < (opts.minAcked ?? 0));
  };
  const ticker = setInterval(() => {
    const acked = ackedSoFar();
    say(`  ${Math.round((Date.now() - started) / 1000)} s: ${acked} acked, ${stats.reconnects.clean + stats.reconnects.abrupt + stats.reconnects.beforeAck} reconnects, ${stats.violations.length} violations`);
  }, 15000);
  const nudger = setInterval(() => clients.forEach((c) => c.nudge(Date.now())), 1000);
  try {
    await Promise.all(
      clients.map(async (c) => {
        const r = prng(Math.floor(rnd() * 2 ** 31));
        while (keepGoing()) {
          await sleep(100 + r() * 300);
          try {
            await c.step();
          } catch (err) {
            stats.errors.client = (stats.errors.client ?? 0) + 1;
            say(`  ${c.userId}: ${(err as Error).message}`);
            await sleep(500);
          }
        }
      }),
    );
    // Drain: every client finishes its outbox (reconnecting if it must), bounded (generously: a busy machine is slow).
    const drainUntil = Date.now() + 120000;
    while (clients.some((c) => c.inflight) && Date.now() < drainUntil) {
      for (const c of clients) if (!c.connected) await c.connect().catch(() => undefined);
      await sleep(200);
    }
  } finally {
    clearInterval(ticker);
    clearInterval(nudger);
  }
  const unackedAtEnd = clients.filter((c) => c.inflight).length;
  const seconds = (Date.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  await sleep(500); // let the last $disconnects run

  say('soak: verifying histories and counters through the REST API');
  const verified = { messagesInHistories: 0, conversations: 0, counters: 0 };
  for (let i = 0; i < clients.length; i += 2) await verifyPair(clients[i], clients[i + 1], stats, verified);

  const lat = [...stats.latencies].sort((x, y) => x - y);
  return {
    seconds: Math.round(seconds),
    pairs: opts.pairs,
    clients: clients.length,
    connectionsOpened: stats.connectionsOpened,
    reconnects: stats.reconnects,
    sendFrames: stats.sendFrames,
    resends: stats.resends,
    messagesAcked: clients.reduce((n, c) => n + c.acked.length, 0),
    ackLatencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95), max: lat[lat.length - 1] ?? 0 },
    duplicateAcks: stats.duplicateAcks,
    recoveredByResend: stats.recoveredByResend,
    rateLimited: stats.rateLimited,
    errors: stats.errors,
    markRead: stats.markRead,
    restReads: stats.restReads,
    typing: stats.typing,
    pushesReceived: stats.pushesReceived,
    unackedAtEnd,
    verified,
    violations: stats.violations,
  };
}

export function formatReport(r: SoakReport): string {
  const errors = Object.entries(r.errors)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `duration                 ${r.seconds} s`,
    `clients                  ${r.clients} (${r.pairs} friend pairs)`,
    `connections opened       ${r.connectionsOpened}`,
    `reconnects               ${r.reconnects.clean} clean, ${r.reconnects.abrupt} abrupt, ${r.reconnects.beforeAck} dropped before the ack`,
    `sendMessage frames       ${r.sendFrames} (${r.resends} resends)`,
    `messages acked           ${r.messagesAcked} (${(r.messagesAcked / Math.max(1, r.seconds)).toFixed(1)}/s; ack p50 ${r.ackLatencyMs.p50} ms, p95 ${r.ackLatencyMs.p95} ms, max ${r.ackLatencyMs.max} ms)`,
    `resends answered with the original  ${r.recoveredByResend} (the first attempt was stored, its ack lost) + ${r.duplicateAcks} repeat acks`,
    `error frames             ${errors || 'none'} (RATE_LIMITED: retried later with the same clientMessageId)`,
    `markRead                 ${r.markRead.frame} frames, ${r.markRead.rest} REST`,
    `REST reads, typing       ${r.restReads}, ${r.typing}`,
    `pushes received          ${r.pushesReceived}`,
    `unacked at the end       ${r.unackedAtEnd}`,
    `verified                 ${r.verified.messagesInHistories} acked messages in both histories, ${r.verified.conversations} conversations, ${r.verified.counters} counters`,
    `violations               ${r.violations.length}${r.violations.length ? `\n  ${r.violations.slice(0, 20).join('\n  ')}` : ''}`,
  ].join('\n');
}

/**
 * `npm run bench:load`: the measured phases — the storage bound (sendMessage's DynamoDB requests straight from the
 * SDK), saturated and paced sending over WebSocket — and the CPU/memory meter around each.
 */
import { performance } from 'node:perf_hooks';
import { cpuSeconds, rssMb, sleep, summarize, type Summary } from './load';
import { collect, type Client, type Stats } from './load-client';
import { PREFIX } from './load-stack';

// ---------- storage bound ----------

export async function storageBound(pairs: [string, string][], seconds: number): Promise<{ messagesPerSecond: number; errors: number }> {
  // Imported only now: the adapters' DynamoDB client takes its endpoint and credentials from process.env, which main() sets first.
  const { appendChat } = await import('../../lambdas/adapters/dynamo/messages/append-chat');
  const { DynamoConnectionStore } = await import('../../lambdas/adapters/dynamo/connection-store');
  const { ulidIds } = await import('../../lambdas/adapters/ids');
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
          await connections.liveOf([to, from]); // as sendChat's delivery: both parties in one BatchGetItem
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { messagesPerSecond: done / seconds, errors };
}

// ---------- WebSocket phases ----------

export interface Usage {
  stackCores: number;
  javaCores: number;
  benchCores: number;
  stackRssMb: number;
  javaRssMb: number;
}

export function usageMeter(stackPid: number, javaPid: number): () => Usage {
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

export interface PhaseResult {
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

export async function saturated(clients: Client[], seconds: number, javaPid: number, stackPid: number): Promise<PhaseResult> {
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

export async function paced(clients: Client[], rate: number, seconds: number, javaPid: number, stackPid: number): Promise<PhaseResult> {
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

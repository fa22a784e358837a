/**
 * `npm run soak` — a bounded soak of the local stack (loopback only). Many clients in friend pairs chat for a few
 * minutes: they send (one message in flight per client, like a chat app's outbox), mark read by frame and by REST,
 * read history, type, ping, reconnect cleanly or drop the socket abruptly — sometimes right after sending, before
 * the ack could arrive — and resend whatever was not acknowledged with the same clientMessageId. Afterwards it
 * checks, through the REST API only:
 *
 *  - every acknowledged message is in BOTH users' histories exactly once, in order (each sender's messages in the
 *    order their acks came), with the content sent; nothing is in a history that was never sent;
 *  - a resend never got a different message than the first ack of that clientMessageId;
 *  - no connection received the same message push twice;
 *  - every unread counter (GET unread/count, the conversation list, GET /api/friends) equals the number of unread
 *    messages it counts (counted from the histories and the unread-only system list).
 *
 * It prints the figures and exits 1 on any violation.
 *
 *   npm run soak                                  own in-memory stack, 150 s, 12 pairs
 *   npm run soak -- --seconds 60 --pairs 20
 *   npm run soak -- --url http://127.0.0.1:3000   a running `npm start` (its dev issuer and event bus)
 *   options: --seconds N  --pairs N  --seed N  --url URL  --bus NAME  --json FILE
 */
import '../test/quiet-sdk';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import WebSocket from 'ws';
import { sendEvent } from '../test/support/clients';
import type { TestStack } from '../test/support/stack';

// ---------------------------------------------------------------- target

export interface SoakTarget {
  url: string;
  wsUrl: string;
  token(userId: string): Promise<string>;
  /** Make two users friends and resolve once both see it. */
  befriend(a: string, b: string): Promise<void>;
}

export interface SoakOptions {
  seconds: number;
  pairs: number;
  seed?: number;
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

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const FIRST_ID = '00000000000000000000000000';

/** A target for a running local stack at `url` (its dev issuer and PutEvents endpoint). */
/** A local stack started in this process (the test harness): its dev issuer, and friendships through its event bus. */
export function stackTarget(stack: TestStack): SoakTarget {
  return {
    url: stack.url,
    wsUrl: stack.wsUrl,
    token: (u) => stack.token(u),
    befriend: async (a, b) => {
      await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b] });
      await stack.drainEvents();
    },
  };
}

export function remoteTarget(url: string, busName = 'parley'): SoakTarget {
  const base = new URL(url);
  if (!LOOPBACK.has(base.hostname)) throw new Error(`the soak only runs against a loopback stack, not ${base.hostname}`);
  const origin = base.origin;
  const events = new EventBridgeClient({ endpoint: `${origin}/_aws/events`, region: 'us-east-1', credentials: { accessKeyId: 'soak', secretAccessKey: 'soak' } });
  const token = async (userId: string) => {
    const res = await fetch(`${origin}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
    if (res.status !== 200) throw new Error(`POST /dev/token: ${res.status}`);
    return ((await res.json()) as { token: string }).token;
  };
  return {
    url: origin,
    wsUrl: `${origin.replace(/^http/, 'ws')}/ws`,
    token,
    async befriend(a, b) {
      const out = await events.send(
        new PutEventsCommand({ Entries: [{ Source: 'parley.soak', DetailType: 'FriendshipCreated', Detail: JSON.stringify({ userIds: [a, b] }), EventBusName: busName }] }),
      );
      if (out.FailedEntryCount) throw new Error(`PutEvents failed: ${out.Entries?.[0]?.ErrorMessage}`);
      const t = await token(a);
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${origin}/api/friends`, { headers: { authorization: `Bearer ${t}` } });
        const body = (await res.json()) as { items?: { userId: string }[] };
        if (body.items?.some((f) => f.userId === b)) return;
        await sleep(100);
      }
      throw new Error(`${a} and ${b} did not become friends`);
    },
  };
}

// ---------------------------------------------------------------- helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Small seeded PRNG (mulberry32), so a run can be repeated with --seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = ['hi', 'how are you?', 'on my way 🚲', 'שלום, מה נשמע?', 'مرحبا', '𝕳𝖊𝖑𝖑𝖔 𓀀', '<b>literal</b> & "quotes"', 'ok 👍🏽', 'line 1\nline 2'];

interface Msg {
  id: string;
  fromUserId: string | null;
  toUserId: string;
  content: string;
  isRead: boolean;
  clientMessageId: string | null;
  messageType: string;
}

class Stats {
  connectionsOpened = 0;
  reconnects = { clean: 0, abrupt: 0, beforeAck: 0 };
  sendFrames = 0;
  resends = 0;
  duplicateAcks = 0;
  recoveredByResend = 0;
  rateLimited = 0;
  errors: Record<string, number> = {};
  markRead = { frame: 0, rest: 0 };
  restReads = 0;
  typing = 0;
  pushesReceived = 0;
  latencies: number[] = [];
  violations: string[] = [];
  violation(text: string): void {
    if (this.violations.length < 200) this.violations.push(text);
  }
}

interface Outgoing {
  cmid: string;
  content: string;
  firstSentAt: number;
  lastSentAt: number;
  resent: boolean;
}

/** One user with one socket at a time and a sequential outbox. */
class SoakClient {
  ws: WebSocket | null = null;
  connected = false;
  private token?: string;
  private seq = 0;
  /** The message in flight (sent, not yet acked); at most one. */
  inflight: Outgoing | null = null;
  /** Acked messages in ack order; cmid -> id. */
  readonly acked: { id: string; cmid: string; content: string }[] = [];
  readonly ackedIds = new Map<string, string>();
  private retryTimer?: NodeJS.Timeout;
  private socketNo = 0;

  constructor(
    readonly userId: string,
    readonly peer: string,
    private readonly target: SoakTarget,
    private readonly stats: Stats,
    private readonly rnd: () => number,
  ) {}

  async rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    this.token ??= await this.target.token(this.userId);
    const res = await fetch(`${this.target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async connect(): Promise<void> {
    this.token ??= await this.target.token(this.userId);
    const ws = new WebSocket(`${this.target.wsUrl}?token=${encodeURIComponent(this.token)}`);
    const socketNo = ++this.socketNo;
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
    });
    ws.on('error', () => undefined);
    ws.on('message', (data) => this.onFrame(JSON.parse(data.toString()), seen, socketNo));
    ws.on('close', () => {
      if (this.ws === ws) {
        this.ws = null;
        this.connected = false;
      }
    });
    this.ws = ws;
    this.connected = true;
    this.stats.connectionsOpened++;
    // Whatever was in flight when the last socket went away is sent again, with the same clientMessageId.
    if (this.inflight) this.transmit(true);
  }

  private onFrame(f: any, seen: Set<string>, socketNo: number): void {
    switch (f.type) {
      case 'ack': {
        const sent = this.inflight;
        const earlier = this.ackedIds.get(f.clientMessageId);
        if (earlier !== undefined) {
          this.stats.duplicateAcks++;
          if (earlier !== f.message.id) this.stats.violation(`${this.userId}: ${f.clientMessageId} acked as ${earlier} and then as ${f.message.id}`);
          if (sent?.cmid === f.clientMessageId) this.inflight = null;
          return;
        }
        if (!sent || sent.cmid !== f.clientMessageId) {
          this.stats.violation(`${this.userId}: ack for ${f.clientMessageId}, which is not in flight`);
          return;
        }
        if (f.message.content !== sent.content) this.stats.violation(`${this.userId}: ack of ${sent.cmid} carries other content`);
        if (sent.resent && Date.parse(f.message.createdAt) < sent.lastSentAt) this.stats.recoveredByResend++;
        this.acked.push({ id: f.message.id, cmid: sent.cmid, content: sent.content });
        this.ackedIds.set(sent.cmid, f.message.id);
        this.stats.latencies.push(Date.now() - sent.firstSentAt);
        this.inflight = null;
        clearTimeout(this.retryTimer);
        return;
      }
      case 'error': {
        this.stats.errors[f.code] = (this.stats.errors[f.code] ?? 0) + 1;
        if (f.code === 'RATE_LIMITED') this.stats.rateLimited++;
        if (this.inflight && f.clientMessageId === this.inflight.cmid) {
          // Retry later with the same clientMessageId (RATE_LIMITED: wait for the window; INTERNAL: soon).
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.transmit(true), f.code === 'RATE_LIMITED' ? 1000 + this.rnd() * 1000 : 200);
        }
        return;
      }
      case 'message': {
        this.stats.pushesReceived++;
        if (seen.has(f.message.id)) this.stats.violation(`${this.userId} socket ${socketNo}: message ${f.message.id} pushed twice`);
        seen.add(f.message.id);
        return;
      }
      default:
        return;
    }
  }

  /** (Re)send the message in flight on the current socket, if any. */
  transmit(resend: boolean): void {
    const m = this.inflight;
    if (!m || !this.ws || !this.connected) return;
    m.lastSentAt = Date.now();
    this.stats.sendFrames++;
    if (resend) {
      this.stats.resends++;
      m.resent = true;
    }
    this.ws.send(JSON.stringify({ action: 'sendMessage', to: this.peer, content: m.content, clientMessageId: m.cmid }));
  }

  newMessage(): boolean {
    if (this.inflight) return false;
    const content = `${TEXTS[Math.floor(this.rnd() * TEXTS.length)]} #${this.seq}`;
    this.inflight = { cmid: `${this.userId.slice(-8)}-${this.seq++}`, content, firstSentAt: Date.now(), lastSentAt: 0, resent: false };
    this.transmit(false);
    return true;
  }

  frame(body: unknown): void {
    if (this.ws && this.connected) this.ws.send(JSON.stringify(body));
  }

  async drop(kind: 'clean' | 'abrupt'): Promise<void> {
    const ws = this.ws;
    this.ws = null;
    this.connected = false;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    if (kind === 'abrupt') ws.terminate();
    else {
      ws.close(1000);
      await new Promise((r) => ws.once('close', r));
    }
  }

  /** Resend a message whose ack is overdue (lost with a socket the server had not noticed closing, for instance). */
  nudge(now: number): void {
    if (this.inflight && this.inflight.lastSentAt && now - this.inflight.lastSentAt > 5000) this.transmit(true);
  }

  async step(): Promise<void> {
    if (!this.connected) {
      await this.connect();
      return;
    }
    const r = this.rnd();
    if (r < 0.55) {
      this.newMessage();
    } else if (r < 0.63) {
      this.stats.markRead.frame++;
      this.frame({ action: 'markRead', peerId: this.peer });
    } else if (r < 0.67) {
      this.stats.markRead.rest++;
      await this.rest('POST', `/api/messages/${this.peer}/read`);
    } else if (r < 0.75) {
      this.stats.restReads++;
      await this.rest('GET', `/api/messages/${this.peer}?limit=20`);
    } else if (r < 0.81) {
      this.stats.typing++;
      this.frame({ action: 'typing', to: this.peer });
    } else if (r < 0.84) {
      this.stats.restReads++;
      await this.rest('GET', '/api/messages/unread/count');
    } else if (r < 0.9) {
      const abrupt = this.rnd() < 0.5;
      this.stats.reconnects[abrupt ? 'abrupt' : 'clean']++;
      await this.drop(abrupt ? 'abrupt' : 'clean');
      await sleep(this.rnd() * 300);
      await this.connect();
    } else if (r < 0.93) {
      // Send, and lose the socket before the ack can come back; reconnect and resend.
      if (this.newMessage()) {
        this.stats.reconnects.beforeAck++;
        await sleep(this.rnd() < 0.5 ? 0 : this.rnd() * 40); // sometimes the frame is lost with the socket, sometimes only the ack
        await this.drop('abrupt');
        await sleep(this.rnd() * 200);
        await this.connect();
      }
    } else {
      this.frame({ action: 'ping' });
    }
  }

  close(): Promise<void> {
    clearTimeout(this.retryTimer);
    return this.drop('clean');
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---------------------------------------------------------------- verification

async function historyOf(c: SoakClient): Promise<Msg[]> {
  const all: Msg[] = [];
  let after = FIRST_ID;
  for (;;) {
    const res = await c.rest('GET', `/api/messages/${c.peer}?after=${after}&limit=100`);
    if (res.status !== 200) throw new Error(`history of ${c.userId}: ${res.status}`);
    all.push(...res.body.items);
    if (!res.body.hasMore || res.body.items.length === 0) return all;
    after = res.body.items[res.body.items.length - 1].id;
  }
}

async function unreadSystem(c: SoakClient): Promise<number> {
  let n = 0;
  let before = '';
  for (;;) {
    const res = await c.rest('GET', `/api/messages/system/list?unreadOnly=true&limit=100${before}`);
    n += res.body.items.length;
    if (!res.body.hasMore) return n;
    before = `&before=${res.body.items[res.body.items.length - 1].id}`;
  }
}

async function verifyPair(a: SoakClient, b: SoakClient, stats: Stats, verified: SoakReport['verified']): Promise<void> {
  const [ha, hb] = await Promise.all([historyOf(a), historyOf(b)]);
  const ids = (h: Msg[]) => h.map((m) => m.id);
  if (JSON.stringify(ids(ha)) !== JSON.stringify(ids(hb))) stats.violation(`${a.userId}/${b.userId}: the two histories differ`);
  for (const [who, h] of [
    [a.userId, ha],
    [b.userId, hb],
  ] as const) {
    const sorted = [...ids(h)].sort();
    if (JSON.stringify(sorted) !== JSON.stringify(ids(h))) stats.violation(`${who}: history not in id order`);
    if (new Set(ids(h)).size !== h.length) stats.violation(`${who}: a message id appears twice in the history`);
    const cmids = h.map((m) => `${m.fromUserId}|${m.clientMessageId}`);
    if (new Set(cmids).size !== cmids.length) stats.violation(`${who}: one clientMessageId stored twice`);
  }
  // Every acked message is there once, with its content; each sender's messages in ack order; nothing unknown.
  const byId = new Map(ha.map((m) => [m.id, m]));
  for (const sender of [a, b]) {
    const mine = ha.filter((m) => m.fromUserId === sender.userId);
    const pendingCmid = sender.inflight?.cmid;
    const stored = mine.filter((m) => m.clientMessageId !== pendingCmid); // an unacked last message may be stored
    if (JSON.stringify(stored.map((m) => m.id)) !== JSON.stringify(sender.acked.map((m) => m.id))) {
      const missing = sender.acked.filter((m) => !byId.has(m.id)).length;
      stats.violation(`${sender.userId}: history has ${stored.length} of its messages, ${sender.acked.length} were acked (${missing} missing), or out of ack order`);
    }
    for (const m of sender.acked) {
      const got = byId.get(m.id);
      if (got && got.content !== m.content) stats.violation(`${sender.userId}: ${m.id} stored with other content`);
    }
    verified.messagesInHistories += sender.acked.length;
  }
  verified.conversations++;

  // Counters equal what they count.
  for (const [me, h] of [
    [a, ha],
    [b, hb],
  ] as const) {
    const unreadChat = h.filter((m) => m.toUserId === me.userId && !m.isRead).length;
    const [counts, conversations, friends, system] = await Promise.all([
      me.rest('GET', '/api/messages/unread/count'),
      me.rest('GET', '/api/messages/conversations/list?limit=100'),
      me.rest('GET', '/api/friends'),
      unreadSystem(me),
    ]);
    const conv = conversations.body.items.find((c: { peerId: string }) => c.peerId === me.peer);
    const friend = friends.body.items.find((f: { userId: string }) => f.userId === me.peer);
    const checks: Array<[string, number, number]> = [
      ['unread/count chat', counts.body.chat, unreadChat],
      ['conversation unreadCount', conv?.unreadCount ?? 0, unreadChat],
      ['friends unreadCount', friend?.unreadCount ?? -1, unreadChat],
      ['unread/count system', counts.body.system, system],
      ['unread/count total', counts.body.total, unreadChat + system],
    ];
    for (const [what, got, want] of checks) {
      verified.counters++;
      if (got !== want) stats.violation(`${me.userId}: ${what} is ${got}, but ${want} are unread`);
    }
    const last = h[h.length - 1];
    if (last && conv?.lastMessage?.id !== last.id) stats.violation(`${me.userId}: conversation lastMessage is not the newest message`);
  }
}

// ---------------------------------------------------------------- run

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
  const ticker = setInterval(() => {
    const acked = clients.reduce((n, c) => n + c.acked.length, 0);
    say(`  ${Math.round((Date.now() - started) / 1000)} s: ${acked} acked, ${stats.reconnects.clean + stats.reconnects.abrupt + stats.reconnects.beforeAck} reconnects, ${stats.violations.length} violations`);
  }, 15000);
  const nudger = setInterval(() => clients.forEach((c) => c.nudge(Date.now())), 1000);
  try {
    await Promise.all(
      clients.map(async (c) => {
        const r = prng(Math.floor(rnd() * 2 ** 31));
        while (Date.now() < deadline) {
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
    // Drain: every client finishes its outbox (reconnecting if it must), bounded.
    const drainUntil = Date.now() + 30000;
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

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds') ?? 150);
  const pairs = Number(arg('pairs') ?? 12);
  const seed = arg('seed') === undefined ? undefined : Number(arg('seed'));
  if (!(seconds > 0 && seconds <= 3600) || !(pairs >= 1 && pairs <= 500)) throw new Error('--seconds must be 1–3600 and --pairs 1–500');
  const progress = (line: string) => console.error(line);
  let report: SoakReport;
  const url = arg('url');
  if (url) {
    report = await runSoak(remoteTarget(url, arg('bus') ?? 'parley'), { seconds, pairs, seed, progress });
  } else {
    process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
    const { startTestStack } = await import('../test/support/stack');
    progress('soak: starting an in-memory local stack on a free loopback port');
    const stack = await startTestStack({ log: 'error' });
    try {
      report = await runSoak(stackTarget(stack), { seconds, pairs, seed, progress });
    } finally {
      await stack.stop();
    }
  }
  console.log(formatReport(report));
  const json = arg('json');
  if (json) fs.writeFileSync(json, `${JSON.stringify({ ranAt: new Date().toISOString(), ...report }, null, 2)}\n`);
  if (report.violations.length) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

/** `npm run soak`: one simulated user — a socket at a time, a one-message outbox, and a random walk of chat actions. */
import WebSocket from 'ws';
import type { SoakTarget } from './soak-target';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Small seeded PRNG (mulberry32), so a run can be repeated with --seed. */
export function prng(seed: number): () => number {
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

export class Stats {
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
export class SoakClient {
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

/** `npm run bench:load`: one WebSocket client per user, sending to its partner and timing acks and deliveries. */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface Stats {
  sent: number;
  acks: number;
  delivered: number;
  errors: number;
  ackMs: number[];
  deliveryMs: number[];
}

const newStats = (): Stats => ({ sent: 0, acks: 0, delivered: 0, errors: 0, ackMs: [], deliveryMs: [] });
export class Client {
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

export function collect(clients: Client[]): Stats {
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

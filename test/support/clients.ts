/**
 * Clients for integration tests: a real `ws` WebSocket client with frame matching, a REST helper, and the stock
 * EventBridge client for events. Everything talks to a TestStack over the network, as a user would.
 */
import { randomBytes } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import WebSocket from 'ws';
import type { TestStack } from './stack';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Frame = any;

interface Waiter {
  type: string;
  predicate?: (f: Frame) => boolean;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class HandshakeError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`WebSocket handshake refused with HTTP ${status}${body ? `: ${body}` : ''}`);
    this.name = 'HandshakeError';
  }
}

export class WsClient {
  /** Every frame received, parsed (a frame that isn't JSON is kept as its text). */
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly consumed = new Set<number>();
  private waiters: Waiter[] = [];
  private closeInfo?: { code: number; reason: string };

  private constructor(
    readonly socket: WebSocket,
    readonly userId: string,
  ) {
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error(`${userId}'s socket closed (${code}) before a "${w.type}" frame; received: ${this.summary()}`));
        }
        resolve(this.closeInfo);
      });
    });
    socket.on('message', (data) => {
      const text = data.toString();
      let frame: Frame;
      try {
        frame = JSON.parse(text);
      } catch {
        frame = text;
      }
      const index = this.frames.push(frame) - 1;
      const waiter = this.waiters.find((w) => this.matches(frame, w.type, w.predicate));
      if (waiter) {
        this.consumed.add(index);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(frame);
      }
    });
  }

  /**
   * Connect as `userId` with a dev token. The Origin header defaults to the stack's own origin (like the web
   * client); `origin: ''` sends none (a non-browser client). A refused handshake rejects with HandshakeError.
   */
  static async open(stack: TestStack, userId: string, opts: { name?: string; origin?: string } = {}): Promise<WsClient> {
    return WsClient.openWithToken(stack, userId, await stack.token(userId, opts.name), opts);
  }

  /** Connect with a token from anywhere (a real OpenID Provider, say); `userId` only names the client in messages. */
  static async openWithToken(stack: TestStack, userId: string, token: string, opts: { origin?: string } = {}): Promise<WsClient> {
    const origin = opts.origin ?? stack.url;
    const socket = new WebSocket(`${stack.wsUrl}?token=${encodeURIComponent(token)}`, origin ? { origin } : {});
    const client = new WsClient(socket, userId);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          req.destroy();
          reject(new HandshakeError(res.statusCode ?? 0, body));
        });
      });
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    return client;
  }

  /** Send a frame: JSON.stringify unless a string is given. */
  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame of this type (matching the predicate) not consumed yet, including ones already received. */
  next(type: string, predicate?: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const index = this.frames.findIndex((f, i) => !this.consumed.has(i) && this.matches(f, type, predicate));
    if (index >= 0) {
      this.consumed.add(index);
      return Promise.resolve(this.frames[index]);
    }
    if (this.closeInfo) return Promise.reject(new Error(`${this.userId}'s socket is closed (${this.closeInfo.code}); no "${type}" frame among: ${this.summary()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no "${type}" frame for ${this.userId} within ${timeoutMs} ms; received: ${this.summary()}`));
      }, timeoutMs);
      this.waiters.push({ type, predicate, resolve, reject, timer });
    });
  }

  /** Wait `ms` and fail if an unconsumed frame of this type (matching the predicate) arrived meanwhile or before. */
  async expectNoFrame(type: string, ms = 300, predicate?: (f: Frame) => boolean): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const found = this.frames.find((f, i) => !this.consumed.has(i) && this.matches(f, type, predicate));
    if (found !== undefined) throw new Error(`${this.userId} got an unexpected "${type}" frame: ${JSON.stringify(found)}`);
  }

  /** Close (1000) and resolve when closed. */
  async close(): Promise<void> {
    if (!this.closeInfo) {
      if (this.socket.readyState === WebSocket.CONNECTING || this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
      const timer = setTimeout(() => this.socket.terminate(), 3000);
      await this.closed;
      clearTimeout(timer);
    }
  }

  private matches(f: Frame, type: string, predicate?: (f: Frame) => boolean): boolean {
    if (!f || typeof f !== 'object' || f.type !== type) return false;
    try {
      return predicate ? predicate(f) : true;
    } catch {
      return false;
    }
  }

  private summary(): string {
    const types = this.frames.map((f) => (f && typeof f === 'object' ? f.type : JSON.stringify(f)));
    return types.length ? types.join(', ') : '(nothing)';
  }
}

export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** Not enumerable, so `toEqual({ status, body })` holds. */
  readonly headers: Headers;
}

/** REST calls as `userId` (Bearer dev token, JSON in and out). */
export function api(stack: TestStack, userId: string) {
  let token: Promise<string> | undefined;
  const call = async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    token ??= stack.token(userId);
    const res = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${await token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text || undefined;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        /* keep the text */
      }
    }
    const out = { status: res.status, body: parsed } as ApiResponse;
    Object.defineProperty(out, 'headers', { value: res.headers, enumerable: false });
    return out;
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
    del: (path: string) => call('DELETE', path),
  };
}

const eventClients = new Map<string, EventBridgeClient>();

/** The stock EventBridge client pointed at a stack's PutEvents endpoint (any credentials). */
export function eventBridge(stack: TestStack): EventBridgeClient {
  let client = eventClients.get(stack.url);
  if (!client) {
    client = new EventBridgeClient({
      endpoint: `${stack.url}/_aws/events`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    eventClients.set(stack.url, client);
  }
  return client;
}

/** Publish one event with the stock EventBridge client; returns its EventId (throws on a failed entry). */
export async function sendEvent(stack: TestStack, detailType: string, detail: unknown, opts: { source?: string } = {}): Promise<string> {
  const out = await eventBridge(stack).send(
    new PutEventsCommand({
      Entries: [{ Source: opts.source ?? 'test.parley', DetailType: detailType, Detail: JSON.stringify(detail), EventBusName: stack.eventBusName }],
    }),
  );
  const entry = out.Entries?.[0];
  if (out.FailedEntryCount || !entry?.EventId) throw new Error(`PutEvents failed: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
  return entry.EventId;
}

const issued = new Set<string>();

/** A unique test user id, e.g. 'alice-3f9c1a0b'. */
export function uid(prefix = 'u'): string {
  for (;;) {
    const id = `${prefix}-${randomBytes(4).toString('hex')}`;
    if (!issued.has(id)) {
      issued.add(id);
      return id;
    }
  }
}

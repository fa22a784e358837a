/**
 * The WebSocket client: one socket to the Parley WebSocket API, JSON frames, auto-reconnect with capped, jittered
 * exponential backoff, a ping every 4.5 minutes (the cloud's idle limit is 10) with a pong watchdog, and a state
 * the UI shows (connected / reconnecting / offline). Plain TypeScript: no Vue, testable with a fake WebSocket.
 */
import type { ClientFrame, ServerFrame } from '../types';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed';

/** The part of the browser WebSocket this client uses (a fake in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

const OPEN = 1;

export interface SocketClientOptions {
  /** The full URL to open (token included); asked again before every attempt so a fresh token is used. */
  url: () => string | Promise<string>;
  WebSocketImpl?: WebSocketCtor;
  backoff?: BackoffOptions;
  /** Ping interval (default 270 000 ms = 4.5 minutes). */
  pingIntervalMs?: number;
  /** No pong within this time after a ping: the socket is treated as dead and replaced (default 20 000 ms). */
  pongTimeoutMs?: number;
  random?: () => number;
  /** Whether the device has a network (navigator.onLine in a browser). */
  isOnline?: () => boolean;
}

export interface SocketEvents {
  frame: (frame: ServerFrame) => void;
  state: (state: ConnectionState) => void;
  /** The socket opened; `reconnected` is true for every open after the first. */
  open: (info: { reconnected: boolean }) => void;
  /** A reconnect attempt is scheduled in `delayMs`. */
  retry: (info: { delayMs: number; attempt: number }) => void;
}

type Listeners = { [K in keyof SocketEvents]: Set<SocketEvents[K]> };

export class SocketClient {
  state: ConnectionState = 'idle';
  /** Reconnect attempts since the last successful open. */
  attempt = 0;
  /** The delay of the reconnect currently scheduled (for the UI and tests). */
  nextDelayMs: number | undefined;

  private ws: WebSocketLike | undefined;
  private renewing = false;
  private wantOpen = false;
  private opening = false;
  private everOpened = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: Listeners = { frame: new Set(), state: new Set(), open: new Set(), retry: new Set() };
  private readonly opts: Required<Omit<SocketClientOptions, 'WebSocketImpl'>> & { WebSocketImpl: WebSocketCtor };

  constructor(opts: SocketClientOptions) {
    this.opts = {
      WebSocketImpl: opts.WebSocketImpl ?? (globalThis.WebSocket as unknown as WebSocketCtor),
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      pingIntervalMs: opts.pingIntervalMs ?? 270_000,
      pongTimeoutMs: opts.pongTimeoutMs ?? 20_000,
      random: opts.random ?? Math.random,
      isOnline: opts.isOnline ?? (() => (typeof navigator === 'undefined' ? true : navigator.onLine !== false)),
      url: opts.url,
    };
  }

  on<K extends keyof SocketEvents>(event: K, fn: SocketEvents[K]): () => void {
    (this.listeners[event] as Set<SocketEvents[K]>).add(fn);
    return () => (this.listeners[event] as Set<SocketEvents[K]>).delete(fn);
  }

  get isOpen(): boolean {
    return this.state === 'connected' && this.ws?.readyState === OPEN;
  }

  /** Start (or keep) the connection. */
  connect(): void {
    this.wantOpen = true;
    if (this.ws || this.retryTimer || this.opening) return;
    void this.open();
  }

  /** Close for good (sign-out): no reconnect. */
  close(): void {
    this.wantOpen = false;
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
    }
    this.setState('closed');
  }

  /** Send a frame; false when the socket is not open (the caller keeps it for later). */
  send(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== OPEN || this.state !== 'connected') return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The token was renewed: move to a connection opened with the new one before the old token expires (a server
   * closes a connection whose token has expired). Make-before-break, with no state change (nothing flickers): the new
   * socket opens while the old one still carries frames; once it is open it takes over sending, and the old one keeps
   * delivering what was already on its way (acks of frames sent on it) for `handoverMs` before it is closed. Frames
   * that both deliver are the same messages (clients dedupe by id), and the 'open' event runs the usual catch-up.
   * Not connected: nothing to do, the next open asks for the URL (and so the new token) anyway.
   */
  renewConnection(handoverMs = 10_000): void {
    if (!this.wantOpen || this.state !== 'connected' || !this.ws || this.renewing) return;
    this.renewing = true;
    void (async () => {
      let url: string;
      try {
        url = await this.opts.url();
      } catch {
        this.renewing = false;
        return;
      }
      let next: WebSocketLike;
      try {
        next = new this.opts.WebSocketImpl(url);
      } catch {
        this.renewing = false;
        return;
      }
      next.onerror = () => undefined;
      next.onclose = () => {
        // It never opened: keep the old connection; the next renewal (or a reconnect) tries again.
        this.renewing = false;
      };
      next.onopen = () => {
        this.renewing = false;
        const old = this.ws;
        if (!this.wantOpen || !old || this.state !== 'connected') {
          detach(next);
          next.close(1000, 'not needed');
          return;
        }
        // The old socket: frames still arriving on it are delivered; nothing else (its close is expected).
        old.onclose = null;
        old.onerror = null;
        setTimeout(() => {
          detach(old);
          try {
            old.close(1000, 'token renewed');
          } catch {
            /* already closed */
          }
        }, handoverMs);
        this.adopt(next);
        this.startPing();
        for (const fn of this.listeners.open) fn({ reconnected: true });
      };
    })();
  }

  /** Skip the wait: reconnect now if not connected (the network came back, the tab became visible). */
  reconnectNow(): void {
    if (!this.wantOpen || this.ws || this.opening) return;
    this.clearRetry();
    void this.open();
  }

  /** The device went offline: the socket can't work, drop it now and show "offline". */
  networkLost(): void {
    if (!this.wantOpen) return;
    this.dropSocket();
    this.clearRetry();
    this.setState('offline');
  }

  /** The device is back online. */
  networkBack(): void {
    if (!this.wantOpen) return;
    this.attempt = 0;
    this.reconnectNow();
  }

  private async open(): Promise<void> {
    this.setState(this.everOpened || this.attempt > 0 ? 'reconnecting' : 'connecting');
    let url: string;
    this.opening = true;
    try {
      url = await this.opts.url();
    } catch {
      this.opening = false;
      this.scheduleReconnect();
      return;
    }
    this.opening = false;
    if (!this.wantOpen || this.ws) return;
    let ws: WebSocketLike;
    try {
      ws = new this.opts.WebSocketImpl(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.nextDelayMs = undefined;
      this.setState('connected');
      this.startPing();
      for (const fn of this.listeners.open) fn({ reconnected });
    };
    this.adopt(ws);
  }

  /** Make `ws` the socket: its frames are delivered, its close schedules a reconnect. */
  private adopt(ws: WebSocketLike): void {
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onerror = () => undefined; // a close follows
    ws.onclose = () => {
      ws.onmessage = null; // a closed socket is not heard any more (late frames of a dead one)
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.stopPing();
      if (this.wantOpen) this.scheduleReconnect();
    };
  }

  private receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    const raw = frame as { type?: unknown; message?: unknown };
    if (typeof raw.type !== 'string') {
      // API Gateway's own answer when a route's function failed or timed out: {"message":"Internal server error",
      // "connectionId","requestId"} — no `type`. It is an error like any other (the pending send is retried).
      if (typeof raw.message !== 'string') return;
      frame = { type: 'error', code: 'INTERNAL', message: raw.message };
    }
    if (frame.type === 'pong') this.clearPong();
    for (const fn of this.listeners.frame) fn(frame);
  }

  private scheduleReconnect(): void {
    if (!this.wantOpen) return;
    this.clearRetry();
    const delay = backoffDelay(this.attempt, this.opts.backoff, this.opts.random);
    this.attempt++;
    this.nextDelayMs = delay;
    this.setState(this.opts.isOnline() ? 'reconnecting' : 'offline');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.open();
    }, delay);
    for (const fn of this.listeners.retry) fn({ delayMs: delay, attempt: this.attempt });
  }

  private dropSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.stopPing();
    if (ws) {
      detach(ws);
      try {
        ws.close(4000, 'replaced');
      } catch {
        /* ignore */
      }
    }
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (!this.send({ action: 'ping' })) return;
      if (this.pongTimer) return;
      this.pongTimer = setTimeout(() => {
        this.pongTimer = undefined;
        // No pong: the socket is dead even if the browser hasn't noticed. Replace it.
        this.dropSocket();
        this.scheduleReconnect();
      }, this.opts.pongTimeoutMs);
    }, this.opts.pingIntervalMs);
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    this.clearPong();
  }

  private clearPong(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private clearTimers(): void {
    this.clearRetry();
    this.stopPing();
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const fn of this.listeners.state) fn(state);
  }
}

function detach(ws: WebSocketLike): void {
  ws.onopen = null;
  ws.onclose = null;
  ws.onerror = null;
  ws.onmessage = null;
}

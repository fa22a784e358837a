/** The live WebSocket connections, by API-Gateway-style connection id (shared by the gateway and @connections). */
import { WebSocket } from 'ws';
import type { WsAuthorizerContext } from './events-apigw';
import { gatewayId } from './http-util';

export interface LocalConnection {
  id: string;
  socket: WebSocket;
  connectedAt: Date;
  lastActiveAt: Date;
  sourceIp: string;
  /** The handshake's User-Agent, when the client sent one. */
  userAgent?: string;
  /** The handshake's Host header: `requestContext.domainName`. */
  domainName: string;
  /** `requestContext.authorizer` for every route of this connection: `{ ...context, principalId, integrationLatency }`. */
  authorizer: WsAuthorizerContext;
  /** Set when the gateway decided to close it: later frames are ignored. */
  closing: boolean;
  /**
   * Why the gateway itself closed it (idle, lifetime, DELETE @connections, a limit): the `$disconnect` event reports
   * API Gateway's code and reason for these, not the close frame the client echoes back.
   */
  closedBy?: { code: number; reason: string };
}

export class ConnectionRegistry {
  private readonly byId = new Map<string, LocalConnection>();

  newId(): string {
    for (;;) {
      const id = gatewayId();
      if (!this.byId.has(id)) return id;
    }
  }

  add(conn: LocalConnection): void {
    this.byId.set(conn.id, conn);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  /** A connection that can still receive frames, else undefined (the Management API answers 410 Gone). */
  live(id: string): LocalConnection | undefined {
    const conn = this.byId.get(id);
    return conn && conn.socket.readyState === WebSocket.OPEN && !conn.closing ? conn : undefined;
  }

  all(): LocalConnection[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}

/** The gateway closes a connection: remembered for `$disconnect`, then a close frame, and a drop if the peer never answers. */
export function closeConnection(conn: LocalConnection, code: number, reason: string, frameReason = reason): void {
  if (conn.closing) return;
  conn.closing = true;
  conn.closedBy = { code, reason };
  conn.socket.close(code, frameReason);
  setTimeout(() => conn.socket.terminate(), 5000).unref();
}

/** Send a text frame if the socket is still open; never throws. */
export function sendText(conn: LocalConnection, text: string): boolean {
  if (conn.socket.readyState !== WebSocket.OPEN) return false;
  conn.socket.send(text, () => undefined);
  return true;
}

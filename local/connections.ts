/** The live WebSocket connections, by API-Gateway-style connection id (shared by the gateway and @connections). */
import { WebSocket } from 'ws';
import { gatewayId } from './http-util';

export interface LocalConnection {
  id: string;
  socket: WebSocket;
  connectedAt: Date;
  lastActiveAt: Date;
  sourceIp: string;
  userAgent: string;
  /** `requestContext.authorizer` for every route of this connection: `{ principalId, ...context }`. */
  authorizer: Record<string, unknown>;
  /** Set when the gateway decided to close it: later frames are ignored. */
  closing: boolean;
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

/** Send a text frame if the socket is still open; never throws. */
export function sendText(conn: LocalConnection, text: string): boolean {
  if (conn.socket.readyState !== WebSocket.OPEN) return false;
  conn.socket.send(text, () => undefined);
  return true;
}

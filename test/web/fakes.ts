/**
 * Test doubles for the web client's plain-TS parts: a fake browser WebSocket the test drives by hand, a fake REST
 * client with an in-memory history, and message builders. No network, no timers of their own.
 */
import type { WebSocketLike } from '../../web/src/api/socket';
import type { ClientFrame, ConversationSummary, Friend, Message, Page, ServerFrame, UnreadCounts } from '../../web/src/types';

export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  static reset(): void {
    FakeWebSocket.instances = [];
  }
  static get last(): FakeWebSocket {
    const ws = FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
    if (!ws) throw new Error('no socket was opened');
    return ws;
  }

  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly sent: string[] = [];
  closedWith: number | undefined;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  /** The frames the client sent, parsed. */
  get frames(): ClientFrame[] {
    return this.sent.map((s) => JSON.parse(s) as ClientFrame);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
    this.sent.push(data);
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  // ---- the "server" side ----
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: ServerFrame | string): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  /** The connection drops (network loss, server gone, handshake refused). */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

let seq = 0;
/** A ULID-like id that sorts by creation order (fixed width). */
export function nextId(): string {
  seq++;
  return `01J${String(seq).padStart(10, '0')}`;
}

export function chat(from: string, to: string, content: string, extra: Partial<Message> = {}): Message {
  return {
    id: nextId(),
    fromUserId: from,
    toUserId: to,
    messageType: 'CHAT',
    content,
    metadata: null,
    isRead: false,
    createdAt: new Date(Date.UTC(2026, 10, 24, 10, 0, seq)).toISOString(),
    clientMessageId: null,
    ...extra,
  };
}

export function system(to: string, type: Message['messageType'], content: string, metadata: Record<string, unknown> | null = null, extra: Partial<Message> = {}): Message {
  return { ...chat('x', to, content, extra), fromUserId: null, messageType: type, metadata, ...extra };
}

/**
 * A fake of the REST client's chat routes over an in-memory store of messages, answering like the contract
 * (oldest → newest within a page; before/after cursors; hasMore). Records every call.
 */
export class FakeRest {
  messages: Message[] = [];
  friendList: Friend[] = [];
  counts: UnreadCounts = { chat: 0, system: 0, total: 0 };
  convs: ConversationSummary[] = [];
  /** Whether the conversation list has pages beyond `convs` (conversations this fake does not list). */
  convsHasMore = false;
  systemMessages: Message[] = [];
  calls: { route: string; args: unknown }[] = [];
  failNext: Error | undefined;

  constructor(private readonly me: string) {}

  private record(route: string, args: unknown): void {
    this.calls.push({ route, args });
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
  }

  callsTo(route: string): unknown[] {
    return this.calls.filter((c) => c.route === route).map((c) => c.args);
  }

  async friends(): Promise<{ items: Friend[] }> {
    this.record('friends', undefined);
    return { items: this.friendList.map((f) => ({ ...f })) };
  }

  async history(userId: string, q: { limit?: number; before?: string; after?: string } = {}): Promise<Page<Message>> {
    this.record('history', { userId, ...q });
    const limit = q.limit ?? 50;
    const all = this.messages
      .filter((m) => m.messageType === 'CHAT' && ((m.fromUserId === this.me && m.toUserId === userId) || (m.fromUserId === userId && m.toUserId === this.me)))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    if (q.after) {
      const newer = all.filter((m) => m.id > q.after!);
      return { items: newer.slice(0, limit).map((m) => ({ ...m })), hasMore: newer.length > limit };
    }
    const older = q.before ? all.filter((m) => m.id < q.before!) : all;
    return { items: older.slice(Math.max(0, older.length - limit)).map((m) => ({ ...m })), hasMore: older.length > limit };
  }

  async conversations(q: { limit?: number; before?: string } = {}): Promise<Page<ConversationSummary>> {
    this.record('conversations', q);
    return { items: this.convs.map((c) => ({ ...c })), hasMore: this.convsHasMore };
  }

  async unreadCount(): Promise<UnreadCounts> {
    this.record('unreadCount', undefined);
    return { ...this.counts };
  }

  async markConversationRead(userId: string): Promise<{ updated: number }> {
    this.record('markConversationRead', userId);
    return { updated: 0 };
  }

  async deleteMessage(messageId: string): Promise<void> {
    this.record('deleteMessage', messageId);
  }

  async systemList(q: { limit?: number; before?: string; unreadOnly?: boolean } = {}): Promise<Page<Message>> {
    this.record('systemList', q);
    const all = [...this.systemMessages].sort((a, b) => (a.id < b.id ? 1 : -1)).filter((m) => !q.before || m.id < q.before);
    const limit = q.limit ?? 50;
    return { items: all.slice(0, limit).map((m) => ({ ...m })), hasMore: all.length > limit };
  }

  async markSystemRead(body: { messageIds: string[] } | { all: true }): Promise<{ updated: number }> {
    this.record('markSystemRead', body);
    return { updated: 1 };
  }
}

/** Let pending promise callbacks run (several rounds: chains of awaits). */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

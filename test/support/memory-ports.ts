/**
 * In-memory implementations of every port in lambdas/core/ports.ts, for testing the domain's rules without DynamoDB
 * or API Gateway. Each follows its port's comment (and what the DynamoDB adapters do where the comment is silent):
 *  - a method that writes does all of its checks and writes in one synchronous step (no await in between), so it is
 *    as atomic as the adapter's transaction: two concurrent calls never interleave half-way;
 *  - errors are the adapters' AppErrors (NOT_FRIENDS, RATE_LIMITED), thrown before anything is stored;
 *  - counters (unread per user, per conversation) are computed from the messages they count, so they are exact by
 *    construction and a soft delete keeps them (and the conversation rows) right;
 *  - time is the Clock's: connection TTLs, rate windows and deletedAt all follow `clock.set()` / `clock.advance()`.
 * `memoryDeps()` wires them into a full `Deps` (plus the markRead frame's RateLimiter) with the default settings.
 */
import type { Deps } from '../../lambdas/core/deps';
import type { ConversationSummary, Message, Page, UnreadCounts } from '../../lambdas/contract/messages';
import type { ServerFrame } from '../../lambdas/contract/frames';
import type { Connection } from '../../lambdas/core/model';
import { MemoryAttachmentStore, MemoryFileStore } from './memory/attachments';
import type {
  AppendChatResult,
  Clock,
  ConnectionStore,
  FriendStore,
  IdSource,
  MessageStore,
  Pusher,
  PushResult,
  RateLimiter,
  RateRule,
  StoredMessage,
} from '../../lambdas/core/ports';
import { badRequest, notFriends, rateLimited } from '../../lambdas/core/errors';

export { MemoryAttachmentStore, MemoryFileStore };

/** 2027-01-15T08:00:00.000Z: a fixed start, so ids and timestamps are the same on every run. */
export const MEMORY_EPOCH = Date.UTC(2027, 0, 15, 8, 0, 0);

// ---------------------------------------------------------------------------------------------------------------
// Clock and ids

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private ms = MEMORY_EPOCH) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * Ids that sort by creation time, like the adapter's monotonic ULIDs: the time (zero-padded ms) then a sequence, and
 * never smaller than the previous one even if the clock goes back. Readable in a failing test: `m001800000000000-0003`.
 */
export class SequentialIds implements IdSource {
  private last = 0;
  private seq = 0;
  next(at: number): string {
    this.last = Math.max(this.last, at);
    this.seq++;
    return `m${String(this.last).padStart(15, '0')}-${String(this.seq).padStart(4, '0')}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rate limits

/**
 * The GCRA of lambdas/adapters/dynamo/rate.ts on the Clock: with "30 per 10 s" a burst of 30 passes, the 31st is
 * refused, then one more every 10/30 s. One state per (user, kind), shared by the MessageStore (sendMessage, typing)
 * and the RateLimiter (markRead), as the adapters share the table's RATE# rows.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly tat = new Map<string, number>();
  constructor(private readonly clock: Clock) {}

  /** Whether one more hit is allowed now, and the state it would leave; changes nothing. */
  private judge(userId: string, rule: RateRule): { key: string; allowed: boolean; next: number } {
    const key = `${rule.kind}#${userId}`;
    const now = this.clock.now();
    const interval = (rule.windowSeconds * 1000) / rule.limit;
    const tolerance = rule.windowSeconds * 1000 - interval + 1;
    const base = Math.max(this.tat.get(key) ?? now, now);
    return { key, allowed: base - now <= tolerance, next: base + interval };
  }

  /** Throws RATE_LIMITED without counting, or returns the commit that counts the hit (for use inside one step). */
  check(userId: string, rule: RateRule): () => void {
    const { key, allowed, next } = this.judge(userId, rule);
    if (!allowed) throw rateLimited();
    return () => void this.tat.set(key, next);
  }

  async hit(userId: string, rule: RateRule): Promise<void> {
    this.check(userId, rule)();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Friends

export class MemoryFriendStore implements FriendStore {
  /** owner -> friend -> the name given with the friendship, if any. */
  private readonly rows = new Map<string, Map<string, string | undefined>>();
  readonly profiles = new Map<string, string>();

  /** Synchronous check, for the MessageStore's one-step writes. */
  has(a: string, b: string): boolean {
    return this.rows.get(a)?.has(b) ?? false;
  }

  async areFriends(a: string, b: string): Promise<boolean> {
    return this.has(a, b);
  }

  async ids(me: string): Promise<string[]> {
    return [...(this.rows.get(me)?.keys() ?? [])];
  }

  /** As DynamoFriendStore.list: the profile name, else the name given with the friendship, else the id. */
  async list(me: string): Promise<Array<{ userId: string; name: string }>> {
    return [...(this.rows.get(me)?.entries() ?? [])].map(([userId, given]) => ({ userId, name: this.profiles.get(userId) ?? given ?? userId }));
  }

  async befriend(a: string, b: string, names: ReadonlyMap<string, string> = new Map()): Promise<void> {
    const row = (owner: string, friend: string) => {
      if (!this.rows.has(owner)) this.rows.set(owner, new Map());
      this.rows.get(owner)!.set(friend, names.get(friend));
    };
    row(a, b);
    row(b, a);
    // A profile name is set only where none is known yet (if_not_exists).
    for (const u of [a, b]) if (names.has(u) && !this.profiles.has(u)) this.profiles.set(u, names.get(u)!);
  }

  async unfriend(a: string, b: string): Promise<void> {
    this.rows.get(a)?.delete(b);
    this.rows.get(b)?.delete(a);
  }

  async saveProfile(userId: string, name: string): Promise<void> {
    this.profiles.set(userId, name);
  }

  async names(userIds: string[]): Promise<Map<string, string>> {
    return new Map(userIds.filter((u) => this.profiles.has(u)).map((u) => [u, this.profiles.get(u)!]));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Connections

/** Rows with a TTL, as the connections table: `expiresAt` = connectedAt (s) + ttl; reads skip expired rows by the Clock. */
export class MemoryConnectionStore implements ConnectionStore {
  private readonly rows = new Map<string, Map<string, { conn: Connection; expiresAt: number }>>();
  constructor(private readonly clock: Clock) {}

  async add(conn: Connection, ttlSeconds: number): Promise<void> {
    if (!this.rows.has(conn.userId)) this.rows.set(conn.userId, new Map());
    this.rows.get(conn.userId)!.set(conn.connectionId, { conn: { ...conn }, expiresAt: Math.floor(conn.connectedAt / 1000) + ttlSeconds });
  }

  async remove(userId: string, connectionId: string): Promise<void> {
    this.rows.get(userId)?.delete(connectionId);
  }

  async live(userId: string): Promise<Connection[]> {
    const now = Math.floor(this.clock.now() / 1000);
    return [...(this.rows.get(userId)?.values() ?? [])].filter((r) => r.expiresAt > now).map((r) => ({ ...r.conn }));
  }

  /** Every row of a user, expired or not (what a test inspects; the domain only sees `live`). */
  stored(userId: string): string[] {
    return [...(this.rows.get(userId)?.keys() ?? [])];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pushes

/**
 * Records every frame per connection. A connection marked `gone` answers 410 (post -> 'gone', exists -> false), one
 * marked `failing` answers 'failed' (a throttle, a timeout); `close` records the close and makes it gone.
 */
export class MemoryPusher implements Pusher {
  private readonly sent = new Map<string, ServerFrame[]>();
  private readonly goneIds = new Set<string>();
  private readonly failingIds = new Set<string>();
  readonly closed: string[] = [];

  async post(connectionId: string, frame: unknown): Promise<PushResult> {
    if (this.goneIds.has(connectionId)) return 'gone';
    if (this.failingIds.has(connectionId)) return 'failed';
    if (!this.sent.has(connectionId)) this.sent.set(connectionId, []);
    // A copy, as JSON on the wire: a later change to the object can't rewrite what was sent.
    this.sent.get(connectionId)!.push(JSON.parse(JSON.stringify(frame)) as ServerFrame);
    return 'ok';
  }

  async exists(connectionId: string): Promise<boolean> {
    return !this.goneIds.has(connectionId);
  }

  async close(connectionId: string): Promise<void> {
    this.closed.push(connectionId);
    this.goneIds.add(connectionId);
  }

  /** From now on this connection is gone (API Gateway answers 410). */
  gone(...connectionIds: string[]): void {
    for (const id of connectionIds) this.goneIds.add(id);
  }

  /** From now on pushes to this connection fail (not 410). */
  failing(...connectionIds: string[]): void {
    for (const id of connectionIds) this.failingIds.add(id);
  }

  /** Frames delivered to a connection, oldest first; only those of one type if given. */
  framesTo<T extends ServerFrame['type']>(connectionId: string, type?: T): Extract<ServerFrame, { type: T }>[] {
    const all = this.sent.get(connectionId) ?? [];
    return (type === undefined ? all : all.filter((f) => f.type === type)) as Extract<ServerFrame, { type: T }>[];
  }

  /** Every delivered frame as [connectionId, frame], in delivery order per connection. */
  all(): Array<[string, ServerFrame]> {
    return [...this.sent.entries()].flatMap(([id, frames]) => frames.map((f): [string, ServerFrame] => [id, f]));
  }

  /** Forget what was sent so far (gone/failing marks stay). */
  clear(): void {
    this.sent.clear();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

const publicMessage = (m: StoredMessage | Message): Message => ({
  id: m.id,
  fromUserId: m.fromUserId,
  toUserId: m.toUserId,
  messageType: m.messageType,
  content: m.content,
  metadata: m.metadata === null ? null : (JSON.parse(JSON.stringify(m.metadata)) as Message['metadata']),
  isRead: m.isRead,
  createdAt: m.createdAt,
  clientMessageId: m.clientMessageId,
  // Stored without URLs, as the adapter keeps them (the domain signs at read time).
  attachments: (m.attachments ?? []).map((a) => ({ id: a.id, contentType: a.contentType, size: a.size, width: a.width, height: a.height })) as Message['attachments'],
});

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The MessageStore over one map of messages. Unread counters and conversation rows are derived from the messages
 * (never deleted ones), so they always equal what they count; a conversation whose last message is deleted shows the
 * newest remaining one, or leaves the list when none remains — as the adapter's repair does.
 */
export class MemoryMessageStore implements MessageStore {
  private readonly messages = new Map<string, StoredMessage>();
  /** `${sender}\0${clientMessageId}` -> message id. */
  private readonly chatClaims = new Map<string, string>();
  /** `${eventId}\0${recipient}` -> message id. */
  private readonly eventClaims = new Map<string, string>();

  constructor(
    private readonly friends: MemoryFriendStore,
    private readonly rate: MemoryRateLimiter,
    private readonly clock: Clock,
    /** Attachment records the sendMessage transaction claims (ready, the sender's, unsent). */
    private readonly attachments: MemoryAttachmentStore = new MemoryAttachmentStore(),
  ) {}

  // ---------- for tests: what is stored ----------

  /** Every stored message, deleted ones included, oldest first. */
  stored(): StoredMessage[] {
    return [...this.messages.values()].sort(byId).map((m) => ({ ...publicMessage(m), deletedAt: m.deletedAt }));
  }

  private live(filter: (m: StoredMessage) => boolean): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.deletedAt === null && filter(m)).sort(byId);
  }

  private chatBetween(a: string, b: string): StoredMessage[] {
    return this.live((m) => m.messageType === 'CHAT' && ((m.fromUserId === a && m.toUserId === b) || (m.fromUserId === b && m.toUserId === a)));
  }

  private unreadChat(me: string, peer?: string): StoredMessage[] {
    return this.live((m) => m.messageType === 'CHAT' && m.toUserId === me && !m.isRead && (peer === undefined || m.fromUserId === peer));
  }

  private system(me: string): StoredMessage[] {
    return this.live((m) => m.messageType !== 'CHAT' && m.toUserId === me);
  }

  // ---------- chat ----------

  async appendChat(message: Message, rate: RateRule): Promise<AppendChatResult> {
    const from = message.fromUserId as string;
    const claim = `${from}\0${message.clientMessageId}`;
    // A claimed clientMessageId: the ORIGINAL as it is now (its current read state), nothing stored or counted — even
    // if the sender is no longer a friend or is over the limit now.
    const claimed = this.chatClaims.get(claim);
    if (claimed !== undefined) return { status: 'duplicate', message: publicMessage(this.messages.get(claimed)!) };
    if (!this.friends.has(from, message.toUserId)) throw notFriends();
    const claims = (message.attachments ?? []).map((a) => this.attachments.records.get(a.id));
    if (claims.some((r) => !r || r.ownerId !== from || r.status !== 'ready' || r.messageId !== undefined)) {
      throw badRequest('an attachment is not yours, not ready or already sent');
    }
    const count = this.rate.check(from, rate);
    count();
    for (const r of claims) {
      r!.messageId = message.id;
      delete r!.expiresAt;
    }
    this.chatClaims.set(claim, message.id);
    this.messages.set(message.id, { ...publicMessage(message), isRead: false, deletedAt: null });
    return { status: 'stored', message: publicMessage({ ...message, isRead: false }) };
  }

  async allowTyping(from: string, to: string, rate: RateRule): Promise<void> {
    if (!this.friends.has(from, to)) throw notFriends();
    this.rate.check(from, rate)();
  }

  async history(me: string, peer: string, q: { limit: number; before?: string; after?: string }): Promise<Page<Message>> {
    const all = this.chatBetween(me, peer);
    if (q.after) {
      const newer = all.filter((m) => m.id > q.after!);
      return { items: newer.slice(0, q.limit).map(publicMessage), hasMore: newer.length > q.limit };
    }
    const older = q.before ? all.filter((m) => m.id < q.before!) : all;
    return { items: older.slice(Math.max(0, older.length - q.limit)).map(publicMessage), hasMore: older.length > q.limit };
  }

  async markConversationRead(me: string, peer: string): Promise<{ updated: number; upTo: string | null }> {
    const unread = this.unreadChat(me, peer);
    for (const m of unread) m.isRead = true;
    return { updated: unread.length, upTo: unread.length ? unread[unread.length - 1].id : null };
  }

  async conversations(me: string, q: { limit: number; before?: string }): Promise<Page<ConversationSummary>> {
    const peers = new Set(this.live((m) => m.messageType === 'CHAT' && (m.fromUserId === me || m.toUserId === me)).map((m) => (m.fromUserId === me ? m.toUserId : (m.fromUserId as string))));
    const rows = [...peers]
      .map((peerId) => {
        const chat = this.chatBetween(me, peerId);
        const last = chat[chat.length - 1];
        return { peerId, lastMessage: publicMessage(last), unreadCount: this.unreadChat(me, peerId).length, updatedAt: last.createdAt };
      })
      .filter((row) => !q.before || row.lastMessage.id < q.before)
      .sort((a, b) => byId(b.lastMessage, a.lastMessage));
    return { items: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
  }

  async unreadCounts(me: string): Promise<UnreadCounts> {
    const chat = this.unreadChat(me).length;
    const system = this.system(me).filter((m) => !m.isRead).length;
    return { chat, system, total: chat + system };
  }

  async unreadByPeer(me: string, peers: string[]): Promise<Map<string, number>> {
    return new Map(peers.map((p) => [p, this.unreadChat(me, p).length]));
  }

  async systemList(me: string, q: { limit: number; before?: string; unreadOnly: boolean }): Promise<Page<Message>> {
    const found = this.system(me)
      .filter((m) => (!q.unreadOnly || !m.isRead) && (!q.before || m.id < q.before))
      .reverse();
    return { items: found.slice(0, q.limit).map(publicMessage), hasMore: found.length > q.limit };
  }

  async markSystemRead(me: string, ids: string[] | 'all'): Promise<number> {
    const wanted = ids === 'all' ? undefined : new Set(ids);
    const marked = this.system(me).filter((m) => !m.isRead && (wanted === undefined || wanted.has(m.id)));
    for (const m of marked) m.isRead = true;
    return marked.length;
  }

  async findById(id: string): Promise<StoredMessage | null> {
    const m = this.messages.get(id);
    return m ? { ...publicMessage(m), deletedAt: m.deletedAt } : null;
  }

  async softDelete(message: StoredMessage): Promise<boolean> {
    const current = this.messages.get(message.id);
    if (!current || current.deletedAt !== null) return false;
    current.deletedAt = new Date(this.clock.now()).toISOString();
    return true;
  }

  async appendSystem(eventId: string, messages: Message[]): Promise<Message[]> {
    const fresh: Message[] = [];
    for (const m of messages) {
      const claim = `${eventId}\0${m.toUserId}`;
      if (this.eventClaims.has(claim)) continue;
      this.eventClaims.set(claim, m.id);
      this.messages.set(m.id, { ...publicMessage(m), isRead: false, deletedAt: null });
      fresh.push(publicMessage({ ...m, isRead: false }));
    }
    return fresh;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Everything together

export const DEFAULT_SETTINGS: Deps['settings'] = {
  sendRate: { kind: 'send', limit: 30, windowSeconds: 10 },
  typingRate: { kind: 'typing', limit: 10, windowSeconds: 10 },
  markReadRate: { kind: 'markRead', limit: 30, windowSeconds: 10 },
  connectionTtlSeconds: 3 * 3600,
  maxConnectionsPerUser: 10,
  fanOutConcurrency: 4,
};

export interface MemoryDeps extends Deps {
  messages: MemoryMessageStore;
  friends: MemoryFriendStore;
  connections: MemoryConnectionStore;
  pusher: MemoryPusher;
  clock: ManualClock;
  ids: SequentialIds;
  /** The markRead frame's own limiter (the container's `updateDeps().rate`). */
  rate: MemoryRateLimiter;
  attachments: MemoryAttachmentStore;
  files: MemoryFileStore;
}

/** A full `Deps` in memory, with the contract's default limits (override any of them). */
export function memoryDeps(opts: { now?: number; settings?: Partial<Deps['settings']> } = {}): MemoryDeps {
  const clock = new ManualClock(opts.now ?? MEMORY_EPOCH);
  const friends = new MemoryFriendStore();
  const rate = new MemoryRateLimiter(clock);
  const attachments = new MemoryAttachmentStore();
  return {
    messages: new MemoryMessageStore(friends, rate, clock, attachments),
    attachments,
    files: new MemoryFileStore(),
    friends,
    connections: new MemoryConnectionStore(clock),
    pusher: new MemoryPusher(),
    clock,
    ids: new SequentialIds(),
    rate,
    settings: { ...DEFAULT_SETTINGS, ...opts.settings },
  };
}

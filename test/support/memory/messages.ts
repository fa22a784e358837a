/** In-memory MessageStore (lambdas/core/ports.ts); see test/support/memory-ports.ts for the rules all fakes follow. */
import type { ConversationSummary, Message, Page, UnreadCounts } from '../../../lambdas/contract/messages';
import { badRequest, notFriends } from '../../../lambdas/core/errors';
import type { AppendChatResult, Clock, MessageStore, RateRule, StoredMessage } from '../../../lambdas/core/ports';
import type { MemoryFriendStore } from './friends';
import { MemoryAttachmentStore } from './attachments';
import type { MemoryRateLimiter } from './rate';

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

  async findById(me: string, id: string): Promise<StoredMessage | null> {
    const m = this.messages.get(id);
    return m && (m.fromUserId === me || m.toUserId === me) ? { ...publicMessage(m), deletedAt: m.deletedAt } : null;
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

/** 1:1 chat: send, read state, typing, history, conversations, counts, delete. */
import { AppError, badRequest, notFound, tooLarge } from './errors';
import { deliver } from './delivery';
import type { Deps } from './deps';
import type { MessageStore, RateLimiter, RateRule } from './ports';
import { LIMITS } from '../contract/limits';
import type { ConversationSummary, Friend, Message, Metadata, Page, UnreadCounts } from '../contract/messages';

export interface SendInput {
  from: string;
  connectionId?: string;
  to: string;
  content: string;
  clientMessageId: string;
  metadata?: Metadata | null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * What renders as nothing: white space, control characters, Unicode's default-ignorable code points (zero-width
 * spaces and joiners, word joiner, BOM, soft hyphen, Hangul fillers U+115F/U+1160/U+3164/U+FFA0, variation
 * selectors, tags, bidi marks …) and the blank Braille pattern U+2800. Content made only of these is empty.
 */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** Content is trimmed, must show something, and must be 1–4,000 characters (Unicode code points). */
export function normaliseContent(raw: string): string {
  const content = raw.trim();
  if (content.length === 0 || content.replace(INVISIBLE, '').length === 0) throw badRequest('"content" must not be empty');
  if (LONE_SURROGATE.test(content)) throw badRequest('"content" is not well-formed Unicode');
  // Cheap bound first: more than 2×limit UTF-16 units is certainly over the limit.
  if (content.length > LIMITS.contentChars * 2 || [...content].length > LIMITS.contentChars) throw tooLarge();
  return content;
}

/**
 * Depth of a JSON value, walked iteratively so no input can overflow the stack; stops as soon as it passes `max`.
 * (A frame is at most 32 KB, so the walk is bounded too.)
 */
function depthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v as object)) stack.push([child, depth + 1]);
  }
  return false;
}

function checkMetadata(metadata: Metadata | null | undefined): Metadata | null {
  if (metadata === undefined || metadata === null) return null;
  // The depth first: everything after it (JSON.stringify, storage, pushes) recurses.
  if (depthOver(metadata, LIMITS.metadataDepth)) throw new AppError('TOO_LARGE', `"metadata" must be nested at most ${LIMITS.metadataDepth} levels deep`);
  if (Buffer.byteLength(JSON.stringify(metadata), 'utf8') > LIMITS.metadataBytes) {
    throw new AppError('TOO_LARGE', `"metadata" must be at most ${LIMITS.metadataBytes} bytes of JSON`);
  }
  return metadata;
}

/** JSON with object keys sorted, so equal metadata compares equal whatever its key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** A resend is the same message: same recipient, content and metadata. */
function sameMessage(original: Message, resend: Message): boolean {
  return original.toUserId === resend.toUserId && original.content === resend.content && canonical(original.metadata) === canonical(resend.metadata);
}

/**
 * Store, then acknowledge. The message is durable before anyone sees it; pushes to the recipient and to the
 * sender's other connections are best-effort on top. A repeat clientMessageId returns the original message.
 */
export async function sendChat(deps: UpdateDeps<'appendChat'> & Pick<Deps, 'ids'>, input: SendInput): Promise<{ message: Message; duplicate: boolean }> {
  if (input.to === input.from) throw badRequest('you cannot send a message to yourself');
  const content = normaliseContent(input.content);
  const metadata = checkMetadata(input.metadata);
  const now = deps.clock.now();
  const draft: Message = {
    id: deps.ids.next(now),
    fromUserId: input.from,
    toUserId: input.to,
    messageType: 'CHAT',
    content,
    metadata,
    isRead: false,
    createdAt: new Date(now).toISOString(),
    clientMessageId: input.clientMessageId,
  };
  const result = await deps.messages.appendChat(draft, deps.settings.sendRate);
  // A clientMessageId is an idempotency key: reused for a different message, it is refused, never silently acked
  // with the old one (nothing new was stored: the claim on the key failed).
  if (result.status === 'duplicate' && !sameMessage(result.message, draft)) {
    throw badRequest('"clientMessageId" was already used for a different message; use a new one for each message');
  }
  if (result.status === 'stored') {
    await deliver(deps, [input.to, input.from], { type: 'message', message: result.message }, { exceptConnectionId: input.connectionId });
  }
  return { message: result.message, duplicate: result.status === 'duplicate' };
}

/** A `messages` port of just these methods, and what telling both sides needs: no id generator, no friend store. */
type UpdateDeps<K extends keyof MessageStore> = Pick<Deps, 'connections' | 'pusher' | 'settings' | 'clock'> & { messages: Pick<MessageStore, K> };

/** The markRead frame: counted against the per-user markRead limit first (contract v1.1), then as the REST route. */
export async function markConversationReadFrame(
  deps: UpdateDeps<'markConversationRead'> & { rate: RateLimiter; settings: { markReadRate: RateRule } },
  me: string,
  peer: string,
): Promise<{ updated: number }> {
  if (peer === me) throw badRequest('"peerId" must be another user');
  await deps.rate.hit(me, deps.settings.markReadRate);
  return markConversationRead(deps, me, peer);
}

/** Marks everything peer -> me read; syncs my tabs and sends the peer a read receipt. */
export async function markConversationRead(deps: UpdateDeps<'markConversationRead'>, me: string, peer: string): Promise<{ updated: number }> {
  if (peer === me) throw badRequest('"peerId" must be another user');
  const { updated, upTo } = await deps.messages.markConversationRead(me, peer);
  const pushes: Promise<unknown>[] = [deliver(deps, [me], { type: 'conversationRead', peerId: peer })];
  if (updated > 0 && upTo) pushes.push(deliver(deps, [peer], { type: 'read', by: me, upTo }));
  await Promise.all(pushes);
  return { updated };
}

export async function typing(deps: UpdateDeps<'allowTyping'>, from: string, to: string): Promise<void> {
  if (from === to) throw badRequest('"to" must be another user');
  await deps.messages.allowTyping(from, to, deps.settings.typingRate);
  await deliver(deps, [to], { type: 'typing', from });
}

export function pageLimit(raw: string | undefined): number {
  return raw === undefined ? LIMITS.pageDefault : Number(raw);
}

export async function history(
  deps: { messages: Pick<MessageStore, 'history'> },
  me: string,
  peer: string,
  q: { limit: number; before?: string; after?: string },
): Promise<Page<Message>> {
  if (q.before && q.after) throw badRequest('use either "before" or "after", not both');
  return deps.messages.history(me, peer, q);
}

export const conversations = (deps: { messages: Pick<MessageStore, 'conversations'> }, me: string, q: { limit: number; before?: string }): Promise<Page<ConversationSummary>> =>
  deps.messages.conversations(me, q);

export const unreadCounts = (deps: { messages: Pick<MessageStore, 'unreadCounts'> }, me: string): Promise<UnreadCounts> => deps.messages.unreadCounts(me);

export const systemList = (deps: { messages: Pick<MessageStore, 'systemList'> }, me: string, q: { limit: number; before?: string; unreadOnly: boolean }): Promise<Page<Message>> =>
  deps.messages.systemList(me, q);

export const markSystemRead = async (deps: { messages: Pick<MessageStore, 'markSystemRead'> }, me: string, ids: string[] | 'all'): Promise<{ updated: number }> => ({
  updated: await deps.messages.markSystemRead(me, ids),
});

/**
 * Soft delete. A chat message only by its sender (both sides are told); a system message only by its recipient.
 * Anything else — someone else's message, an unknown id, an already deleted one — is NOT_FOUND, so ids can't be probed.
 */
export async function deleteMessage(deps: UpdateDeps<'findById' | 'softDelete'>, me: string, messageId: string): Promise<void> {
  const message = await deps.messages.findById(messageId);
  const mine =
    message !== null &&
    message.deletedAt === null &&
    (message.messageType === 'CHAT' ? message.fromUserId === me : message.toUserId === me);
  if (!mine || message === null) throw notFound('no such message');
  const deleted = await deps.messages.softDelete(message);
  if (!deleted) throw notFound('no such message');
  if (message.messageType === 'CHAT') {
    const to = message.toUserId;
    await Promise.all([
      deliver(deps, [me], { type: 'messageDeleted', messageId, peerId: to }),
      deliver(deps, [to], { type: 'messageDeleted', messageId, peerId: me }),
    ]);
  }
}

/** My friends with presence and unread counts; online first, then by name. O(my friends). */
export async function listFriends(
  deps: Pick<Deps, 'friends' | 'connections' | 'settings'> & { messages: Pick<MessageStore, 'unreadByPeer'> },
  me: string,
): Promise<{ items: Friend[] }> {
  const friends = await deps.friends.list(me);
  const ids = friends.map((f) => f.userId);
  const [unread, live] = await Promise.all([deps.messages.unreadByPeer(me, ids), deps.connections.liveOf(ids)]);
  const online = new Set(live.map((c) => c.userId));
  const items = friends.map((f) => ({ userId: f.userId, name: f.name, online: online.has(f.userId), unreadCount: unread.get(f.userId) ?? 0 }));
  items.sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
  return { items };
}

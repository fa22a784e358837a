/** 1:1 chat: send, read state, typing, history, conversations, counts, delete. */
import { AppError, badRequest, clientMessageIdReused, notFound, tooLarge } from './errors';
import { deliver } from './delivery';
import type { Deps } from './deps';
import { UNSENT_TAG, imageKey, thumbKey, type AttachmentStore, type DeliveryConnections, type FileStore, type MessageStore, type RateLimiter, type RateRule } from './ports';
import { LIMITS } from '../contract/limits';
import type { ConversationSummary, Friend, Message, Metadata, Page, UnreadCounts } from '../contract/messages';
import { signMessage, storedAttachment } from './attachments';
import { logger } from '../shared/logger';
import { sameMessage } from './same-message';

export interface SendInput {
  from: string;
  connectionId?: string;
  to: string;
  content: string;
  clientMessageId: string;
  metadata?: Metadata | null;
  /** 1–4 distinct attachment ids (the sender's own, ready, not yet sent). */
  attachments?: string[];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * What renders as nothing: white space, control characters, Unicode's default-ignorable code points (zero-width
 * spaces and joiners, word joiner, BOM, soft hyphen, Hangul fillers U+115F/U+1160/U+3164/U+FFA0, variation
 * selectors, tags, bidi marks …) and the blank Braille pattern U+2800. Content made only of these is empty.
 */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/**
 * Content is trimmed, must show something, and must be 1–4,000 characters (Unicode code points) — or, on a message
 * with attachments (`allowEmpty`), may be empty: nothing visible is then stored as ''.
 */
export function normaliseContent(raw: string, allowEmpty = false): string {
  const content = raw.trim();
  if (content.length === 0 || content.replace(INVISIBLE, '').length === 0) {
    if (allowEmpty) return '';
    throw badRequest('"content" must not be empty');
  }
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

/** What sending attachments needs: their records, and the bucket (tags; signed URLs for the ack and pushes). */
export interface SendAttachmentDeps {
  attachments: Pick<AttachmentStore, 'get'>;
  files: Pick<FileStore, 'signedUrl' | 'removeTags' | 'putTags'>;
}

const refused = () => badRequest('an attachment is not yours, not ready or already sent');

/**
 * The attachments of a send, checked before anything is written: distinct, each the sender's own and ready.
 * `fresh` = none of them is sent yet (their files' unsent tags come off now); otherwise this can only be a resend of
 * the message that sent them, which the transaction tells (a duplicate) — or refuses (BAD_REQUEST).
 */
async function checkAttachments(deps: SendAttachmentDeps, from: string, ids: readonly string[]) {
  if (new Set(ids).size !== ids.length) throw badRequest('"attachments" must not name one attachment twice');
  const records = await Promise.all(ids.map((id) => deps.attachments.get(id)));
  const ready = records.filter((r) => r !== null && r.ownerId === from && r.status === 'ready');
  if (ready.length !== ids.length) throw refused();
  const list = ready.map((r) => storedAttachment(r!));
  const fresh = ready.every((r) => r!.messageId === undefined);
  return { list, fresh };
}

const fileKeys = (ids: readonly string[]) => ids.flatMap((id) => [imageKey(id), thumbKey(id)]);

/**
 * Store, then acknowledge. The message is durable before anyone sees it; pushes to the recipient and to the
 * sender's other connections are best-effort on top. A repeat clientMessageId returns the original message.
 */
export async function sendChat(
  deps: UpdateDeps<'appendChat'> & Pick<Deps, 'ids'> & SendAttachmentDeps,
  input: SendInput,
): Promise<{ message: Message; duplicate: boolean }> {
  if (input.to === input.from) throw badRequest('you cannot send a message to yourself');
  const ids = input.attachments ?? [];
  if (ids.length > 4) throw badRequest('"attachments" may name at most 4 attachments');
  const content = normaliseContent(input.content, ids.length > 0);
  const metadata = checkMetadata(input.metadata);
  // A plain message touches nothing of this: no record read, no S3 call (docs/PERFORMANCE.md call budgets).
  const attached = ids.length ? await checkAttachments(deps, input.from, ids) : { list: [], fresh: false };
  const now = deps.clock.now();
  const draft: Message = {
    id: deps.ids.next(now, [input.from, input.to]),
    fromUserId: input.from,
    toUserId: input.to,
    messageType: 'CHAT',
    content,
    metadata,
    isRead: false,
    createdAt: new Date(now).toISOString(),
    clientMessageId: input.clientMessageId,
    attachments: attached.list as Message['attachments'],
  };
  // Unsent files expire (lifecycle rule on the tag): the tag comes off BEFORE the message exists, so a stored
  // message never points at files about to expire; if the message is then not stored, the tag goes back on.
  const untagged = attached.fresh ? fileKeys(ids) : [];
  await Promise.all(untagged.map((k) => deps.files.removeTags(k)));
  let result: Awaited<ReturnType<typeof deps.messages.appendChat>> | undefined;
  try {
    result = await deps.messages.appendChat(draft, deps.settings.sendRate);
  } finally {
    if (untagged.length && result?.status !== 'stored') await retag(deps, untagged);
  }
  // A clientMessageId is an idempotency key: reused for a different message, it is refused, never silently acked
  // with the old one (nothing new was stored: the claim on the key failed).
  if (result.status === 'duplicate' && !sameMessage(result.message, draft)) {
    throw clientMessageIdReused();
  }
  const message = await signMessage(deps.files, result.message);
  if (result.status === 'stored') {
    await deliver(deps, [input.to, input.from], { type: 'message', message }, { exceptConnectionId: input.connectionId });
  }
  return { message, duplicate: result.status === 'duplicate' };
}

/** Best effort: put the unsent tag back on files whose message was not stored (the lifecycle then expires them). */
async function retag(deps: SendAttachmentDeps, keys: string[]): Promise<void> {
  await Promise.all(
    keys.map((k) =>
      deps.files.putTags(k, { [UNSENT_TAG.key]: UNSENT_TAG.value }).catch((err: unknown) => {
        logger.warn('could not put the unsent tag back', { key: k, error: (err as Error).name });
      }),
    ),
  );
}

/** A `messages` port of just these methods, and what telling both sides needs: no id generator, no friend store. */
type UpdateDeps<K extends keyof MessageStore> = Pick<Deps, 'pusher' | 'settings' | 'clock'> & {
  connections: DeliveryConnections;
  messages: Pick<MessageStore, K>;
};

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

/** Readers' files: signed GET URLs of the messages' attachments, made at read time (fresh on every read). */
type Signer = { files: Pick<FileStore, 'signedUrl'> };

export async function history(
  deps: { messages: Pick<MessageStore, 'history'> } & Signer,
  me: string,
  peer: string,
  q: { limit: number; before?: string; after?: string },
): Promise<Page<Message>> {
  if (q.before && q.after) throw badRequest('use either "before" or "after", not both');
  const page = await deps.messages.history(me, peer, q);
  return { ...page, items: await Promise.all(page.items.map((m) => signMessage(deps.files, m))) };
}

export async function conversations(
  deps: { messages: Pick<MessageStore, 'conversations'> } & Signer,
  me: string,
  q: { limit: number; before?: string },
): Promise<Page<ConversationSummary>> {
  const page = await deps.messages.conversations(me, q);
  return { ...page, items: await Promise.all(page.items.map(async (c) => ({ ...c, lastMessage: await signMessage(deps.files, c.lastMessage) }))) };
}

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
export async function deleteMessage(
  deps: UpdateDeps<'findById' | 'softDelete'> & { files: Pick<FileStore, 'delete'> },
  me: string,
  messageId: string,
): Promise<void> {
  const message = await deps.messages.findById(me, messageId);
  const mine =
    message !== null &&
    message.deletedAt === null &&
    (message.messageType === 'CHAT' ? message.fromUserId === me : message.toUserId === me);
  if (!mine || message === null) throw notFound('no such message');
  const deleted = await deps.messages.softDelete(message);
  if (!deleted) throw notFound('no such message');
  // Its files go with it (the records keep their messageId: an attachment is never sent twice).
  const ids = (message.attachments ?? []).map((a) => a.id);
  if (ids.length) await deps.files.delete(fileKeys(ids));
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

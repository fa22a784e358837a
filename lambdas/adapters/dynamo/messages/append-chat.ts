/**
 * Append a chat message (issue #15: 10 billed write units, 2 write requests):
 *  1. claim.ts — the clientMessageId claim and the sender's rate hit, one PartiQL batch of two single writes (2);
 *  2. ONE transaction of the message item (no index keys: 2) and the pair item (2) — the friendship check is its
 *     condition, it takes the newest message, the recipient's unread count and both sides' list entries (each
 *     side's `U#`/`R#` key moves: 2 + 2 index writes) — plus one claim per attachment.
 * Durable before the ack (the transaction), exactly once per clientMessageId (the claim: a resend finds it and gets
 * the stored original; a claim whose message is not stored — a first attempt cut short — is completed by the
 * resend under the claimed id; another message under a used key is refused, by the claim's fingerprint), friends only, rate limited (a
 * refused frame or a resend of a stored message gives its hit back), and every count and list position changes
 * with the message in the same transaction.
 */
import type { Message } from '../../../contract/messages';
import type { AppendChatResult, RateRule } from '../../../core/ports';
import { AppError, badRequest, clientMessageIdReused, notFriends, rateLimited } from '../../../core/errors';
import { fingerprint } from '../../../core/same-message';
import { ATT_SK, attPk, cmidPk, convPk, listSk, msgSk, otherSide, pairKey, sideAttrs, sideOf, type Key } from '../keys';
import { transact, type Named, type TxItem } from '../transact';
import { claimAndCount, release } from './claim';
import { messageItem, type Item } from './items';
import { getItem } from './query';

type ChatItem = 'message' | 'pair' | `attachment:${number}`;
const retry = (what: string) => new AppError('INTERNAL', `could not ${what}; please retry`);

/**
 * The claim on one attachment (design-14 "send"): the sender's own, ready, not yet sent — then it belongs to this
 * message (messageId set) and no longer expires (expiresAt removed).
 */
function attachmentClaim(table: string, attachmentId: string, from: string, messageId: string): TxItem {
  return {
    Update: {
      TableName: table,
      Key: { pk: attPk(attachmentId), sk: ATT_SK },
      UpdateExpression: 'SET messageId = :mid REMOVE expiresAt',
      ConditionExpression: 'ownerId = :from AND #status = :ready AND attribute_not_exists(messageId)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':mid': messageId, ':from': from, ':ready': 'ready' },
    },
  };
}

/** The contract's answer when an attachment can't be sent (design-14). */
export const ATTACHMENT_REFUSED = () => badRequest('an attachment is not yours, not ready or already sent');

/**
 * How the pair item takes the message. `newest` (the usual case): it becomes the last message; both list sort keys
 * move to its id (their partition keys, `USER#<owner>`, are written once, with the friendship) — the recipient's
 * as unread, the sender's keeping the sender's own unread state, guessed and checked by the condition. `older`: a newer message got there first (clocks of two functions differ a little), given the pair
 * item as it was (`seen`): only the recipient's count and list key change — unless the recipient's watermark is
 * already past this id (then the message is read from the start and the count stays).
 */
type Plan = { newest: true; senderUnread: boolean } | { newest: false; seen: Item };

function pairUpdate(table: string, m: Message, plan: Plan): TxItem {
  const from = m.fromUserId as string;
  const to = m.toUserId;
  const s = sideAttrs(sideOf(from, to));
  const r = sideAttrs(otherSide(sideOf(from, to)));
  const common = { TableName: table, Key: pairKey(from, to), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
  if (plan.newest) {
    return {
      Update: {
        ...common,
        UpdateExpression: 'SET updatedAt = :at, lastId = :id, #ssk = :ssk, #rsk = :rsk ADD #ru :one',
        ConditionExpression: `friend = :yes AND (attribute_not_exists(lastId) OR lastId < :id) AND ${plan.senderUnread ? '#su > :zero' : '(attribute_not_exists(#su) OR #su = :zero)'}`,
        ExpressionAttributeNames: { '#su': s.unread, '#ru': r.unread, '#ssk': s.sk, '#rsk': r.sk },
        ExpressionAttributeValues: {
          ':at': m.createdAt,
          ':id': m.id,
          ':ssk': listSk(plan.senderUnread, m.id),
          ':rsk': listSk(true, m.id),
          ':one': 1,
          ':yes': true,
          ':zero': 0,
        },
      },
    };
  }
  const lastId = String(plan.seen.lastId);
  const read = plan.seen[r.read];
  const counts = typeof read !== 'string' || m.id > read;
  const unread = Number(plan.seen[r.unread] ?? 0) + (counts ? 1 : 0);
  return {
    Update: {
      ...common,
      UpdateExpression: 'SET #rsk = :rsk ADD #ru :d',
      ConditionExpression: `friend = :yes AND lastId = :last AND ${typeof read === 'string' ? '#rr = :read' : 'attribute_not_exists(#rr)'}`,
      ExpressionAttributeNames: { '#rr': r.read, '#rsk': r.sk, '#ru': r.unread },
      ExpressionAttributeValues: { ':yes': true, ':last': lastId, ':rsk': listSk(unread > 0, lastId), ':d': counts ? 1 : 0, ...(typeof read === 'string' ? { ':read': read } : {}) },
    },
  };
}

/** Stores `m` (message item + pair item + attachment claims, one transaction): 'stored', or 'exists' (its id was). */
async function commit(table: string, m: Message): Promise<'stored' | 'exists'> {
  const from = m.fromUserId as string;
  const to = m.toUserId;
  const mySide = sideAttrs(sideOf(from, to));
  let plan: Plan = { newest: true, senderUnread: false };
  for (let attempt = 0; attempt < 5; attempt++) {
    const items: Array<Named<ChatItem>> = [
      { name: 'message', item: { Put: { TableName: table, Item: messageItem(m, convPk(from, to)), ConditionExpression: 'attribute_not_exists(pk)' } } },
      { name: 'pair', item: pairUpdate(table, m, plan) },
      ...(m.attachments ?? []).map((a, i): Named<ChatItem> => ({ name: `attachment:${i}`, item: attachmentClaim(table, a.id, from, m.id) })),
    ];
    const result = await transact(items);
    if (result.ok) return 'stored';
    const { failed } = result;
    if (failed.has('message')) return 'exists';
    if ([...failed.keys()].some((name) => name.startsWith('attachment:'))) throw ATTACHMENT_REFUSED();
    const pair = failed.get('pair')?.item;
    if (!pair || pair.friend !== true) throw notFriends();
    // The pair item was not as planned: plan again from what it is.
    plan = typeof pair.lastId === 'string' && pair.lastId >= m.id ? { newest: false, seen: pair } : { newest: true, senderUnread: Number(pair[mySide.unread] ?? 0) > 0 };
  }
  throw retry('store the message');
}

export async function appendChat(table: string, m: Message, rate: RateRule): Promise<AppendChatResult> {
  const from = m.fromUserId as string;
  const key = { pk: cmidPk(from), sk: m.clientMessageId as string };
  const fp = fingerprint(m);
  const { claimed, rate: hit } = await claimAndCount(table, from, key, { id: m.id, createdAt: m.createdAt, fp }, rate);
  const counted = hit === 'counted';
  // The claim this frame holds (released if the message is refused); a hit is given back if nothing new is stored.
  let message = m;
  if (!claimed) {
    const claim = await getItem(table, key, true);
    // Released between our INSERT and this read (that attempt was refused): nothing is stored under the key.
    if (typeof claim?.id !== 'string') return done(table, from, rate, key, '', counted, retry('store the message'));
    if (claim.fp !== fp) return done(table, from, rate, key, '', counted, clientMessageIdReused());
    // The same message (same fingerprint), under the id and time it was claimed with.
    message = { ...m, id: claim.id, createdAt: String(claim.createdAt) };
    const stored = await storedCopy(table, message);
    if (stored) return done(table, from, rate, key, '', counted, { status: 'duplicate', message: stored });
    // Claimed but not stored (a first attempt cut short, or still running): this one stores it, with its id.
  }
  if (!counted) return done(table, from, rate, key, message.id, false, rateLimited());
  try {
    if ((await commit(table, message)) === 'stored') return { status: 'stored', message };
  } catch (err) {
    // Refused (not friends, an attachment): nothing was stored — release. Anything else (a timeout, throttling)
    // may have committed after all: keep the claim, so a resend finds the message or stores it, never twice.
    if (err instanceof AppError && err.code !== 'INTERNAL') return done(table, from, rate, key, message.id, true, err);
    throw err;
  }
  // The other attempt stored it first.
  const stored = await storedCopy(table, message);
  return done(table, from, rate, key, '', true, stored ? { status: 'duplicate', message: stored } : retry('read the original message'));
}

/** Releases what this frame holds (claim.ts `release`), then answers or throws. */
async function done(table: string, from: string, rate: RateRule, key: Key, claimId: string, counted: boolean, outcome: AppendChatResult | Error): Promise<AppendChatResult> {
  await release(table, from, rate, key, claimId, counted);
  if (outcome instanceof Error) throw outcome;
  return outcome;
}

/** `message` as stored, with its read state now (the recipient's watermark on the pair item); null if not stored. */
async function storedCopy(table: string, message: Message): Promise<Message | null> {
  const a = message.fromUserId as string;
  const b = message.toUserId;
  const [item, pair] = await Promise.all([getItem(table, { pk: convPk(a, b), sk: msgSk(message.id) }, true), getItem(table, pairKey(a, b), true)]);
  const read = pair?.[sideAttrs(sideOf(b, a)).read];
  return item ? { ...message, isRead: typeof read === 'string' && message.id <= read } : null;
}

/**
 * Append a chat message (issue #15: 10 billed write units, 2 write requests):
 *  1. claim.ts — the clientMessageId claim and the sender's rate hit, one PartiQL batch of two single writes (2);
 *  2. ONE transaction of the message item (no index keys: 2) and the pair item (2) — the friendship check is its
 *     condition, it takes the newest message, the recipient's unread count and both sides' list entries (each
 *     side's `U#`/`R#` key moves: 2 + 2 index writes) — plus one claim per attachment.
 * Durable before the ack (the transaction), exactly once per clientMessageId (the claim: a resend finds it and gets
 * the stored original; a claim whose message is not stored — a first attempt cut short — is completed by the
 * resend with the ORIGINAL id, the message's own condition keeping it single), friends only, rate limited, and
 * every count and list position changes with the message in the same transaction.
 */
import type { Message } from '../../../contract/messages';
import type { AppendChatResult, RateRule } from '../../../core/ports';
import { AppError, badRequest, notFriends, rateLimited } from '../../../core/errors';
import { sameMessage } from '../../../core/same-message';
import { ATT_SK, attPk, cmidPk, convPk, listSk, msgSk, otherSide, pairKey, sideAttrs, sideOf, userPk, type Key } from '../keys';
import { transact, type Named, type TxItem } from '../transact';
import { claimAndCount, refund, unclaim } from './claim';
import { messageItem, publicMessage, toMessage, type Item } from './items';
import { recipientRead, viewOf } from './pair';
import { getItem } from './query';

type ChatItem = 'message' | 'pair' | `attachment:${number}`;

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
 * How the pair item takes the message. `newest`: it becomes the last message (the usual case), and the sender's
 * list key keeps the sender's own unread state, guessed (`senderUnread`) and checked by the condition. `older`: a
 * newer message got there first (clocks of two functions differ by a little): only the recipient's count, unless
 * its watermark is already past this id (then it counts as read), given the pair item as it was (`seen`).
 */
type Plan = { kind: 'newest'; senderUnread: boolean } | { kind: 'older'; seen: Item };

function pairUpdate(table: string, m: Message, plan: Plan): TxItem {
  const from = m.fromUserId as string;
  const to = m.toUserId;
  const s = sideAttrs(sideOf(from, to));
  const r = sideAttrs(otherSide(sideOf(from, to)));
  const names = { '#su': s.unread, '#ru': r.unread, '#rr': r.read, '#spk': s.pk, '#ssk': s.sk, '#rpk': r.pk, '#rsk': r.sk };
  const Key = pairKey(from, to);
  if (plan.kind === 'newest') {
    return {
      Update: {
        TableName: table,
        Key,
        UpdateExpression:
          'SET lastMessage = :last, updatedAt = :at, lastId = :id, #spk = :spk, #ssk = :ssk, #rpk = :rpk, #rsk = :rsk ADD #ru :one',
        ConditionExpression: `friend = :yes AND (attribute_not_exists(lastId) OR lastId < :id) AND ${
          plan.senderUnread ? '#su > :zero' : '(attribute_not_exists(#su) OR #su = :zero)'
        }`,
        ExpressionAttributeNames: { '#su': names['#su'], '#ru': names['#ru'], '#spk': names['#spk'], '#ssk': names['#ssk'], '#rpk': names['#rpk'], '#rsk': names['#rsk'] },
        ExpressionAttributeValues: {
          ':last': JSON.stringify(publicMessage(m)),
          ':at': m.createdAt,
          ':id': m.id,
          ':spk': userPk(from),
          ':ssk': listSk(plan.senderUnread, m.id),
          ':rpk': userPk(to),
          ':rsk': listSk(true, m.id),
          ':one': 1,
          ':yes': true,
          ':zero': 0,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
  const seen = plan.seen;
  const lastId = String(seen.lastId);
  const readTo = typeof seen[r.read] === 'string' ? (seen[r.read] as string) : undefined;
  const unchanged = `friend = :yes AND lastId = :last AND ${readTo === undefined ? 'attribute_not_exists(#rr)' : '#rr = :read'}`;
  const values: Item = { ':yes': true, ':last': lastId, ...(readTo === undefined ? {} : { ':read': readTo }) };
  if (readTo !== undefined && m.id <= readTo) {
    // Already behind the recipient's watermark: stored as read; the pair item only vouches for the friendship.
    return { ConditionCheck: { TableName: table, Key, ConditionExpression: unchanged, ExpressionAttributeNames: { '#rr': r.read }, ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  }
  return {
    Update: {
      TableName: table,
      Key,
      UpdateExpression: 'SET #rsk = :rsk ADD #ru :one',
      ConditionExpression: unchanged,
      ExpressionAttributeNames: { '#rr': r.read, '#rsk': r.sk, '#ru': r.unread },
      ExpressionAttributeValues: { ...values, ':rsk': listSk(true, lastId), ':one': 1 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** Stores `m` (message item + pair item + attachment claims, one transaction): 'stored', or 'exists' (its id was). */
async function commit(table: string, m: Message): Promise<'stored' | 'exists'> {
  const from = m.fromUserId as string;
  const to = m.toUserId;
  const mySide = sideAttrs(sideOf(from, to));
  let plan: Plan = { kind: 'newest', senderUnread: false };
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
    plan =
      typeof pair.lastId === 'string' && pair.lastId >= m.id
        ? { kind: 'older', seen: pair }
        : { kind: 'newest', senderUnread: Number(pair[mySide.unread] ?? 0) > 0 };
  }
  throw new AppError('INTERNAL', 'could not store the message; please retry');
}

export async function appendChat(table: string, m: Message, rate: RateRule): Promise<AppendChatResult> {
  const from = m.fromUserId as string;
  const claimKey = { pk: cmidPk(from), sk: m.clientMessageId as string };
  const json = JSON.stringify(m);
  const { claimed, rate: hit } = await claimAndCount(table, from, claimKey, json, rate);
  const counted = hit === 'counted';
  if (!claimed) return resume(table, claimKey, m, rate, counted);
  // From here this frame owns the claim: a refusal releases it and gives the rate hit back.
  const release = () => Promise.allSettled([unclaim(table, claimKey, json), counted ? refund(table, from, rate) : undefined]);
  if (!counted) {
    await release();
    throw rateLimited();
  }
  try {
    await commit(table, m);
  } catch (err) {
    await release();
    throw err;
  }
  return { status: 'stored', message: m };
}

/**
 * The clientMessageId was claimed before. Its message stored: the original (with its read state now). Not stored
 * (the first attempt was cut short, or is still running): the same message is stored now with the original's id —
 * whichever attempt commits first wins, the other finds it stored. A different message under the same key gets the
 * original back, which the domain refuses (BAD_REQUEST). A resend counts against the rate only if it stores.
 */
async function resume(table: string, claimKey: Key, m: Message, rate: RateRule, counted: boolean): Promise<AppendChatResult> {
  const from = m.fromUserId as string;
  const giveBack = async () => {
    if (counted) await refund(table, from, rate).catch(() => undefined);
  };
  const claim = await getItem(table, claimKey, true);
  if (!claim || typeof claim.message !== 'string') {
    // Released between our INSERT and this read (its attempt was refused): nothing is stored under the key.
    await giveBack();
    throw new AppError('INTERNAL', 'could not store the message; please retry');
  }
  const original = JSON.parse(claim.message) as Message;
  const stored = await storedCopy(table, original);
  if (stored) {
    await giveBack();
    return { status: 'duplicate', message: stored };
  }
  if (!sameMessage(original, m)) {
    await giveBack();
    return { status: 'duplicate', message: original };
  }
  if (!counted) throw rateLimited();
  try {
    if ((await commit(table, original)) === 'stored') return { status: 'stored', message: original };
  } catch (err) {
    await Promise.allSettled([unclaim(table, claimKey, claim.message), giveBack()]);
    throw err;
  }
  await giveBack();
  const now = await storedCopy(table, original);
  if (!now) throw new AppError('INTERNAL', 'could not read the original message; please retry');
  return { status: 'duplicate', message: now };
}

/** The stored message `original` names (with its read state now), or null. */
async function storedCopy(table: string, original: Message): Promise<Message | null> {
  const a = original.fromUserId as string;
  const b = original.toUserId;
  const [item, pair] = await Promise.all([getItem(table, { pk: convPk(a, b), sk: msgSk(original.id) }, true), getItem(table, pairKey(a, b), true)]);
  return item ? publicMessage(toMessage(item, recipientRead(viewOf(pair, a, b), original))) : null;
}

/**
 * The pair item (issue #15): one item per conversation holding both sides' state, so a chat message writes ONE
 * conversation item instead of two rows and a counter (docs/DATA.md "Pair item"):
 *   lo, hi            the two users (lo < hi)
 *   friend            true while they are friends (written with the friend rows: a message's friendship check)
 *   tag               the conversation's tag (lambdas/adapters/ids.ts): the keys-only `byTag` index finds the pair
 *                     of a message id
 *   lastId, updatedAt the newest message's id and time (once there is one; the message itself stays in its item,
 *                     so the pair item — and its two index entries — stay small whatever a message's size)
 *   unreadLo/unreadHi the side's unread messages from the other side — the one count of each badge
 *   readLo/readHi     the side's read watermark: it has read the other side's messages up to this id
 *   gLoPk/gLoSk, gHiPk/gHiSk   each side's entry in its owner's conversation list (`sideLo` / `sideHi` indexes):
 *                     `USER#<owner>` and `U#<lastId>` while that side has unread messages, else `R#<lastId>` —
 *                     most recent first within each, and the `U#` entries alone give the unread total.
 */
import { pairKey, sideAttrs, sideOf, otherSide, type Side } from '../keys';
import type { Item } from './items';
import { getItem } from './query';

/** One side of the pair as its owner sees it. */
export interface PairView {
  me: string;
  peer: string;
  side: Side;
  friend: boolean;
  /** My unread messages from the peer. */
  unread: number;
  /** I have read the peer's messages up to this id. */
  myRead: string | null;
  /** The peer has read my messages up to this id. */
  peerRead: string | null;
  lastId: string | null;
  updatedAt: string | null;
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

export function viewOf(item: Item | undefined, me: string, peer: string): PairView {
  const side = sideOf(me, peer);
  const mine = sideAttrs(side);
  const theirs = sideAttrs(otherSide(side));
  return {
    me,
    peer,
    side,
    friend: item?.friend === true,
    unread: Math.max(0, Number(item?.[mine.unread] ?? 0)),
    myRead: str(item?.[mine.read]),
    peerRead: str(item?.[theirs.read]),
    lastId: str(item?.lastId),
    updatedAt: str(item?.updatedAt),
  };
}

export async function readPair(table: string, me: string, peer: string, consistent = true): Promise<{ item: Item | undefined; view: PairView }> {
  const item = await getItem(table, pairKey(me, peer), consistent);
  return { item, view: viewOf(item, me, peer) };
}

/** The recipient's read watermark for a message between the two users of `view`. */
export function recipientRead(view: PairView, m: { fromUserId: string | null }): string | null {
  return m.fromUserId === view.me ? view.peerRead : view.myRead;
}

/** The two users of a pair key `PAIR#<lo>#<hi>`. */
export function usersOfPairPk(pk: string): [string, string] | null {
  const parts = pk.split('#');
  return parts.length === 3 && parts[0] === 'PAIR' ? [parts[1], parts[2]] : null;
}

/**
 * Key layout of the main table (lib/wiring.ts documents the item shapes).
 *
 * Collision-free by construction: every key is `KIND#` followed by `#`-separated parts, and no part that comes from
 * users can contain `#` (user ids, message ids and clientMessageIds are validated without it, and the builders below
 * refuse one anyway). So each key splits into its parts one way only, and the fixed words in it (`CHAT`, `SYSTEM`)
 * stand at positions a user id can never take — there is no reserved user name to forbid. A user named `SYS` or
 * `SYSTEM` has unread-chat key `UNREAD#<me>#CHAT#SYSTEM`, never the system key `UNREAD#<me>#SYSTEM`.
 */

/** A key part from user data: never `#` (which would let it pose as more than one part). */
function part(value: string): string {
  if (value.includes('#')) throw new Error('a key part may not contain "#"');
  return value;
}

export const userPk = (u: string) => `USER#${part(u)}`;
export const convPk = (a: string, b: string) => (a < b ? `CONV#${part(a)}#${part(b)}` : `CONV#${part(b)}#${part(a)}`);
export const sysPk = (u: string) => `SYS#${part(u)}`;
export const msgSk = (id: string) => `MSG#${part(id)}`;
export const convSk = (peer: string) => `CONV#${part(peer)}`;
export const friendSk = (v: string) => `FRIEND#${part(v)}`;
export const COUNTS_SK = 'COUNTS';
export const PROFILE_SK = 'PROFILE';
/** Sparse read-state index: unread chat messages from one peer (4 parts) vs unread system messages (3 parts). */
export const unreadChatPk = (to: string, from: string) => `UNREAD#${part(to)}#CHAT#${part(from)}`;
export const unreadSystemPk = (to: string) => `UNREAD#${part(to)}#SYSTEM`;
/** The unread key of a message: chat by its sender, system (no sender) by kind. */
export const unreadPk = (to: string, from: string | null) => (from === null ? unreadSystemPk(to) : unreadChatPk(to, from));
export const cmidPk = (sender: string) => `CMID#${part(sender)}`;
export const eventPk = (eventId: string) => `EVT#${eventId}`;
export const ratePk = (u: string) => `RATE#${part(u)}`;
/** Attachment record: pk ATT#<attachmentId>, sk ATT. */
export const attPk = (attachmentId: string) => `ATT#${part(attachmentId)}`;
export const ATT_SK = 'ATT';

/**
 * The pair item of two users (issue #15): one item per conversation, both sides' state in it — friendship flag,
 * last message, each side's unread count and read watermark, and each side's place in its owner's conversation
 * list (the `sideLo` / `sideHi` indexes). `lo` is the smaller user id, `hi` the other.
 */
export const pairPk = (a: string, b: string) => (a < b ? `PAIR#${part(a)}#${part(b)}` : `PAIR#${part(b)}#${part(a)}`);
export const PAIR_SK = 'PAIR';
export const pairKey = (a: string, b: string): Key => ({ pk: pairPk(a, b), sk: PAIR_SK });
export type Side = 'Lo' | 'Hi';
/** Which side of the pair (me, peer) is mine. */
export const sideOf = (me: string, peer: string): Side => (me < peer ? 'Lo' : 'Hi');
export const otherSide = (s: Side): Side => (s === 'Lo' ? 'Hi' : 'Lo');
/** The list-index key of a side: `U#<lastId>` while that side has unread messages, else `R#<lastId>`. */
export const listSk = (unread: boolean, lastId: string) => `${unread ? 'U' : 'R'}#${part(lastId)}`;

export const INDEX = { unread: 'unread', sideLo: 'sideLo', sideHi: 'sideHi', byTag: 'byTag' } as const;
/** The list index of a side, and the names of that side's attributes on the pair item. */
export const sideIndex = (s: Side) => (s === 'Lo' ? INDEX.sideLo : INDEX.sideHi);
export const sideAttrs = (s: Side) => ({ pk: `g${s}Pk`, sk: `g${s}Sk`, unread: `unread${s}`, read: `read${s}`, user: s === 'Lo' ? 'lo' : 'hi' });

export interface Key {
  pk: string;
  sk: string;
}

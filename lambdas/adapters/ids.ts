/**
 * Message ids: ULIDs, monotonic within a container, so they sort by creation time and serve as cursors.
 *
 * A chat message's id also names its conversation (issue #15): characters 11–18 — the top 40 of the ULID's 80
 * random bits — are the conversation's tag (`pairTag`: the first 40 bits of SHA-256 of the sorted pair), so
 * `DELETE /api/messages/{id}` finds the message through the pair items' keys-only `byTag` index, written once per
 * conversation, instead of an index entry per message. The other 40 bits stay random (monotonic within a
 * millisecond), and the id is still a valid ULID sorting by creation time.
 */
import { createHash } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { IdSource } from '../core/ports';

const monotonic = /* @__PURE__ */ monotonicFactory();
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Where the tag sits in an id, and its length (8 characters of 5 bits). */
export const TAG_AT = 10;
export const TAG_LENGTH = 8;

/** The tag of the conversation of users a and b (order-free): the first 40 bits of SHA-256(`lo#hi`), 5 bits a character. */
export function pairTag(a: string, b: string): string {
  const d = createHash('sha256').update(a < b ? `${a}#${b}` : `${b}#${a}`).digest();
  let out = '';
  for (let bit = 0; bit < TAG_LENGTH * 5; bit += 5) out += CROCKFORD[(((d[bit >> 3] << 8) | d[(bit >> 3) + 1]) >> (11 - (bit & 7))) & 31];
  return out;
}

/** The tag an id carries (meaningful only for chat message ids). */
export const tagOf = (id: string) => id.slice(TAG_AT, TAG_AT + TAG_LENGTH);

export const ulidIds: IdSource = {
  next: (at: number, pair?: readonly [string, string]) => {
    const id = monotonic(at);
    return pair ? id.slice(0, TAG_AT) + pairTag(pair[0], pair[1]) + id.slice(TAG_AT + TAG_LENGTH) : id;
  },
};

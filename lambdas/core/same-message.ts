/** When a resend (same clientMessageId) is the same message — the domain and the store judge it alike. */
import { createHash } from 'node:crypto';
import type { Message } from '../contract/messages';

/** JSON with object keys sorted, so equal metadata compares equal whatever its key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

const attachmentIds = (m: Message) => (m.attachments ?? []).map((a) => a.id).join(',');

/** A resend is the same message: same recipient, content, metadata and attachments (ids, in order). */
export function sameMessage(original: Message, resend: Message): boolean {
  return (
    original.toUserId === resend.toUserId &&
    original.content === resend.content &&
    canonical(original.metadata) === canonical(resend.metadata) &&
    attachmentIds(original) === attachmentIds(resend)
  );
}

/**
 * What `sameMessage` compares, as a short digest: two messages have the same fingerprint exactly when they are the
 * same message in its sense. The store keeps this, not the message, under a clientMessageId (a claim stays one small
 * item whatever the message's size).
 */
export function fingerprint(m: Message): string {
  return createHash('sha256')
    .update(JSON.stringify([m.toUserId, m.content, canonical(m.metadata), attachmentIds(m)]))
    .digest('base64');
}

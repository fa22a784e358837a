/**
 * My messages on their way: each send is an optimistic bubble (in its thread's `pending`) until the ack — or the
 * stored message from elsewhere — replaces it (stores/threads.ts). No ack in time, or an error frame for it: the
 * bubble fails and can be retried with the SAME clientMessageId (the server stores it at most once) or discarded.
 * While the socket is down a send waits as "sending" and goes out when it reopens.
 */
import { defineStore } from 'pinia';
import { errorText } from '../lib/errors';
import { charCount, newClientMessageId } from '../lib/text';
import { useChatStore } from './chat';
import { useThreadsStore, type ChatItem, type Thread } from './threads';
import { useUploadsStore } from './uploads';
import { MAX_CONTENT_CHARS } from '../types';

/** A sent frame without an ack after this long is shown as failed (with retry). */
export const ACK_TIMEOUT_MS = 10_000;

export const useOutboxStore = defineStore('outbox', () => {
  const chat = useChatStore();
  const threads = useThreadsStore();
  const ackTimers = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * Queue a message: an optimistic bubble now, the ack replaces it. Returns its clientMessageId. With `uploadKeys`
   * (stores/uploads.ts) it carries images (the text may then be empty) and goes out once they are all ready.
   */
  function sendMessage(peerId: string, text: string, uploadKeys: string[] = []): string | undefined {
    const content = text.trim();
    if ((!content && !uploadKeys.length) || charCount(content) > MAX_CONTENT_CHARS) return undefined;
    const uploads = useUploadsStore();
    const deps = chat.deps();
    const cmid = deps.newClientMessageId ? deps.newClientMessageId() : newClientMessageId();
    const t = threads.thread(peerId);
    t.newSince = undefined; // replying: the new ones have been seen
    t.pending.push({
      id: `local-${cmid}`,
      fromUserId: chat.me,
      toUserId: peerId,
      messageType: 'CHAT',
      content,
      metadata: null,
      isRead: false,
      createdAt: new Date(chat.now()).toISOString(),
      clientMessageId: cmid,
      // Until the ack: the local files (blob: URLs) stand in for the server's images.
      attachments: uploadKeys.map((k) => {
        const u = uploads.get(k)!;
        return { id: k, contentType: u.file.type as 'image/png', size: u.file.size, width: u.width ?? 0, height: u.height ?? 0, url: u.previewUrl, thumbnailUrl: u.previewUrl };
      }),
      uploadKeys: uploadKeys.length ? uploadKeys : undefined,
      status: 'sending',
      local: true,
      after: anchorOf(t),
    });
    chat.touchWindow(peerId);
    transmit(t.pending[t.pending.length - 1]!);
    return cmid;
  }

  /** Where a bubble written now goes: after the newest server message held (see threads.ts shownItems). */
  function anchorOf(t: Thread): string | undefined {
    return t.items.length ? t.items[t.items.length - 1]!.id : t.loaded ? '' : undefined;
  }

  /**
   * Send again with the SAME clientMessageId: the server stores it at most once. It is written anew: it moves to
   * the end of the thread now (and, once acked, sits where the server's id/time puts it).
   */
  function retry(peerId: string, clientMessageId: string): void {
    const t = threads.threads[peerId];
    const p = t?.pending.find((x) => x.clientMessageId === clientMessageId);
    if (!t || !p) return;
    p.status = 'sending';
    p.error = undefined;
    p.errorCode = undefined;
    const uploads = useUploadsStore();
    for (const k of p.uploadKeys ?? []) uploads.retry(k); // only the failed or rejected ones start again
    p.after = anchorOf(t);
    p.createdAt = new Date(chat.now()).toISOString();
    t.pending = [...t.pending.filter((x) => x !== p), p];
    transmit(t.pending[t.pending.length - 1]!);
  }

  /** Give up on a failed message (remove its bubble). */
  function discard(peerId: string, clientMessageId: string): void {
    const t = threads.threads[peerId];
    if (!t) return;
    const p = t.pending.find((x) => x.clientMessageId === clientMessageId);
    t.pending = t.pending.filter((x) => x !== p);
    settled(clientMessageId);
    if (p?.uploadKeys) useUploadsStore().release(p.uploadKeys);
  }

  function findPending(cmid: string): { t: Thread; p: ChatItem } | undefined {
    for (const t of Object.values(threads.threads)) {
      const p = t.pending.find((x) => x.clientMessageId === cmid);
      if (p) return { t, p };
    }
    return undefined;
  }

  function transmit(p: ChatItem): void {
    const cmid = p.clientMessageId!;
    settled(cmid);
    let attachments: string[] | undefined;
    if (p.uploadKeys?.length) {
      // Images: it waits as "sending" until all are ready; one that failed or was rejected fails the message.
      const uploads = useUploadsStore();
      const ups = p.uploadKeys.map((k) => uploads.get(k));
      if (ups.some((u) => !u || u.status === 'failed' || u.status === 'rejected')) {
        p.status = 'failed';
        p.errorCode = 'ATTACHMENT';
        p.error = errorText('ATTACHMENT');
        return;
      }
      if (ups.some((u) => u!.status !== 'ready')) return;
      attachments = ups.map((u) => u!.attachmentId!);
    }
    // Not connected: it waits as "sending" (the top bar says why) and goes out when the socket reopens
    // (flushPending, same clientMessageId). The ack timer only runs for a frame that was actually sent.
    const frame = { action: 'sendMessage' as const, to: p.toUserId, content: p.content, clientMessageId: cmid, ...(attachments ? { attachments } : {}) };
    if (!chat.deps().send(frame)) return;
    ackTimers.set(
      cmid,
      setTimeout(() => {
        ackTimers.delete(cmid);
        const q = findPending(cmid)?.p;
        if (q && q.status === 'sending') {
          q.status = 'failed';
          q.error = errorText('TIMEOUT');
          q.errorCode = 'TIMEOUT';
        }
      }, ACK_TIMEOUT_MS),
    );
  }

  /** An error frame for a send: its bubble fails with a sentence for the code. False when no bubble has that id. */
  function sendFailed(clientMessageId: string, code: string): boolean {
    const found = findPending(clientMessageId);
    if (!found) return false;
    settled(clientMessageId);
    found.p.status = 'failed';
    found.p.error = errorText(code, chat.nameOf(found.t.peerId));
    found.p.errorCode = code;
    return true;
  }

  /** Its ack (or the stored message) arrived: no timeout for it any more. */
  function settled(cmid: string): void {
    const t = ackTimers.get(cmid);
    if (t) clearTimeout(t);
    ackTimers.delete(cmid);
  }

  /** After a (re)connect: send again what is still waiting (same clientMessageIds). */
  function flushPending(): void {
    for (const t of Object.values(threads.threads)) for (const p of t.pending) if (p.status === 'sending') transmit(p);
  }

  /** An upload of a waiting message became ready, failed or was rejected: send (or fail) what can now. */
  function uploadsChanged(): void {
    for (const t of Object.values(threads.threads))
      for (const p of t.pending) if (p.status === 'sending' && p.uploadKeys?.length && !ackTimers.has(p.clientMessageId!)) transmit(p);
  }

  function reset(): void {
    for (const t of ackTimers.values()) clearTimeout(t);
    ackTimers.clear();
  }

  return { sendMessage, retry, discard, sendFailed, settled, flushPending, uploadsChanged, reset };
});

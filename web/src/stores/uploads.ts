/**
 * Images on their way (CONTRACT.md "Attachments (images)"): a file picked, pasted or dropped into a chat's composer
 * becomes an upload — a ticket (`POST /api/attachments`), then the file as a multipart form POST to the ticket's
 * URL (XMLHttpRequest, for its upload progress), then the server's check (`attachment` frame ready / rejected; after
 * a reconnect `GET /api/attachments/{id}` tells what was missed). Each one can be cancelled (aborted) and retried
 * (a new ticket). A message with images waits as "sending" until all of them are ready (stores/outbox.ts).
 */
import { defineStore } from 'pinia';
import { reactive } from 'vue';
import type { RestClient } from '../api/rest';
import { ATTACHMENT_CONTENT_TYPES, ATTACHMENT_LIMITS } from '../types';
import { clear, dict } from './dict';
import { useOutboxStore } from './outbox';

export type UploadStatus = 'uploading' | 'checking' | 'ready' | 'rejected' | 'failed';

export interface Upload {
  /** Local key (stable across retries: a retry takes a new ticket, so a new attachmentId). */
  key: string;
  peerId: string;
  file: File;
  name: string;
  /** A blob: URL of the file, for the chip and the bubble until the server's thumbnail replaces it. */
  previewUrl: string;
  width?: number;
  height?: number;
  status: UploadStatus;
  /** 0–1 while uploading. */
  progress: number;
  attachmentId?: string;
  /** Why it failed or was rejected: an i18n key under `uploads.` (reason codes, TOO_LARGE, RATE_LIMITED, failed). */
  error?: string;
}

export interface UploadDeps {
  rest: Pick<RestClient, 'createAttachment' | 'getAttachment'>;
  /** A new XMLHttpRequest (tests give a fake). */
  xhr?: () => XMLHttpRequest;
  /** A preview URL for a file (URL.createObjectURL; tests give a fake). */
  objectUrl?: (f: File) => string;
  revokeUrl?: (url: string) => void;
}

/** Why a file was refused before any upload: an i18n key under `uploads.`. */
export type Refusal = 'type' | 'size' | 'count' | 'empty';

const REASONS = ['not_an_image', 'type_mismatch', 'too_many_pixels', 'corrupt'];
const CODES = ['TOO_LARGE', 'RATE_LIMITED', 'NETWORK'];

export const useUploadsStore = defineStore('uploads', () => {
  const uploads = reactive(dict<Upload>());
  /** The composer's chips per peer (keys in order); they move to a message when it is sent. */
  const drafts = reactive(dict<string[]>());
  const requests = new Map<string, XMLHttpRequest>();
  let deps: UploadDeps | undefined;
  let seq = 0;

  function attach(d: UploadDeps): void {
    deps = d;
  }

  function draft(peerId: string): Upload[] {
    return (drafts[peerId] ?? []).map((k) => uploads[k]).filter((u): u is Upload => !!u);
  }

  /**
   * Add files to a chat's composer. Returns the refusals (each file that can't go: wrong type, over 10 MB, over 4 per
   * message); the others start uploading at once.
   */
  function add(peerId: string, files: Iterable<File>): { file: string; reason: Refusal }[] {
    const refused: { file: string; reason: Refusal }[] = [];
    for (const file of files) {
      const reason: Refusal | undefined = !(ATTACHMENT_CONTENT_TYPES as readonly string[]).includes(file.type)
        ? 'type'
        : file.size > ATTACHMENT_LIMITS.maxBytes
          ? 'size'
          : file.size < ATTACHMENT_LIMITS.minBytes
            ? 'empty'
            : (drafts[peerId]?.length ?? 0) >= ATTACHMENT_LIMITS.perMessage
              ? 'count'
              : undefined;
      if (reason) {
        refused.push({ file: file.name, reason });
        continue;
      }
      const key = `u${++seq}`;
      const previewUrl = deps?.objectUrl ? deps.objectUrl(file) : URL.createObjectURL(file);
      uploads[key] = { key, peerId, file, name: file.name || 'image', previewUrl, status: 'uploading', progress: 0 };
      (drafts[peerId] ??= []).push(key);
      measure(key);
      void start(key);
    }
    return refused;
  }

  /** Natural size of the image (for the bubble's reserved box while it is still local). */
  function measure(key: string): void {
    if (typeof Image === 'undefined' || deps?.objectUrl) return;
    const img = new Image();
    img.onload = () => {
      const u = uploads[key];
      if (u) Object.assign(u, { width: img.naturalWidth, height: img.naturalHeight });
    };
    img.src = uploads[key]!.previewUrl;
  }

  async function start(key: string): Promise<void> {
    const u = uploads[key];
    if (!u || !deps) return;
    Object.assign(u, { status: 'uploading', progress: 0, error: undefined, attachmentId: undefined });
    let ticket;
    try {
      ticket = await deps.rest.createAttachment({ contentType: u.file.type, size: u.file.size });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'NETWORK';
      return fail(key, 'failed', CODES.includes(code) ? code : 'failed');
    }
    if (uploads[key] !== u || u.status !== 'uploading') return; // cancelled meanwhile
    u.attachmentId = ticket.attachmentId;
    const xhr = deps.xhr ? deps.xhr() : new XMLHttpRequest();
    requests.set(key, xhr);
    xhr.open('POST', ticket.upload.url);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0 && u.status === 'uploading') u.progress = Math.min(1, e.loaded / e.total);
    };
    xhr.onload = () => {
      requests.delete(key);
      if (xhr.status >= 200 && xhr.status < 300) {
        if (u.status === 'uploading') Object.assign(u, { status: 'checking', progress: 1 });
      } else fail(key, 'failed', 'failed');
    };
    xhr.onerror = () => {
      requests.delete(key);
      fail(key, 'failed', 'NETWORK');
    };
    const form = new FormData();
    for (const [k, v] of Object.entries(ticket.upload.fields)) form.append(k, v);
    form.append('file', u.file); // last: S3 ignores what follows the file
    xhr.send(form);
  }

  function fail(key: string, status: 'failed' | 'rejected', error: string): void {
    const u = uploads[key];
    if (!u || u.status === 'ready') return;
    Object.assign(u, { status, error });
    useOutboxStore().uploadsChanged();
  }

  /** An `attachment` frame (or the status read after a reconnect). */
  function onStatus(attachmentId: string, status: string, reason?: string): void {
    const u = Object.values(uploads).find((x) => x.attachmentId === attachmentId);
    if (!u || u.status === 'ready' || u.status === 'rejected') return;
    if (status === 'ready') {
      requests.delete(u.key); // the frame may beat the upload's own answer
      Object.assign(u, { status: 'ready', progress: 1, error: undefined });
      useOutboxStore().uploadsChanged();
    } else if (status === 'rejected') fail(u.key, 'rejected', REASONS.includes(reason ?? '') ? reason! : 'corrupt');
  }

  /** After a reconnect: ask for the uploads whose check we were waiting for (their frame may have been missed). */
  async function recheck(): Promise<void> {
    const waiting = Object.values(uploads).filter((u) => u.status === 'checking' && u.attachmentId);
    await Promise.all(
      waiting.map(async (u) => {
        try {
          const s = await deps!.rest.getAttachment(u.attachmentId!);
          onStatus(s.attachmentId, s.status, s.reason);
        } catch {
          // still unknown: the next reconnect (or the frame) tells
        }
      }),
    );
  }

  /** Stop an upload and take it out of the composer. */
  function cancel(key: string): void {
    const u = uploads[key];
    if (!u) return;
    const list = drafts[u.peerId];
    if (list) drafts[u.peerId] = list.filter((k) => k !== key);
    release([key]);
  }

  /** Upload again with a new ticket (a failed or rejected one). */
  function retry(key: string): void {
    const u = uploads[key];
    if (u && (u.status === 'failed' || u.status === 'rejected')) void start(key);
  }

  /** The message is sent: its chips leave the composer (the uploads go on, the message waits for them). */
  function takeDraft(peerId: string): Upload[] {
    const list = draft(peerId);
    drafts[peerId] = [];
    return list;
  }

  /**
   * A message's images are done with (its ack replaced the local bubble, or it was discarded): forget them, stop any
   * upload still running and free their preview URLs.
   */
  function release(keys: string[]): void {
    for (const k of keys) {
      const u = uploads[k];
      if (!u) continue;
      requests.get(k)?.abort();
      requests.delete(k);
      deps?.revokeUrl ? deps.revokeUrl(u.previewUrl) : URL.revokeObjectURL?.(u.previewUrl);
      delete uploads[k];
    }
  }

  function get(key: string): Upload | undefined {
    return uploads[key];
  }

  function reset(): void {
    for (const xhr of requests.values()) xhr.abort();
    requests.clear();
    clear(uploads);
    clear(drafts);
  }

  return { attach, add, draft, cancel, retry, takeDraft, release, get, onStatus, recheck, reset };
});

/**
 * Image attachments (CONTRACT.md "Attachments (images)"; design-14): an upload ticket, the check-and-clean of what
 * was uploaded, the uploader's view of its state, and the signed URLs readers get.
 *
 * Life of an attachment: POST /api/attachments -> record `pending` + a presigned POST to `uploads/<user>/<id>` ->
 * the browser uploads -> S3 ObjectCreated -> processUploaded: the bytes checked and cleaned (processImage), the image
 * and thumbnail written to `files/<id>/…` tagged `parley-unsent=true`, the record `ready` (or `rejected` with a
 * reason), the raw upload deleted, an `attachment` frame to the uploader -> sendMessage claims it (chat.ts).
 */
import { ATTACHMENT_LIMITS, type AttachmentContentType } from '../contract/limits';
import type { Attachment, AttachmentRejectReason, AttachmentState, CreatedAttachment, Message, StoredAttachment } from '../contract/messages';
import { deliver } from './delivery';
import type { Deps } from './deps';
import { AppError, notFound } from './errors';
import {
  UNSENT_TAG,
  imageKey,
  thumbKey,
  uploadKey,
  type AttachmentRecord,
  type AttachmentStore,
  type DeliveryConnections,
  type FileStore,
  type RateLimiter,
  type RateRule,
} from './ports';
import { logger } from '../shared/logger';

/** What processImage (lambdas/attachments/image.ts) answers; injected so the domain carries no image library. */
export type ImageResult =
  | { ok: true; image: Buffer; thumbnail: Buffer; width: number; height: number; contentType: AttachmentContentType }
  | { ok: false; reason: AttachmentRejectReason };

export interface CreateUploadDeps {
  attachments: Pick<AttachmentStore, 'create'>;
  files: Pick<FileStore, 'presignUpload'>;
  rate: RateLimiter;
  clock: Deps['clock'];
  newAttachmentId: () => string;
  settings: { uploadRate: RateRule };
}

/**
 * A ticket for one upload: counted against the user's upload rate (RATE_LIMITED), a pending record (expiring after
 * 24 h unless sent), and a presigned POST for exactly the declared type and size, valid 15 minutes.
 */
export async function createUpload(deps: CreateUploadDeps, me: string, input: { contentType: AttachmentContentType; size: number }): Promise<CreatedAttachment> {
  if (input.size > ATTACHMENT_LIMITS.maxBytes) throw new AppError('TOO_LARGE', `an image may be at most ${ATTACHMENT_LIMITS.maxBytes} bytes (10 MB)`);
  await deps.rate.hit(me, deps.settings.uploadRate);
  const now = deps.clock.now();
  const attachmentId = deps.newAttachmentId();
  await deps.attachments.create({
    attachmentId,
    ownerId: me,
    status: 'pending',
    contentType: input.contentType,
    size: input.size,
    createdAt: new Date(now).toISOString(),
    expiresAt: Math.floor(now / 1000) + ATTACHMENT_LIMITS.unsentSeconds,
  });
  const upload = await deps.files.presignUpload(uploadKey(me, attachmentId), input.contentType, input.size, ATTACHMENT_LIMITS.uploadSeconds);
  return { attachmentId, upload, expiresAt: new Date(now + ATTACHMENT_LIMITS.uploadSeconds * 1000).toISOString() };
}

/** `uploads/<userId>/<attachmentId>` -> its parts; undefined for any other key. */
export function parseUploadKey(key: string): { userId: string; attachmentId: string } | undefined {
  const m = /^uploads\/([^/]+)\/(att_[0-9A-HJKMNP-TV-Z]{26})$/.exec(key);
  return m ? { userId: m[1], attachmentId: m[2] } : undefined;
}

export type ProcessDeps = Pick<Deps, 'pusher' | 'settings' | 'clock'> & {
  connections: DeliveryConnections;
  attachments: Pick<AttachmentStore, 'get' | 'finish'>;
  files: Pick<FileStore, 'read' | 'write' | 'delete'>;
  processImage: (bytes: Buffer, declaredType: string) => Promise<ImageResult>;
};

export type ProcessOutcome = 'ready' | 'rejected' | 'ignored' | 'already-done';

/**
 * One uploaded object: checked, cleaned, recorded, announced; the raw upload deleted whatever the outcome.
 * Idempotent: S3 may deliver an event more than once, and only the first to move the record out of `pending`
 * announces it (a later one finds it done, or finds no raw upload left, and does nothing else).
 */
export async function processUploaded(deps: ProcessDeps, key: string): Promise<ProcessOutcome> {
  const parts = parseUploadKey(key);
  if (!parts) {
    logger.warn('object created outside the upload layout; left alone', { key });
    return 'ignored';
  }
  const record = await deps.attachments.get(parts.attachmentId);
  if (!record || record.ownerId !== parts.userId) {
    // An upload nobody asked for (or whose record expired): nobody may ever use it.
    await deps.files.delete([key]);
    logger.warn('upload without a matching attachment record; deleted', { attachmentId: parts.attachmentId });
    return 'ignored';
  }
  if (record.status !== 'pending') {
    await deps.files.delete([key]);
    return 'already-done';
  }
  const bytes = await deps.files.read(key);
  if (bytes === null) return 'already-done';

  const result = await deps.processImage(bytes, record.contentType);
  let finished: boolean;
  if (result.ok) {
    const tags = { [UNSENT_TAG.key]: UNSENT_TAG.value };
    await Promise.all([
      deps.files.write(imageKey(record.attachmentId), result.image, result.contentType, tags),
      deps.files.write(thumbKey(record.attachmentId), result.thumbnail, result.contentType, tags),
    ]);
    finished = await deps.attachments.finish(record.attachmentId, {
      status: 'ready',
      size: result.image.length,
      width: result.width,
      height: result.height,
      contentType: result.contentType,
    });
  } else {
    finished = await deps.attachments.finish(record.attachmentId, { status: 'rejected', reason: result.reason });
  }
  await deps.files.delete([key]);
  if (!finished) return 'already-done';
  await deliver(
    deps,
    [record.ownerId],
    result.ok
      ? { type: 'attachment', attachmentId: record.attachmentId, status: 'ready' }
      : { type: 'attachment', attachmentId: record.attachmentId, status: 'rejected', reason: result.reason },
  );
  return result.ok ? 'ready' : 'rejected';
}

/** The stored part of a ready record (what a message keeps). */
export function storedAttachment(r: AttachmentRecord): StoredAttachment {
  return { id: r.attachmentId, contentType: r.contentType, size: r.size, width: r.width ?? 0, height: r.height ?? 0 };
}

/** Readers' view: signed GET URLs (valid 2 h) of the image and its thumbnail. */
export async function withUrls(files: Pick<FileStore, 'signedUrl'>, list: readonly StoredAttachment[] | undefined): Promise<Attachment[]> {
  if (!list || list.length === 0) return [];
  return Promise.all(
    list.map(async (a) => {
      const [url, thumbnailUrl] = await Promise.all([
        files.signedUrl(imageKey(a.id), ATTACHMENT_LIMITS.urlSeconds),
        files.signedUrl(thumbKey(a.id), ATTACHMENT_LIMITS.urlSeconds),
      ]);
      return { id: a.id, contentType: a.contentType, size: a.size, width: a.width, height: a.height, url, thumbnailUrl };
    }),
  );
}

/** The uploader's view of an attachment; anyone else (and an unknown id) gets NOT_FOUND, so ids can't be probed. */
export async function getAttachment(
  deps: { attachments: Pick<AttachmentStore, 'get'>; files: Pick<FileStore, 'signedUrl'> },
  me: string,
  attachmentId: string,
): Promise<AttachmentState> {
  const record = await deps.attachments.get(attachmentId);
  if (!record || record.ownerId !== me) throw notFound('no such attachment');
  const state: AttachmentState = { attachmentId, status: record.status };
  if (record.status === 'rejected' && record.reason) state.reason = record.reason;
  if (record.status === 'ready') [state.attachment] = await withUrls(deps.files, [storedAttachment(record)]);
  return state;
}

/** A message as readers get it: `attachments` always present, each with fresh signed URLs (no S3 call: signing is local). */
export async function signMessage(files: Pick<FileStore, 'signedUrl'>, m: Message): Promise<Message> {
  return { ...m, attachments: await withUrls(files, m.attachments) };
}

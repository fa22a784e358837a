/**
 * In-memory attachment ports (lambdas/core/ports.ts AttachmentStore, FileStore) for the domain tests; re-exported by
 * test/support/memory-ports.ts, whose MemoryMessageStore claims these records in its sendMessage step.
 */
import type { AttachmentRecord, AttachmentStore, FileStore, UploadPolicy } from '../../../lambdas/core/ports';

/** Attachment records (ATT#): a conditional create, strongly consistent reads, finish only from pending. */
export class MemoryAttachmentStore implements AttachmentStore {
  readonly records = new Map<string, AttachmentRecord>();

  async create(record: AttachmentRecord): Promise<void> {
    if (this.records.has(record.attachmentId)) throw new Error('ConditionalCheckFailed: attachment exists');
    this.records.set(record.attachmentId, { ...record });
  }

  async get(attachmentId: string): Promise<AttachmentRecord | null> {
    const r = this.records.get(attachmentId);
    return r ? { ...r } : null;
  }

  async finish(attachmentId: string, outcome: Parameters<AttachmentStore['finish']>[1]): Promise<boolean> {
    const r = this.records.get(attachmentId);
    if (!r || r.status !== 'pending') return false;
    if (outcome.status === 'ready') Object.assign(r, outcome);
    else Object.assign(r, { status: 'rejected', reason: outcome.reason });
    return true;
  }
}

/**
 * The uploads bucket in memory: objects with type and tags; presigned POSTs and signed URLs are recorded strings
 * (`memory://…`) whose expiry a test can read. `failing` makes the named operation throw (a test of a failed S3 call).
 */
export class MemoryFileStore implements FileStore {
  readonly objects = new Map<string, { body: Buffer; contentType: string; tags: Record<string, string> }>();
  readonly presigned: Array<{ key: string; contentType: string; size: number; expiresSeconds: number }> = [];
  readonly failing = new Set<keyof FileStore>();
  /** Every call, in order, as `op key` (what a test of "nothing was touched" reads). */
  readonly log: string[] = [];

  private check(op: keyof FileStore, key: string) {
    this.log.push(`${op} ${key}`);
    if (this.failing.has(op)) throw new Error(`memory S3: ${op} failed`);
  }

  async presignUpload(key: string, contentType: string, size: number, expiresSeconds: number): Promise<UploadPolicy> {
    this.check('presignUpload', key);
    this.presigned.push({ key, contentType, size, expiresSeconds });
    return { url: 'memory://uploads', fields: { key, 'Content-Type': contentType } };
  }

  async read(key: string): Promise<Buffer | null> {
    this.check('read', key);
    return this.objects.get(key)?.body ?? null;
  }

  async write(key: string, body: Buffer, contentType: string, tags: Record<string, string> = {}): Promise<void> {
    this.check('write', key);
    this.objects.set(key, { body, contentType, tags: { ...tags } });
  }

  async delete(keys: string[]): Promise<void> {
    this.check('delete', keys.join(','));
    for (const k of keys) this.objects.delete(k);
  }

  async signedUrl(key: string, expiresSeconds: number): Promise<string> {
    this.check('signedUrl', key);
    return `memory://${key}?expires=${expiresSeconds}`;
  }

  async removeTags(key: string): Promise<void> {
    this.check('removeTags', key);
    const o = this.objects.get(key);
    if (o) o.tags = {};
  }

  async putTags(key: string, tags: Record<string, string>): Promise<void> {
    this.check('putTags', key);
    const o = this.objects.get(key);
    if (o) o.tags = { ...tags };
  }
}

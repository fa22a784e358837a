/**
 * Where the local S3 endpoint keeps objects: files under a data folder (`.parley/s3/<bucket>/`, kept across
 * restarts like the rest of `.parley/`) or memory (tests). Uploads stream through a writer that counts and hashes
 * as bytes arrive and only becomes visible on commit, so a refused upload leaves nothing behind.
 * On disk each object is `<sha256(key)>.data` + `<sha256(key)>.json` (key, size, ETag, type, metadata): a key can be
 * up to 1024 bytes and hold `../`, neither of which a file name can take safely.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  /** MD5 of the bytes, hex, without quotes (S3's ETag of a single-part upload). */
  etag: string;
  contentType: string;
  lastModified: Date;
  /** x-amz-meta-* without the prefix, names lower-cased. */
  metadata: Record<string, string>;
  /** Object tags (absent or {} when none). */
  tags?: Record<string, string>;
}

export interface ObjectMeta {
  contentType: string;
  metadata: Record<string, string>;
  tags?: Record<string, string>;
}

export interface ObjectWriter {
  write(chunk: Buffer): Promise<void>;
  /** Bytes written so far. */
  readonly size: number;
  commit(meta: ObjectMeta): Promise<ObjectInfo>;
  abort(): Promise<void>;
}

export interface ObjectStore {
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  get(bucket: string, key: string): Promise<{ info: ObjectInfo; body: () => Readable } | undefined>;
  writer(bucket: string, key: string): ObjectWriter;
  delete(bucket: string, key: string): Promise<void>;
  /** Replace an object's tags; false when there is no such object. */
  setTags(bucket: string, key: string, tags: Record<string, string>): Promise<boolean>;
  /** Every object of a bucket (the lifecycle sweep; not an S3 operation here). */
  list(bucket: string): Promise<ObjectInfo[]>;
}

abstract class HashingWriter implements ObjectWriter {
  private readonly md5 = createHash('md5');
  size = 0;
  constructor(
    protected readonly bucket: string,
    protected readonly key: string,
    private readonly now: () => Date,
  ) {}
  async write(chunk: Buffer): Promise<void> {
    this.md5.update(chunk);
    this.size += chunk.length;
    await this.store(chunk);
  }
  async commit(meta: ObjectMeta): Promise<ObjectInfo> {
    const info: ObjectInfo = { key: this.key, size: this.size, etag: this.md5.digest('hex'), lastModified: this.now(), ...meta };
    await this.publish(info);
    return info;
  }
  protected abstract store(chunk: Buffer): Promise<void>;
  protected abstract publish(info: ObjectInfo): Promise<void>;
  abstract abort(): Promise<void>;
}

export function memoryStore(now: () => Date = () => new Date()): ObjectStore {
  const objects = new Map<string, { info: ObjectInfo; data: Buffer }>();
  const id = (bucket: string, key: string) => `${bucket}\u0000${key}`;
  return {
    async head(bucket, key) {
      return objects.get(id(bucket, key))?.info;
    },
    async get(bucket, key) {
      const o = objects.get(id(bucket, key));
      return o && { info: o.info, body: () => Readable.from([o.data]) };
    },
    writer(bucket, key) {
      const chunks: Buffer[] = [];
      return new (class extends HashingWriter {
        protected async store(chunk: Buffer) {
          chunks.push(chunk);
        }
        protected async publish(info: ObjectInfo) {
          objects.set(id(bucket, key), { info, data: Buffer.concat(chunks) });
        }
        async abort() {
          chunks.length = 0;
        }
      })(bucket, key, now);
    },
    async delete(bucket, key) {
      objects.delete(id(bucket, key));
    },
    async setTags(bucket, key, tags) {
      const o = objects.get(id(bucket, key));
      if (!o) return false;
      o.info = { ...o.info, tags: { ...tags } };
      return true;
    },
    async list(bucket) {
      return [...objects.entries()].filter(([k]) => k.startsWith(`${bucket}\u0000`)).map(([, o]) => o.info);
    },
  };
}

export function fileStore(dir: string, now: () => Date = () => new Date()): ObjectStore {
  const base = (bucket: string, key: string) => join(dir, bucket, createHash('sha256').update(key).digest('hex'));
  const readInfo = async (bucket: string, key: string): Promise<ObjectInfo | undefined> => {
    try {
      const raw = JSON.parse(await readFile(`${base(bucket, key)}.json`, 'utf8')) as ObjectInfo & { lastModified: string };
      return { ...raw, lastModified: new Date(raw.lastModified) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
  return {
    head: readInfo,
    async get(bucket, key) {
      const info = await readInfo(bucket, key);
      return info && { info, body: () => createReadStream(`${base(bucket, key)}.data`) };
    },
    writer(bucket, key) {
      const tmp = join(dir, bucket, `.upload-${randomBytes(8).toString('hex')}`);
      let out: WriteStream | undefined;
      const open = async () => {
        if (!out) {
          await mkdir(join(dir, bucket), { recursive: true });
          out = createWriteStream(tmp);
        }
        return out;
      };
      const close = () => new Promise<void>((resolve, reject) => (out ? out.end((err?: Error | null) => (err ? reject(err) : resolve())) : resolve()));
      return new (class extends HashingWriter {
        protected async store(chunk: Buffer) {
          const w = await open();
          if (!w.write(chunk)) await new Promise<void>((r) => w.once('drain', () => r()));
        }
        protected async publish(info: ObjectInfo) {
          await open();
          await close();
          const target = base(bucket, key);
          await rename(tmp, `${target}.data`);
          await writeFile(`${tmp}.json`, JSON.stringify(info));
          await rename(`${tmp}.json`, `${target}.json`);
        }
        async abort() {
          await close().catch(() => undefined);
          await rm(tmp, { force: true });
        }
      })(bucket, key, now);
    },
    async delete(bucket, key) {
      const target = base(bucket, key);
      await rm(`${target}.json`, { force: true });
      await rm(`${target}.data`, { force: true });
    },
    async setTags(bucket, key, tags) {
      const info = await readInfo(bucket, key);
      if (!info) return false;
      const tmp = join(dir, bucket, `.tags-${randomBytes(8).toString('hex')}.json`);
      await writeFile(tmp, JSON.stringify({ ...info, tags: { ...tags } }));
      await rename(tmp, `${base(bucket, key)}.json`);
      return true;
    },
    async list(bucket) {
      let names: string[];
      try {
        names = await readdir(join(dir, bucket));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      const out: ObjectInfo[] = [];
      for (const name of names) {
        if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
        try {
          const raw = JSON.parse(await readFile(join(dir, bucket, name), 'utf8')) as ObjectInfo & { lastModified: string };
          out.push({ ...raw, lastModified: new Date(raw.lastModified) });
        } catch {
          // deleted meanwhile
        }
      }
      return out;
    },
  };
}

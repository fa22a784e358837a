/** Objects of the uploads bucket: read, write with tags, delete, and the tag changes sendMessage makes. */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { s3Client } from './client';

const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
};

export async function readObject(bucket: string, key: string): Promise<Buffer | null> {
  try {
    const out = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!out.Body) return Buffer.alloc(0);
    return Buffer.from(await out.Body.transformToByteArray());
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/** Tags as S3's `x-amz-tagging` header wants them: URL-query encoded. */
const tagging = (tags: Record<string, string>) => new URLSearchParams(tags).toString();

export async function writeObject(bucket: string, key: string, body: Buffer, contentType: string, tags?: Record<string, string>): Promise<void> {
  await s3Client().send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ...(tags && Object.keys(tags).length ? { Tagging: tagging(tags) } : {}) }),
  );
}

export async function deleteObjects(bucket: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  if (keys.length === 1) {
    await s3Client().send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[0] }));
    return;
  }
  const out = await s3Client().send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
  if (out.Errors?.length) throw new Error(`could not delete ${out.Errors.length} object(s): ${out.Errors[0].Code ?? 'error'}`);
}

export async function removeTags(bucket: string, key: string): Promise<void> {
  await s3Client().send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: key }));
}

export async function putTags(bucket: string, key: string, tags: Record<string, string>): Promise<void> {
  await s3Client().send(
    new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } }),
  );
}

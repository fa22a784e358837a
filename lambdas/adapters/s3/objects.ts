/** Objects of the uploads bucket: read, write with tags, delete, and the tag changes sendMessage makes. */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from './client';
import { objectEndpoint } from './presign';
import { signedRequest } from './signed-request';

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

/** DeleteObjectTagging, hand-signed (lambdas/adapters/s3/signed-request.ts): DeleteObjectTaggingCommand costs sendMessage's bundle more. */
export async function removeTags(bucket: string, key: string): Promise<void> {
  const { url, path, region, service } = await objectEndpoint(bucket, key);
  const { status } = await signedRequest(url, path, { method: 'DELETE', query: { tagging: '' } }, region, service);
  if (status < 200 || status >= 300) throw new Error(`DeleteObjectTagging answered ${status}`);
}

const xmlText = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * PutObjectTagging, as the SDK's command sends it (PUT ?tagging, the TagSet as XML, Content-MD5, SigV4-signed with the
 * client's credentials) through the client's own HTTP handler. Not PutObjectTaggingCommand: its checksum middleware
 * costs sendMessage's bundle 12 KB, for a call made only when a send fails (putting the unsent tag back).
 */
export async function putTags(bucket: string, key: string, tags: Record<string, string>): Promise<void> {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>' +
    Object.entries(tags)
      .map(([k, v]) => `<Tag><Key>${xmlText(k)}</Key><Value>${xmlText(v)}</Value></Tag>`)
      .join('') +
    '</TagSet></Tagging>';
  const { url, path, region, service } = await objectEndpoint(bucket, key);
  const headers = { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(body).digest('base64') };
  const { status } = await signedRequest(url, path, { method: 'PUT', query: { tagging: '' }, headers, body }, region, service);
  if (status < 200 || status >= 300) throw new Error(`PutObjectTagging answered ${status}`);
}

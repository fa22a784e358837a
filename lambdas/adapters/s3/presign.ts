/**
 * Signing for the browser: the presigned POST an upload goes through, and the GET URLs readers fetch files with.
 * Each in its own import so only the handlers that sign carry a signer.
 *
 * The POST policy pins exactly what POST /api/attachments was told (CONTRACT "Attachments (images)": "the upload
 * policy enforces the declared type and size"): the key (`eq $key`), the content type (`eq $Content-Type`) and the
 * size — `content-length-range` from the declared size to the declared size, so a file of any other size is refused
 * by S3 (EntityTooLarge / EntityTooSmall) before anything is stored. A browser knows a File's size exactly, so an
 * exact range costs a client nothing, and the record's declared size is then the stored object's size.
 */
import { createHmac } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions, toEndpointV1 } from '@smithy/core/endpoints';
import type { UploadPolicy } from '../../core/ports';
import { s3Client } from './client';

const iso8601 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * The presigned POST, as `@aws-sdk/s3-presigned-post`'s createPresignedPost builds it (same fields, same policy, the
 * same endpoint resolution), written here because that package pins its own copy of @aws-sdk/client-s3, which would
 * put a second S3 client (≈75 KB) in this handler's bundle. test/unit/attachments-presign.test.ts checks it against
 * the local S3 endpoint, which verifies policies as S3 does.
 */
export async function presignUpload(bucket: string, key: string, contentType: string, size: number, expiresSeconds: number): Promise<UploadPolicy> {
  const client = s3Client();
  const now = new Date(Date.now() + (client.config.systemClockOffset ?? 0));
  const amzDate = iso8601(now).replace(/[-:]/g, '');
  const shortDate = amzDate.slice(0, 8);
  const region = await client.config.region();
  const credentials = await client.config.credentials();
  const scope = `${shortDate}/${region}/s3/aws4_request`;
  const fields: Record<string, string> = {
    'Content-Type': contentType,
    bucket,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
  };
  const conditions: unknown[] = [
    ['content-length-range', size, size],
    ['eq', '$Content-Type', contentType],
    ['eq', '$key', key],
    ...Object.entries(fields).map(([k, v]) => ({ [k]: v })),
    { key },
  ];
  const policy = Buffer.from(JSON.stringify({ expiration: iso8601(new Date(now.getTime() + expiresSeconds * 1000)), conditions }), 'utf8').toString('base64');
  const signingKey = ['s3', 'aws4_request'].reduce((k, part) => hmac(k, part), hmac(hmac(`AWS4${credentials.secretAccessKey}`, shortDate), region));
  const signature = hmac(signingKey, policy).toString('hex');
  const endpoint = toEndpointV1(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await getEndpointFromInstructions({ Bucket: bucket, Key: key }, PutObjectCommand as any, { ...client.config } as any, { logger: client.config.logger }),
  );
  return { url: formatUrl(endpoint), fields: { ...fields, key, Policy: policy, 'X-Amz-Signature': signature } };
}

export function signedGetUrl(bucket: string, key: string, expiresSeconds: number): Promise<string> {
  return getSignedUrl(s3Client(), new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresSeconds });
}

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
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { getEndpointFromInstructions, toEndpointV1 } from '@smithy/core/endpoints';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
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

/**
 * The endpoint parameters of an object operation (GetObjectCommand.getEndpointParameterInstructions()), so the
 * object URL comes from the client's own endpoint rules (path-style locally, virtual-hosted in the cloud) without
 * importing GetObjectCommand's schema.
 */
const OBJECT_ENDPOINT = {
  getEndpointParameterInstructions: () => ({
    ForcePathStyle: { type: 'clientContextParams', name: 'forcePathStyle' },
    UseArnRegion: { type: 'clientContextParams', name: 'useArnRegion' },
    DisableMultiRegionAccessPoints: { type: 'clientContextParams', name: 'disableMultiregionAccessPoints' },
    Accelerate: { type: 'clientContextParams', name: 'useAccelerateEndpoint' },
    DisableS3ExpressSessionAuth: { type: 'clientContextParams', name: 'disableS3ExpressSessionAuth' },
    UseGlobalEndpoint: { type: 'builtInParams', name: 'useGlobalEndpoint' },
    UseFIPS: { type: 'builtInParams', name: 'useFipsEndpoint' },
    Endpoint: { type: 'builtInParams', name: 'endpoint' },
    Region: { type: 'builtInParams', name: 'region' },
    UseDualStack: { type: 'builtInParams', name: 'useDualstackEndpoint' },
    Bucket: { type: 'contextParams', name: 'Bucket' },
    Key: { type: 'contextParams', name: 'Key' },
  }),
};

/**
 * A presigned GET of one object, as `@aws-sdk/s3-request-presigner`'s getSignedUrl makes it (SigV4 query signing,
 * UNSIGNED-PAYLOAD, the host signed), without the presigner package and GetObjectCommand: that pair costs every
 * handler that shows images ≈16 KB, which sendMessage's bundle budget has no room for. Signing is local (no request).
 * test/unit/attachments-presign.test.ts checks the URL against getSignedUrl's and against the local S3 endpoint.
 */
/** An object's URL by the client's endpoint rules, with the signing region and name those rules give. */
export async function objectEndpoint(bucket: string, key: string): Promise<{ url: URL; path: string; region: string; service: string }> {
  const client = s3Client();
  const endpoint = await getEndpointFromInstructions(
    { Bucket: bucket, Key: key },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    OBJECT_ENDPOINT as any,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    client.config as any,
  );
  const scheme = (endpoint.properties?.authSchemes as Array<{ signingRegion?: string; signingName?: string }> | undefined)?.[0];
  const url = endpoint.url;
  return {
    url,
    path: `${url.pathname.replace(/\/+$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`,
    region: scheme?.signingRegion ?? (await client.config.region()),
    service: scheme?.signingName ?? 's3',
  };
}

/** A SigV4 signer with the client's credentials (the execution role's on Lambda). */
export function signerFor(region: string, service: string): SignatureV4 {
  const client = s3Client();
  return new SignatureV4({ credentials: client.config.credentials, region, service, sha256: client.config.sha256, uriEscapePath: false, applyChecksum: false });
}

export async function signedGetUrl(bucket: string, key: string, expiresSeconds: number): Promise<string> {
  const { url, path, region, service } = await objectEndpoint(bucket, key);
  const request = new HttpRequest({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path,
    query: {},
    headers: { host: url.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
  });
  return formatUrl(await signerFor(region, service).presign(request, { expiresIn: expiresSeconds, unsignableHeaders: new Set(['content-type']) }));
}

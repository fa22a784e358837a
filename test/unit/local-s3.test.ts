/**
 * The local S3 endpoint with the stock SDK: @aws-sdk/client-s3 (path-style, static credentials) for objects,
 * @aws-sdk/s3-request-presigner for presigned GETs. Signatures, expiry and S3's error codes as S3 answers them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Event } from 'aws-lambda';
import { startLocalS3 } from '../../local/s3/server';
import { fileStore, memoryStore, type ObjectStore } from '../../local/s3/store';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'PARLEYLOCAL', secretAccessKey: 'parley-local-secret' };
const BUCKET = 'parley-attachments';

let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);

async function startWith(store: ObjectStore, events: S3Event[] = []) {
  const s3 = await startLocalS3({
    region: REGION,
    credentials: CREDENTIALS,
    buckets: [BUCKET],
    store,
    now,
    onObjectCreated: (e) => {
      events.push(e);
    },
  });
  const client = (credentials = CREDENTIALS) =>
    new S3Client({ region: REGION, endpoint: s3.url, forcePathStyle: true, credentials, maxAttempts: 1 });
  return { s3, client, events };
}

async function refusal(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected a refusal');
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('local S3 endpoint with the stock SDK', () => {
  let env: Awaited<ReturnType<typeof startWith>>;
  beforeEach(async () => {
    clockOffsetMs = 0;
    env = await startWith(memoryStore());
  });
  afterEach(async () => {
    await env.s3.close();
  });

  test('PutObject, GetObject, HeadObject and DeleteObject round-trip bytes, type and metadata', async () => {
    const s3 = env.client();
    const body = Buffer.from('hello, parley');
    const put = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'thumbs/u1/a b+c é.png', Body: body, ContentType: 'image/png', Metadata: { owner: 'u1' } }),
    );
    expect(put.ETag).toBe('"' + require('node:crypto').createHash('md5').update(body).digest('hex') + '"');

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'thumbs/u1/a b+c é.png' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.ContentType).toBe('image/png');
    expect(got.Metadata).toEqual({ owner: 'u1' });

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'thumbs/u1/a b+c é.png' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toBe(put.ETag);

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'thumbs/u1/a b+c é.png' }));
    expect(await refusal(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'thumbs/u1/a b+c é.png' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await refusal(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'thumbs/u1/a b+c é.png' })))).toMatchObject({ name: 'NotFound', status: 404 });
  });

  test('a streamed PutObject (aws-chunked body with a trailing checksum) stores the bytes without the chunk framing', async () => {
    const s3 = env.client();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'streamed', Body: Readable.from([Buffer.from('stream '), Buffer.from('body')]), ContentLength: 11 }));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'streamed' }));
    expect(await got.Body!.transformToString()).toBe('stream body');
  });

  test('a body that does not match its CRC32 checksum is BadDigest and is not stored', async () => {
    const s3 = env.client();
    const res = await refusal(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad', Body: Buffer.from('bytes'), ChecksumCRC32: 'AAAAAA==' })));
    expect(res).toMatchObject({ name: 'BadDigest', status: 400 });
    expect(await refusal(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'bad' })))).toMatchObject({ status: 404 });
  });

  test('PutObject tells onObjectCreated with an ObjectCreated:Put event after answering', async () => {
    await env.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'thumbs/u1/x.png', Body: Buffer.from('12345') }));
    await until(() => env.events.length > 0);
    expect(env.events).toHaveLength(1);
    const [record] = env.events[0].Records;
    expect(record.eventName).toBe('ObjectCreated:Put');
    expect(record.s3.object).toMatchObject({ key: 'thumbs/u1/x.png', size: 5 });
    expect(record.s3.bucket.name).toBe(BUCKET);
  });

  test('DeleteObjects deletes each key; CopyObject copies bytes and type', async () => {
    const s3 = env.client();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/1', Body: 'one', ContentType: 'image/gif' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/2', Body: 'two' }));
    const copy = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'b/1 copy', CopySource: `${BUCKET}/a/1` }));
    expect(copy.CopyObjectResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const copied = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'b/1 copy' }));
    expect(await copied.Body!.transformToString()).toBe('one');
    expect(copied.ContentType).toBe('image/gif');

    const out = await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'a/1' }, { Key: 'a/2' }, { Key: 'b/1 copy' }] } }));
    expect(out.Deleted?.map((d) => d.Key).sort()).toEqual(['a/1', 'a/2', 'b/1 copy']);
    expect(await refusal(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a/2' })))).toMatchObject({ name: 'NoSuchKey' });
  });

  test('a wrong secret is SignatureDoesNotMatch, an unknown key id InvalidAccessKeyId, an unknown bucket NoSuchBucket', async () => {
    const wrongSecret = env.client({ ...CREDENTIALS, secretAccessKey: 'nope' });
    expect(await refusal(wrongSecret.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' })))).toMatchObject({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    const unknown = env.client({ accessKeyId: 'AKIAOTHER', secretAccessKey: CREDENTIALS.secretAccessKey });
    expect(await refusal(unknown.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' })))).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
    expect(await refusal(env.client().send(new GetObjectCommand({ Bucket: 'other', Key: 'k' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  test('a request signed more than 15 minutes from the endpoint clock is RequestTimeTooSkewed', async () => {
    clockOffsetMs = 16 * 60 * 1000;
    const s3 = new S3Client({ region: REGION, endpoint: env.s3.url, forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 1, correctClockSkew: false } as never);
    expect(await refusal(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' })))).toMatchObject({ name: 'RequestTimeTooSkewed', status: 403 });
  });

  test('an unsigned GET of a private object is AccessDenied', async () => {
    await env.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'private.png', Body: 'x' }));
    const res = await fetch(`${env.s3.url}/${BUCKET}/private.png`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>AccessDenied</Code>');
  });

  test('on its own port it answers only requests that name it by a loopback name (DNS rebinding)', async () => {
    const answer = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: env.s3.port, path: `/${BUCKET}/k`, headers: { host } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const foreign of ['attacker.example', `attacker.example:${env.s3.port}`]) {
      const res = await answer(foreign);
      expect(res.status).toBe(403);
      expect(res.body).toContain('DNS rebinding');
    }
    // Named by loopback, the request reaches S3's own rules (an anonymous GET of a private object: AccessDenied).
    expect((await answer(`localhost:${env.s3.port}`)).body).toContain('<Code>AccessDenied</Code>');
  });

  describe('presigned GET (@aws-sdk/s3-request-presigner)', () => {
    beforeEach(async () => {
      await env.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'att/u1/p q.jpg', Body: Buffer.from('jpegbytes'), ContentType: 'image/jpeg' }));
    });
    const presign = () => getSignedUrl(env.client(), new GetObjectCommand({ Bucket: BUCKET, Key: 'att/u1/p q.jpg' }), { expiresIn: 300 });

    test('serves the object within X-Amz-Expires', async () => {
      const res = await fetch(await presign());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('jpegbytes');
    });

    test('answers 304 to If-None-Match with the object\'s ETag', async () => {
      const url = await presign();
      const first = await fetch(url);
      const etag = first.headers.get('etag')!;
      await first.arrayBuffer();
      const again = await fetch(url, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
    });

    test('is AccessDenied "Request has expired" after X-Amz-Expires', async () => {
      const url = await presign();
      clockOffsetMs = 301 * 1000;
      const res = await fetch(url);
      expect(res.status).toBe(403);
      const text = await res.text();
      expect(text).toContain('<Code>AccessDenied</Code>');
      expect(text).toContain('<Message>Request has expired</Message>');
    });

    test('is SignatureDoesNotMatch when the key, the expiry or the signature is changed', async () => {
      const url = await presign();
      for (const tampered of [
        url.replace('p%20q.jpg', 'other.jpg'),
        url.replace('X-Amz-Expires=300', 'X-Amz-Expires=600'),
        url.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`),
      ]) {
        expect(tampered).not.toBe(url);
        const res = await fetch(tampered);
        expect(res.status).toBe(403);
        expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
      }
    });
  });
});

describe('local S3 endpoint on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-s3-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('objects survive a restart of the endpoint (data folder)', async () => {
    const first = await startWith(fileStore(dir));
    await first.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: '../../escape/x.png', Body: 'kept', ContentType: 'image/png' }));
    await first.s3.close();

    const second = await startWith(fileStore(dir));
    try {
      const got = await second.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: '../../escape/x.png' }));
      expect(await got.Body!.transformToString()).toBe('kept');
      expect(got.ContentType).toBe('image/png');
    } finally {
      await second.s3.close();
    }
  });
});

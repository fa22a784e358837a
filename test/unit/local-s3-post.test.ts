/**
 * Browser uploads to the local S3 endpoint: a policy from the stock @aws-sdk/s3-presigned-post, then a real
 * multipart/form-data POST (fetch + FormData, the file last) — accepted within the policy, refused with S3's code
 * and message otherwise, and nothing stored or announced when refused.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPost } from '@aws-sdk/s3-presigned-post';
import type { S3Event } from 'aws-lambda';
import { startLocalS3 } from '../../local/s3/server';
import { memoryStore } from '../../local/s3/store';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'PARLEYLOCAL', secretAccessKey: 'parley-local-secret' };
const BUCKET = 'parley-attachments';
const WEB_ORIGIN = 'http://localhost:3000';
const MB = 1024 * 1024;

let clockOffsetMs = 0;
let events: S3Event[] = [];
let s3: Awaited<ReturnType<typeof startLocalS3>>;
let client: S3Client;

beforeEach(async () => {
  clockOffsetMs = 0;
  events = [];
  s3 = await startLocalS3({
    region: REGION,
    credentials: CREDENTIALS,
    buckets: [BUCKET],
    store: memoryStore(),
    corsOrigins: [WEB_ORIGIN],
    now: () => new Date(Date.now() + clockOffsetMs),
    onObjectCreated: (e) => {
      events.push(e);
    },
  });
  client = new S3Client({ region: REGION, endpoint: s3.url, forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 1 });
});
afterEach(async () => {
  await s3.close();
});

/** The ticket POST /api/attachments will hand out (CONTRACT "Attachments (images)"). */
function ticket(key = 'uploads/u1/att_01', contentType = 'image/png', extra: Record<string, string> = {}): Promise<PresignedPost> {
  return createPresignedPost(client, {
    Bucket: BUCKET,
    Key: key,
    Conditions: [['content-length-range', 1, 10 * MB], ['eq', '$Content-Type', contentType], ['starts-with', '$key', 'uploads/u1/']],
    Fields: { 'Content-Type': contentType, ...extra },
    Expires: 900,
  });
}

function form(fields: Record<string, string>, file: Buffer, fileType = 'image/png'): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  f.append('file', new Blob([new Uint8Array(file)], { type: fileType }), 'photo.png');
  return f;
}

async function post(url: string, body: FormData, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  const unescape = (v: string) => v.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const tag = (name: string) => {
    const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text);
    return m ? unescape(m[1]) : undefined;
  };
  return { status: res.status, headers: res.headers, text, code: tag('Code'), message: tag('Message'), tag };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

async function stored(key: string): Promise<boolean> {
  try {
    await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  }
}

async function expectNothingKept(key = 'uploads/u1/att_01') {
  await new Promise((r) => setTimeout(r, 30));
  expect(events).toHaveLength(0);
  expect(await stored(key)).toBe(false);
}

test('a file within the policy is stored (204) and announced as ObjectCreated:Post with its key and size', async () => {
  const { url, fields } = await ticket();
  expect(url).toBe(`${s3.url}/${BUCKET}`);
  const file = Buffer.alloc(2048, 7);

  const res = await post(url, form(fields, file));

  expect(res.status).toBe(204);
  expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
  await until(() => events.length > 0);
  expect(events).toHaveLength(1);
  const [record] = events[0].Records;
  expect(record.eventName).toBe('ObjectCreated:Post');
  expect(record.s3.bucket.name).toBe(BUCKET);
  expect(record.s3.object).toMatchObject({ key: 'uploads/u1/att_01', size: 2048, eTag: res.headers.get('etag')!.slice(1, -1) });
  const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/u1/att_01' }));
  expect(got.ContentType).toBe('image/png');
  expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(file);
});

test('success_action_status 201 answers S3\'s PostResponse document', async () => {
  const { url, fields } = await ticket('uploads/u1/att_02', 'image/png', { success_action_status: '201' });
  const res = await post(url, form(fields, Buffer.from('png')));
  expect(res.status).toBe(201);
  expect(res.tag('Key')).toBe('uploads/u1/att_02');
  expect(res.tag('Bucket')).toBe(BUCKET);
});

test('a file over content-length-range is EntityTooLarge (400) and is not kept', async () => {
  const { url, fields } = await ticket();
  const res = await post(url, form(fields, Buffer.alloc(10 * MB + 1)));
  expect(res).toMatchObject({ status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' });
  expect(res.tag('MaxSizeAllowed')).toBe(String(10 * MB));
  await expectNothingKept();
});

test('an empty file is EntityTooSmall (400)', async () => {
  const { url, fields } = await ticket();
  const res = await post(url, form(fields, Buffer.alloc(0)));
  expect(res).toMatchObject({ status: 400, code: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed size' });
  expect(res.tag('MinSizeAllowed')).toBe('1');
  await expectNothingKept();
});

test('another Content-Type than the policy\'s is AccessDenied: Policy Condition failed', async () => {
  const { url, fields } = await ticket();
  const res = await post(url, form({ ...fields, 'Content-Type': 'text/html' }, Buffer.from('<script>')));
  expect(res.status).toBe(403);
  expect(res.code).toBe('AccessDenied');
  expect(res.message).toBe('Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]');
  await expectNothingKept();
});

test('a key outside the user\'s prefix is AccessDenied: Policy Condition failed', async () => {
  const { url, fields } = await createPresignedPost(client, {
    Bucket: BUCKET,
    Key: 'uploads/u1/${filename}',
    Conditions: [['content-length-range', 1, 10 * MB], ['starts-with', '$key', 'uploads/u1/']],
    Expires: 900,
  });
  const ok = await post(url, form(fields, Buffer.from('x')));
  expect(ok.status).toBe(204); // ${filename} is the file part's name
  await until(() => events.length > 0);
  expect(events[0].Records[0].s3.object.key).toBe('uploads/u1/photo.png');
  events = [];

  const res = await post(url, form({ ...fields, key: 'uploads/u2/photo.png' }, Buffer.from('x')));
  expect(res).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/u1/"]' });
  await expectNothingKept('uploads/u2/photo.png');
});

test('a changed policy is SignatureDoesNotMatch (403)', async () => {
  const { url, fields } = await ticket();
  const doc = JSON.parse(Buffer.from(fields.Policy, 'base64').toString());
  doc.conditions = doc.conditions.map((c: unknown) => (Array.isArray(c) && c[0] === 'content-length-range' ? ['content-length-range', 1, 1000 * MB] : c));
  const res = await post(url, form({ ...fields, Policy: Buffer.from(JSON.stringify(doc)).toString('base64') }, Buffer.from('x')));
  expect(res).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  await expectNothingKept();
});

test('a wrong signature is SignatureDoesNotMatch (403)', async () => {
  const { url, fields } = await ticket();
  const sig = fields['X-Amz-Signature'];
  const res = await post(url, form({ ...fields, 'X-Amz-Signature': (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1) }, Buffer.from('x')));
  expect(res).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  await expectNothingKept();
});

test('a policy past its expiration is AccessDenied: Policy expired', async () => {
  const { url, fields } = await ticket();
  clockOffsetMs = 901 * 1000;
  const res = await post(url, form(fields, Buffer.from('x')));
  expect(res).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Invalid according to Policy: Policy expired.' });
  await expectNothingKept();
});

test('a field no condition names is AccessDenied: Extra input fields', async () => {
  const { url, fields } = await ticket();
  const res = await post(url, form({ ...fields, 'x-amz-meta-note': 'hi' }, Buffer.from('x')));
  expect(res).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Invalid according to Policy: Extra input fields: x-amz-meta-note' });
  await expectNothingKept();
});

test('x-ignore- fields and fields after the file are ignored, as S3 does', async () => {
  const { url, fields } = await ticket();
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  f.append('x-ignore-client', 'web');
  f.append('file', new Blob([new Uint8Array(Buffer.from("x"))]), 'a.png');
  f.append('x-amz-meta-late', 'ignored');
  expect((await post(url, f)).status).toBe(204);
});

test('a form without a file, or without the key field, is InvalidArgument (400)', async () => {
  const { url, fields } = await ticket();
  const noFile = new FormData();
  for (const [k, v] of Object.entries(fields)) noFile.append(k, v);
  expect(await post(url, noFile)).toMatchObject({ status: 400, code: 'InvalidArgument', message: 'POST requires exactly one file upload per request.' });

  const { key: _key, ...withoutKey } = fields;
  const res = await post(url, form(withoutKey, Buffer.from('x')));
  expect(res).toMatchObject({ status: 400, code: 'InvalidArgument' });
  expect(res.message).toMatch(/must contain a field named 'key'/);
  await expectNothingKept();
});

test('a policy that is not JSON is InvalidPolicyDocument (400)... once its signature holds', async () => {
  // A policy is only read after its signature checks out, so sign garbage with the right key.
  const { signingKey, sign } = await import('../../local/s3/sigv4');
  const { url, fields } = await ticket();
  const garbage = Buffer.from('not json').toString('base64');
  const date = fields['X-Amz-Credential'].split('/')[1];
  const res = await post(url, form({ ...fields, Policy: garbage, 'X-Amz-Signature': sign(signingKey(CREDENTIALS.secretAccessKey, date, REGION), garbage) }, Buffer.from('x')));
  expect(res).toMatchObject({ status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Invalid JSON.' });
});

describe('CORS for the web client', () => {
  test('a preflight from the web origin is allowed, with the requested headers', async () => {
    const res = await fetch(`${s3.url}/${BUCKET}`, {
      method: 'OPTIONS',
      headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
  });

  test('a preflight from another origin is 403 AccessForbidden', async () => {
    const res = await fetch(`${s3.url}/${BUCKET}`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>AccessForbidden</Code>');
  });

  test('an upload from the web origin is answered with Access-Control-Allow-Origin and a readable ETag', async () => {
    const { url, fields } = await ticket();
    const res = await post(url, form(fields, Buffer.from('x')), { origin: WEB_ORIGIN });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    expect(res.headers.get('access-control-expose-headers')).toContain('ETag');
  });
});

test('without a content-length-range the endpoint\'s own size cap still holds (EntityTooLarge)', async () => {
  const small = await startLocalS3({ region: REGION, credentials: CREDENTIALS, buckets: [BUCKET], store: memoryStore(), maxPutBytes: 100 });
  try {
    const c = new S3Client({ region: REGION, endpoint: small.url, forcePathStyle: true, credentials: CREDENTIALS });
    const { url, fields } = await createPresignedPost(c, { Bucket: BUCKET, Key: 'uploads/u1/big', Expires: 60 });
    const res = await post(url, form(fields, Buffer.alloc(101)));
    expect(res).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(res.tag('MaxSizeAllowed')).toBe('100');
  } finally {
    await small.close();
  }
});

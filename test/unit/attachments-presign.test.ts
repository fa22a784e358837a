/**
 * The hand-written signers of lambdas/adapters/s3/presign.ts (written to keep a second S3 client and the presigner
 * out of the bundles) against the stock ones: the presigned POST has the fields and policy conditions
 * @aws-sdk/s3-presigned-post would give, the GET URL equals @aws-sdk/s3-request-presigner's getSignedUrl (but its
 * `x-id`), for path-style (local) and virtual-hosted (cloud) endpoints; and the local S3 endpoint, which verifies
 * SigV4 and POST policies as S3 does, accepts both.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startLocalS3 } from '../../local/s3/server';
import { memoryStore } from '../../local/s3/store';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

let s3: Awaited<ReturnType<typeof startLocalS3>>;
let presign: typeof import('../../lambdas/adapters/s3/presign');
const saved = process.env.AWS_ENDPOINT_URL_S3;

beforeAll(async () => {
  s3 = await startLocalS3({ region: 'us-east-1', credentials: CREDENTIALS, buckets: ['parley-uploads'], store: memoryStore() });
  process.env.AWS_ENDPOINT_URL_S3 = s3.url;
  jest.resetModules();
  presign = await import('../../lambdas/adapters/s3/presign');
});
afterAll(async () => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
  else process.env.AWS_ENDPOINT_URL_S3 = saved;
  await s3.close();
});

/** getSignedUrl's URL without what GetObjectCommand adds (`x-id`, the checksum mode) and the signature over them. */
const comparable = (u: string | URL) => {
  const url = new URL(u);
  for (const p of ['x-id', 'x-amz-checksum-mode', 'X-Amz-Signature']) url.searchParams.delete(p);
  return url;
};

it('the GET URL has what getSignedUrl gives (path-style; no checksum mode), and the local S3 endpoint serves the object with it', async () => {
  jest.useFakeTimers({ now: Date.now(), doNotFake: ['setImmediate', 'setTimeout', 'nextTick', 'queueMicrotask', 'setInterval', 'clearTimeout', 'clearInterval'] });
  try {
    const stock = new S3Client({ region: 'us-east-1', credentials: CREDENTIALS, endpoint: s3.url, forcePathStyle: true });
    const mine = comparable(await presign.signedGetUrl('parley-uploads', 'files/att_1/image', 7200));
    const theirs = comparable(await getSignedUrl(stock, new GetObjectCommand({ Bucket: 'parley-uploads', Key: 'files/att_1/image' }), { expiresIn: 7200 }));
    expect(mine.origin + mine.pathname).toBe(theirs.origin + theirs.pathname);
    expect(Object.fromEntries(mine.searchParams)).toEqual(Object.fromEntries(theirs.searchParams));
  } finally {
    jest.useRealTimers();
  }
  const client = new S3Client({ region: 'us-east-1', credentials: CREDENTIALS, endpoint: s3.url, forcePathStyle: true });
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  await client.send(new PutObjectCommand({ Bucket: 'parley-uploads', Key: 'files/att_1/image', Body: 'img', ContentType: 'image/png' }));
  const res = await fetch(await presign.signedGetUrl('parley-uploads', 'files/att_1/image', 60));
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('img');
});

it('the presigned POST pins key, type and exact size; the local endpoint takes exactly that file', async () => {
  const policy = await presign.presignUpload('parley-uploads', 'uploads/u1/att_2', 'image/png', 5, 900);
  expect(policy.url).toBe(`${s3.url}/parley-uploads`);
  const conditions = JSON.parse(Buffer.from(policy.fields.Policy, 'base64').toString('utf8')).conditions;
  expect(conditions).toEqual(
    expect.arrayContaining([['content-length-range', 5, 5], ['eq', '$Content-Type', 'image/png'], ['eq', '$key', 'uploads/u1/att_2'], { bucket: 'parley-uploads' }, { key: 'uploads/u1/att_2' }]),
  );
  const post = (bytes: string) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(policy.fields)) form.append(k, v);
    form.append('file', new Blob([bytes], { type: 'image/png' }));
    return fetch(policy.url, { method: 'POST', body: form });
  };
  expect((await post('12345')).status).toBe(204);
  expect((await post('123456')).status).toBe(400);
  expect((await post('1234')).status).toBe(400);
});

it('putTags (hand-signed PutObjectTagging) and removeTags: the local endpoint checks the signature and stores the tags', async () => {
  const objects = await import('../../lambdas/adapters/s3/objects');
  await objects.writeObject('parley-uploads', 'files/att_3/image', Buffer.from('x'), 'image/png', { 'parley-unsent': 'true' });
  await objects.removeTags('parley-uploads', 'files/att_3/image');
  const { GetObjectTaggingCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ region: 'us-east-1', credentials: CREDENTIALS, endpoint: s3.url, forcePathStyle: true });
  const tagsOf = async () => (await client.send(new GetObjectTaggingCommand({ Bucket: 'parley-uploads', Key: 'files/att_3/image' }))).TagSet;
  expect(await tagsOf()).toEqual([]);
  await objects.putTags('parley-uploads', 'files/att_3/image', { 'parley-unsent': 'true', 'a&b': '<c>' });
  expect(await tagsOf()).toEqual([
    { Key: 'parley-unsent', Value: 'true' },
    { Key: 'a&b', Value: '<c>' },
  ]);
  await expect(objects.putTags('parley-uploads', 'files/none/image', { a: 'b' })).rejects.toThrow('PutObjectTagging answered 404');
});

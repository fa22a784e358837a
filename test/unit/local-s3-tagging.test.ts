/**
 * Object tags on the local S3 endpoint with the stock @aws-sdk/client-s3: PutObject's `Tagging` (x-amz-tagging),
 * PutObjectTagging, GetObjectTagging, DeleteObjectTagging, tags kept by CopyObject, S3's errors — in memory and on
 * disk (the lifecycle sweep reads the tags from the store).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startLocalS3 } from '../../local/s3/server';
import { fileStore, memoryStore, type ObjectStore } from '../../local/s3/store';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'PARLEYLOCAL', secretAccessKey: 'parley-local-secret' };
const BUCKET = 'parley-uploads';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-s3-tags-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['memory', () => memoryStore()],
  ['file', () => fileStore(join(dir, String(Math.random())))],
])('object tags (%s store)', (_name, makeStore: () => ObjectStore) => {
  let s3: Awaited<ReturnType<typeof startLocalS3>>;
  let client: S3Client;
  let store: ObjectStore;
  beforeEach(async () => {
    store = makeStore();
    s3 = await startLocalS3({ region: REGION, credentials: CREDENTIALS, buckets: [BUCKET], store });
    client = new S3Client({ region: REGION, endpoint: s3.url, forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await s3.close();
  });

  const tagsOf = async (key: string) => (await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }))).TagSet;

  it('PutObject with Tagging stores the tags; GetObjectTagging lists them; GetObject counts them', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'files/a/image', Body: 'x', Tagging: 'parley-unsent=true&k%202=v%26w' }));
    expect(await tagsOf('files/a/image')).toEqual(
      expect.arrayContaining([
        { Key: 'parley-unsent', Value: 'true' },
        { Key: 'k 2', Value: 'v&w' },
      ]),
    );
    expect((await store.head(BUCKET, 'files/a/image'))?.tags).toEqual({ 'parley-unsent': 'true', 'k 2': 'v&w' });
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'files/a/image' }));
    expect(got.TagCount).toBe(2);
  });

  it('DeleteObjectTagging removes every tag and keeps the object; PutObjectTagging puts them back', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'files/b/image', Body: 'bytes', Tagging: 'parley-unsent=true' }));
    await client.send(new DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: 'files/b/image' }));
    expect(await tagsOf('files/b/image')).toEqual([]);
    const body = await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'files/b/image' }))).Body?.transformToString();
    expect(body).toBe('bytes');

    await client.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'files/b/image', Tagging: { TagSet: [{ Key: 'parley-unsent', Value: 'true' }] } }));
    expect(await tagsOf('files/b/image')).toEqual([{ Key: 'parley-unsent', Value: 'true' }]);
  });

  it('CopyObject keeps the source tags (COPY) or takes new ones (REPLACE)', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: 'x', Tagging: 'a=1' }));
    await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy1', CopySource: `${BUCKET}/src` }));
    await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy2', CopySource: `${BUCKET}/src`, TaggingDirective: 'REPLACE', Tagging: 'b=2' }));
    expect(await tagsOf('copy1')).toEqual([{ Key: 'a', Value: '1' }]);
    expect(await tagsOf('copy2')).toEqual([{ Key: 'b', Value: '2' }]);
  });

  it('tagging a missing object is NoSuchKey; more than 10 tags or duplicate keys are refused', async () => {
    await expect(client.send(new DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: 'nope' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'nope' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }));
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `t${i}`, Value: 'v' }));
    await expect(client.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'k', Tagging: { TagSet: eleven } }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      client.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'k', Tagging: { TagSet: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] } })),
    ).rejects.toMatchObject({ name: 'InvalidTag' });
    expect(await tagsOf('k')).toEqual([]);
  });

  it('list() returns every object with its tags and time (what the lifecycle sweep reads)', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/u/att', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'files/f/image', Body: 'y', Tagging: 'parley-unsent=true' }));
    const all = await store.list(BUCKET);
    expect(all.map((o) => [o.key, o.tags ?? {}]).sort()).toEqual([
      ['files/f/image', { 'parley-unsent': 'true' }],
      ['uploads/u/att', {}],
    ]);
    expect(all.every((o) => o.lastModified instanceof Date)).toBe(true);
  });
});

/**
 * The attachment rules against the in-memory ports (test/support/memory-ports.ts): upload tickets (size, rate, the
 * pending record), processing an upload (clean files tagged unsent, ready / rejected, raw upload deleted, the
 * uploader told once however often S3 delivers), and who may see an attachment's state.
 */
import sharp from 'sharp';
import { processImage } from '../../lambdas/attachments/image';
import { decodeS3Key } from '../../lambdas/attachments/process';
import { createUpload, getAttachment, parseUploadKey, processUploaded, type ProcessDeps } from '../../lambdas/core/attachments';
import { AppError } from '../../lambdas/core/errors';
import { MEMORY_EPOCH, MemoryAttachmentStore, MemoryFileStore, memoryDeps } from '../support/memory-ports';

let n = 0;
const nextId = () => `att_${String(++n).padStart(26, '0')}`;

function setup(opts: { uploadLimit?: number } = {}) {
  const deps = memoryDeps();
  const attachments = new MemoryAttachmentStore();
  const files = new MemoryFileStore();
  const uploadRate = { kind: 'upload' as const, limit: opts.uploadLimit ?? 20, windowSeconds: 600 };
  const create = { attachments, files, rate: deps.rate, clock: deps.clock, newAttachmentId: nextId, settings: { uploadRate } };
  const proc: ProcessDeps = { ...deps, attachments, files, processImage };
  return { deps, attachments, files, create, proc };
}

const png = (w = 60, h = 40) => sharp({ create: { width: w, height: h, channels: 3, background: '#3366cc' } }).png().toBuffer();

async function connect(deps: ReturnType<typeof memoryDeps>, userId: string, connectionId: string) {
  await deps.connections.add({ userId, connectionId, connectedAt: deps.clock.now() - 60_000 } as never, 3600);
}

describe('createUpload', () => {
  it('stores a pending record expiring in 24 h and hands out a presigned POST for exactly the declared type and size, 15 min', async () => {
    const { create, attachments, files } = setup();
    const t = await createUpload(create, 'alice', { contentType: 'image/png', size: 1234 });
    expect(t.attachmentId).toMatch(/^att_/);
    expect(t.expiresAt).toBe(new Date(MEMORY_EPOCH + 900_000).toISOString());
    expect(files.presigned).toEqual([{ key: `uploads/alice/${t.attachmentId}`, contentType: 'image/png', size: 1234, expiresSeconds: 900 }]);
    expect(attachments.records.get(t.attachmentId)).toEqual({
      attachmentId: t.attachmentId,
      ownerId: 'alice',
      status: 'pending',
      contentType: 'image/png',
      size: 1234,
      createdAt: new Date(MEMORY_EPOCH).toISOString(),
      expiresAt: MEMORY_EPOCH / 1000 + 86400,
    });
  });

  it('over 10 MB is TOO_LARGE and nothing is stored or counted', async () => {
    const { create, attachments, files } = setup({ uploadLimit: 1 });
    await expect(createUpload(create, 'alice', { contentType: 'image/png', size: 10 * 1024 * 1024 + 1 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(attachments.records.size).toBe(0);
    expect(files.presigned).toEqual([]);
    await expect(createUpload(create, 'alice', { contentType: 'image/png', size: 10 * 1024 * 1024 })).resolves.toBeDefined();
  });

  it('the upload rate (a small configured limit) refuses with RATE_LIMITED, per user, and recovers with time', async () => {
    const { create, deps } = setup({ uploadLimit: 3 });
    for (let i = 0; i < 3; i++) await createUpload(create, 'alice', { contentType: 'image/gif', size: 10 });
    const err = await createUpload(create, 'alice', { contentType: 'image/gif', size: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('RATE_LIMITED');
    await expect(createUpload(create, 'bob', { contentType: 'image/gif', size: 10 })).resolves.toBeDefined();
    deps.clock.advance(200_000);
    await expect(createUpload(create, 'alice', { contentType: 'image/gif', size: 10 })).resolves.toBeDefined();
  });
});

describe('processUploaded', () => {
  it('a sound image: clean image + thumbnail tagged unsent, record ready with the real size, raw deleted, the uploader told', async () => {
    const { create, proc, attachments, files, deps } = setup();
    await connect(deps, 'alice', 'c1');
    const t = await createUpload(create, 'alice', { contentType: 'image/png', size: 1 });
    await files.write(`uploads/alice/${t.attachmentId}`, await png(), 'image/png');

    expect(await processUploaded(proc, `uploads/alice/${t.attachmentId}`)).toBe('ready');

    const image = files.objects.get(`files/${t.attachmentId}/image`);
    expect(image?.tags).toEqual({ 'parley-unsent': 'true' });
    expect(files.objects.get(`files/${t.attachmentId}/thumb`)?.tags).toEqual({ 'parley-unsent': 'true' });
    expect(files.objects.has(`uploads/alice/${t.attachmentId}`)).toBe(false);
    expect(attachments.records.get(t.attachmentId)).toMatchObject({ status: 'ready', width: 60, height: 40, size: image?.body.length, contentType: 'image/png' });
    expect(deps.pusher.framesTo('c1', 'attachment')).toEqual([{ type: 'attachment', attachmentId: t.attachmentId, status: 'ready' }]);
  });

  it('not an image: rejected with the reason, no files, raw deleted, told', async () => {
    const { create, proc, attachments, files, deps } = setup();
    await connect(deps, 'alice', 'c1');
    const t = await createUpload(create, 'alice', { contentType: 'image/jpeg', size: 5 });
    await files.write(`uploads/alice/${t.attachmentId}`, Buffer.from('hello'), 'image/jpeg');
    expect(await processUploaded(proc, `uploads/alice/${t.attachmentId}`)).toBe('rejected');
    expect([...files.objects.keys()]).toEqual([]);
    expect(attachments.records.get(t.attachmentId)).toMatchObject({ status: 'rejected', reason: 'not_an_image' });
    expect(deps.pusher.framesTo('c1', 'attachment')).toEqual([{ type: 'attachment', attachmentId: t.attachmentId, status: 'rejected', reason: 'not_an_image' }]);
  });

  it('a redelivered event (record no longer pending, raw gone) does nothing and tells nobody again', async () => {
    const { create, proc, files, deps } = setup();
    await connect(deps, 'alice', 'c1');
    const t = await createUpload(create, 'alice', { contentType: 'image/png', size: 1 });
    await files.write(`uploads/alice/${t.attachmentId}`, await png(), 'image/png');
    await processUploaded(proc, `uploads/alice/${t.attachmentId}`);
    expect(await processUploaded(proc, `uploads/alice/${t.attachmentId}`)).toBe('already-done');
    expect(deps.pusher.framesTo('c1', 'attachment')).toHaveLength(1);
  });

  it("an upload under someone else's name, or without a record, is deleted and never processed; other keys are left alone", async () => {
    const { create, proc, files, attachments } = setup();
    const t = await createUpload(create, 'alice', { contentType: 'image/png', size: 1 });
    await files.write(`uploads/mallory/${t.attachmentId}`, await png(), 'image/png');
    expect(await processUploaded(proc, `uploads/mallory/${t.attachmentId}`)).toBe('ignored');
    expect(files.objects.size).toBe(0);
    expect(attachments.records.get(t.attachmentId)?.status).toBe('pending');
    expect(await processUploaded(proc, 'files/x/image')).toBe('ignored');
    expect(parseUploadKey('uploads/a/b/att_00000000000000000000000001')).toBeUndefined();
  });

  it('S3 event keys are form-encoded: + is a space, %XX a byte', () => {
    expect(decodeS3Key('uploads/al+ice%40x.com/att_01')).toBe('uploads/al ice@x.com/att_01');
    expect(decodeS3Key('uploads/a%2Bb/att_01')).toBe('uploads/a+b/att_01');
  });
});

describe('getAttachment', () => {
  it('its uploader sees the state (with signed 2 h URLs once ready); anyone else, and an unknown id, NOT_FOUND', async () => {
    const { create, proc, files } = setup();
    const t = await createUpload(create, 'alice', { contentType: 'image/png', size: 1 });
    const deps = { attachments: proc.attachments, files };
    expect(await getAttachment(deps, 'alice', t.attachmentId)).toEqual({ attachmentId: t.attachmentId, status: 'pending' });
    await expect(getAttachment(deps, 'bob', t.attachmentId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(getAttachment(deps, 'alice', 'att_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await files.write(`uploads/alice/${t.attachmentId}`, await png(), 'image/png');
    await processUploaded(proc, `uploads/alice/${t.attachmentId}`);
    expect(await getAttachment(deps, 'alice', t.attachmentId)).toMatchObject({
      status: 'ready',
      attachment: { id: t.attachmentId, width: 60, height: 40, url: `memory://files/${t.attachmentId}/image?expires=7200`, thumbnailUrl: `memory://files/${t.attachmentId}/thumb?expires=7200` },
    });
  });
});

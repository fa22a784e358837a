/**
 * The attachment rules against the in-memory ports (test/support/memory-ports.ts): upload tickets (size, rate, the
 * pending record), processing an upload (clean files tagged unsent, ready / rejected, raw upload deleted, the
 * uploader told once however often S3 delivers), and who may see an attachment's state.
 */
import sharp from 'sharp';
import { processImage } from '../../lambdas/attachments/image';
import { decodeS3Key } from '../../lambdas/attachments/process';
import { createUpload, getAttachment, parseUploadKey, processUploaded, type ProcessDeps } from '../../lambdas/core/attachments';
import { deleteMessage, history, sendChat } from '../../lambdas/core/chat';
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

describe('sendChat with attachments (memory ports)', () => {
  async function world() {
    const deps = memoryDeps();
    await deps.friends.befriend('alice', 'bob', new Map());
    const proc: ProcessDeps = { ...deps, processImage };
    const create = { attachments: deps.attachments, files: deps.files, rate: deps.rate, clock: deps.clock, newAttachmentId: nextId, settings: { uploadRate: { kind: 'upload' as const, limit: 20, windowSeconds: 600 } } };
    const ready = async (owner = 'alice') => {
      const t = await createUpload(create, owner, { contentType: 'image/png', size: 1 });
      await deps.files.write(`uploads/${owner}/${t.attachmentId}`, await png(), 'image/png');
      await processUploaded(proc, `uploads/${owner}/${t.attachmentId}`);
      return t.attachmentId;
    };
    return { deps, ready, create };
  }

  it('claims the attachments, takes the unsent tag off both files, stores the list, acks with signed URLs; content may be empty', async () => {
    const { deps, ready } = await world();
    const id = await ready();
    const { message } = await sendChat(deps, { from: 'alice', to: 'bob', content: '  ', clientMessageId: 'c1', attachments: [id] });
    expect(message.content).toBe('');
    expect(message.attachments).toEqual([
      { id, contentType: 'image/png', size: expect.any(Number), width: 60, height: 40, url: `memory://files/${id}/image?expires=7200`, thumbnailUrl: `memory://files/${id}/thumb?expires=7200` },
    ]);
    expect(deps.attachments.records.get(id)).toMatchObject({ messageId: message.id });
    expect(deps.attachments.records.get(id)?.expiresAt).toBeUndefined();
    expect(deps.files.objects.get(`files/${id}/image`)?.tags).toEqual({});
    expect(deps.files.objects.get(`files/${id}/thumb`)?.tags).toEqual({});
    const page = await history(deps, 'bob', 'alice', { limit: 10 });
    expect(page.items[0].attachments?.[0].url).toBe(`memory://files/${id}/image?expires=7200`);
  });

  it('empty content without attachments is still refused', async () => {
    const { deps } = await world();
    await expect(sendChat(deps, { from: 'alice', to: 'bob', content: ' ', clientMessageId: 'c1' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('a refused send (not friends) puts the unsent tag back and claims nothing', async () => {
    const { deps, ready } = await world();
    const id = await ready();
    await expect(sendChat(deps, { from: 'alice', to: 'carol', content: 'x', clientMessageId: 'c1', attachments: [id] })).rejects.toMatchObject({ code: 'NOT_FRIENDS' });
    expect(deps.files.objects.get(`files/${id}/image`)?.tags).toEqual({ 'parley-unsent': 'true' });
    expect(deps.attachments.records.get(id)?.messageId).toBeUndefined();
  });

  it('foreign, unknown, not-ready, repeated and already-sent ids: BAD_REQUEST, nothing stored, no tag touched', async () => {
    const { deps, ready, create } = await world();
    const bobs = await ready('bob');
    const pending = (await createUpload(create, 'alice', { contentType: 'image/png', size: 1 })).attachmentId;
    const mine = await ready();
    const sent = await ready();
    await sendChat(deps, { from: 'alice', to: 'bob', content: 'x', clientMessageId: 'c0', attachments: [sent] });
    deps.files.log.length = 0;
    for (const ids of [[bobs], ['att_unknown'], [pending], [mine, mine], [sent]]) {
      await expect(sendChat(deps, { from: 'alice', to: 'bob', content: 'x', clientMessageId: `c-${ids.join()}`, attachments: ids })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    }
    expect(deps.messages.stored()).toHaveLength(1);
    expect(deps.files.log.filter((l) => /Tags/.test(l))).toEqual([]);
  });

  it('a resend with the same ids acks the original; with other ids it is refused and their tags go back', async () => {
    const { deps, ready } = await world();
    const [one, two] = [await ready(), await ready()];
    const first = await sendChat(deps, { from: 'alice', to: 'bob', content: 'x', clientMessageId: 'c1', attachments: [one] });
    const again = await sendChat(deps, { from: 'alice', to: 'bob', content: 'x', clientMessageId: 'c1', attachments: [one] });
    expect(again).toMatchObject({ duplicate: true, message: { id: first.message.id } });
    await expect(sendChat(deps, { from: 'alice', to: 'bob', content: 'x', clientMessageId: 'c1', attachments: [two] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(deps.files.objects.get(`files/${two}/image`)?.tags).toEqual({ 'parley-unsent': 'true' });
    expect(deps.attachments.records.get(two)?.messageId).toBeUndefined();
  });

  it('a plain message makes no attachment read and no S3 call', async () => {
    const { deps } = await world();
    deps.files.log.length = 0;
    const { message } = await sendChat(deps, { from: 'alice', to: 'bob', content: 'hi', clientMessageId: 'c1' });
    expect(message.attachments).toEqual([]);
    expect(deps.files.log).toEqual([]);
  });

  it('deleting the message deletes both files of each attachment', async () => {
    const { deps, ready } = await world();
    const id = await ready();
    const { message } = await sendChat(deps, { from: 'alice', to: 'bob', content: 'x', clientMessageId: 'c1', attachments: [id] });
    await deleteMessage(deps, 'alice', message.id);
    expect(deps.files.objects.has(`files/${id}/image`)).toBe(false);
    expect(deps.files.objects.has(`files/${id}/thumb`)).toBe(false);
  });
});

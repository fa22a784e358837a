/**
 * Image attachments end to end on the real local stack (issue #14): an upload ticket from POST /api/attachments, the
 * file POSTed to the stack's own S3-compatible endpoint with fetch + FormData exactly as a browser does (the
 * presigned fields, then the file), the processor invoked by S3's ObjectCreated notification, the `attachment`
 * frame on the uploader's WebSocket, and GET /api/attachments/{id}. Images are made with sharp in the test.
 */
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { api, uid, type WsClient } from '../support/clients';
import { useStack } from './session';

const session = useStack();
const PROCESS_MS = 20000;

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 30, g: 120, b: 200 } } });

/** A JPEG carrying EXIF with GPS coordinates, as a phone camera writes it. */
/** A phone photo: stored 640×480 landscape with EXIF orientation 6 ("rotate 90° clockwise to display"), GPS and a description. */
const jpegWithGps = async () =>
  sharp(
    await solid(640, 480)
      .jpeg()
      .withExif({
        IFD0: { Make: 'PhoneCo', ImageDescription: 'secret-place' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2406/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4000/100' },
      })
      .toBuffer(),
  )
    .keepMetadata()
    .withMetadata({ orientation: 6 })
    .toBuffer();

/** A tiny real PNG whose header claims width x height (a decompression bomb by its header). */
async function pngBomb(width: number, height: number): Promise<Buffer> {
  const out = Buffer.from(await solid(8, 8).png().toBuffer());
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

interface Ticket {
  attachmentId: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

/** What a browser does with the ticket: a multipart form POST, every field first, the file last. */
async function browserUpload(ticket: Ticket, file: Buffer, type: string): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(ticket.upload.fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file)], { type }), 'photo');
  return fetch(ticket.upload.url, { method: 'POST', body: form, headers: { origin: session.stack.url } });
}

async function ticketFor(user: string, contentType: string, size: number): Promise<Ticket> {
  const res = await api(session.stack, user).post('/api/attachments', { contentType, size });
  expect(res.status).toBe(201);
  return res.body as Ticket;
}

async function uploadAndWait(ws: WsClient, user: string, file: Buffer, type: string) {
  const ticket = await ticketFor(user, type, file.length);
  const res = await browserUpload(ticket, file, type);
  expect(res.status).toBe(204);
  const frame = await ws.next('attachment', (f) => f.attachmentId === ticket.attachmentId, PROCESS_MS);
  return { ticket, frame };
}

describe('uploading an image', () => {
  it('a phone JPEG with EXIF GPS and orientation 6: ticket, browser upload, `attachment` ready; the stored image is upright, its thumbnail too, with no metadata', async () => {
    const alice = uid('alice');
    const ws = await session.connect(alice);
    const jpeg = await jpegWithGps();
    expect(await sharp(jpeg).metadata()).toMatchObject({ orientation: 6, width: 640, height: 480, exif: expect.anything() });

    const ticket = await ticketFor(alice, 'image/jpeg', jpeg.length);
    expect(ticket.attachmentId).toMatch(/^att_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ticket.upload.url).toBe(`${session.stack.url}/_aws/s3/parley-uploads`);
    expect(ticket.upload.fields).toMatchObject({ key: `uploads/${alice}/${ticket.attachmentId}`, 'Content-Type': 'image/jpeg' });
    const expires = Date.parse(ticket.expiresAt) - Date.now();
    expect(expires).toBeGreaterThan(800_000);
    expect(expires).toBeLessThanOrEqual(900_000);

    const res = await browserUpload(ticket, jpeg, 'image/jpeg');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(session.stack.url);
    const frame = await ws.next('attachment', (f) => f.attachmentId === ticket.attachmentId, PROCESS_MS);
    expect(frame).toEqual({ type: 'attachment', attachmentId: ticket.attachmentId, status: 'ready' });

    const state = await api(session.stack, alice).get(`/api/attachments/${ticket.attachmentId}`);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({
      attachmentId: ticket.attachmentId,
      status: 'ready',
      // Upright: the orientation applied, so the portrait photo is 480 wide and 640 high.
      attachment: { id: ticket.attachmentId, contentType: 'image/jpeg', width: 480, height: 640, url: expect.any(String), thumbnailUrl: expect.any(String) },
    });
    // The signed URL is on the page's origin; what it serves is the cleaned JPEG, without EXIF.
    const url = state.body.attachment.url as string;
    expect(url.startsWith(`${session.stack.url}/_aws/s3/parley-uploads/files/${ticket.attachmentId}/image?`)).toBe(true);
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await got.arrayBuffer());
    expect(bytes.length).toBe(state.body.attachment.size);
    const meta = await sharp(bytes).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 480, height: 640 });
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(bytes.toString('latin1')).not.toContain('secret-place');
    const thumb = await sharp(Buffer.from(await (await fetch(state.body.attachment.thumbnailUrl)).arrayBuffer())).metadata();
    expect(thumb).toMatchObject({ width: 240, height: 320 }); // longest side 320, upright too
    expect(thumb.exif).toBeUndefined();

    // The raw upload is gone; the files carry the unsent tag.
    const store = session.stack.local.s3.store;
    expect(await store.head('parley-uploads', `uploads/${alice}/${ticket.attachmentId}`)).toBeUndefined();
    expect((await store.head('parley-uploads', `files/${ticket.attachmentId}/image`))?.tags).toEqual({ 'parley-unsent': 'true' });
    expect((await store.head('parley-uploads', `files/${ticket.attachmentId}/thumb`))?.tags).toEqual({ 'parley-unsent': 'true' });
  });

  it('a PNG: ready with its width and height', async () => {
    const alice = uid('alice');
    const ws = await session.connect(alice);
    const { ticket, frame } = await uploadAndWait(ws, alice, await solid(300, 200).png().toBuffer(), 'image/png');
    expect(frame.status).toBe('ready');
    const state = await api(session.stack, alice).get(`/api/attachments/${ticket.attachmentId}`);
    expect(state.body.attachment).toMatchObject({ contentType: 'image/png', width: 300, height: 200 });
  });

  it('a text file declared image/png is rejected with a reason; the raw upload is deleted', async () => {
    const alice = uid('alice');
    const ws = await session.connect(alice);
    const { ticket, frame } = await uploadAndWait(ws, alice, Buffer.from('definitely not a picture\n'), 'image/png');
    expect(frame).toEqual({ type: 'attachment', attachmentId: ticket.attachmentId, status: 'rejected', reason: 'not_an_image' });
    const state = await api(session.stack, alice).get(`/api/attachments/${ticket.attachmentId}`);
    expect(state.body).toEqual({ attachmentId: ticket.attachmentId, status: 'rejected', reason: 'not_an_image' });
    expect(await session.stack.local.s3.store.head('parley-uploads', `uploads/${alice}/${ticket.attachmentId}`)).toBeUndefined();
    expect(await session.stack.local.s3.store.head('parley-uploads', `files/${ticket.attachmentId}/image`)).toBeUndefined();
  });

  it('a JPEG declared image/png is rejected (type_mismatch); a 40+ MP bomb is rejected (too_many_pixels)', async () => {
    const alice = uid('alice');
    const ws = await session.connect(alice);
    const mismatch = await uploadAndWait(ws, alice, await solid(20, 20).jpeg().toBuffer(), 'image/png');
    expect(mismatch.frame).toMatchObject({ status: 'rejected', reason: 'type_mismatch' });
    const bomb = await uploadAndWait(ws, alice, await pngBomb(8000, 6000), 'image/png');
    expect(bomb.frame).toMatchObject({ status: 'rejected', reason: 'too_many_pixels' });
  });

  it('a redelivered S3 notification changes nothing and pushes nothing', async () => {
    const alice = uid('alice');
    const ws = await session.connect(alice);
    const png = await solid(50, 50).png().toBuffer();
    const { ticket } = await uploadAndWait(ws, alice, png, 'image/png');
    // The same event again, to the same handler module the stack runs, as S3 may deliver an event twice.
    const { handler } = await import('../../lambdas/attachments/process');
    await handler({ Records: [{ s3: { object: { key: `uploads/${alice}/${ticket.attachmentId}` } } }] } as never);
    await ws.expectNoFrame('attachment', 500);
    expect((await api(session.stack, alice).get(`/api/attachments/${ticket.attachmentId}`)).body.status).toBe('ready');
  });
});

describe('what is refused', () => {
  it("bob asking for alice's attachment gets NOT_FOUND, as for an unknown or malformed id", async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    const ticket = await ticketFor(alice, 'image/png', 100);
    const asBob = api(session.stack, bob);
    const foreign = await asBob.get(`/api/attachments/${ticket.attachmentId}`);
    const unknown = await asBob.get('/api/attachments/att_00000000000000000000000000');
    const malformed = await asBob.get('/api/attachments/nope');
    for (const r of [foreign, unknown, malformed]) expect(r).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such attachment' } } });
    expect((await api(session.stack, alice).get(`/api/attachments/${ticket.attachmentId}`)).body).toEqual({ attachmentId: ticket.attachmentId, status: 'pending' });
  });

  it('a bad body is BAD_REQUEST; over 10 MB is TOO_LARGE (413)', async () => {
    const alice = api(session.stack, uid('alice'));
    for (const body of [{}, { contentType: 'image/svg+xml', size: 10 }, { contentType: 'image/png', size: 0 }, { contentType: 'image/png', size: 1.5 }, { contentType: 'image/png', size: '10' }, { contentType: 'image/png', size: 10, extra: 1 }]) {
      const r = await alice.post('/api/attachments', body);
      expect([body, r.status, r.body.error.code]).toEqual([body, 400, 'BAD_REQUEST']);
    }
    const big = await alice.post('/api/attachments', { contentType: 'image/png', size: 10 * 1024 * 1024 + 1 });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('TOO_LARGE');
    expect((await alice.post('/api/attachments', { contentType: 'image/png', size: 10 * 1024 * 1024 })).status).toBe(201);
  });

  it('the upload policy refuses more bytes than declared, another type, another key; nothing is stored or processed', async () => {
    const alice = uid('alice');
    const ws = await session.connect(alice);
    const png = await solid(40, 40).png().toBuffer();
    const ticket = await ticketFor(alice, 'image/png', png.length);

    const more = await browserUpload(ticket, Buffer.concat([png, Buffer.alloc(10)]), 'image/png');
    expect(more.status).toBe(400);
    expect(await more.text()).toContain('<Code>EntityTooLarge</Code>');

    const fewer = await browserUpload(ticket, png.subarray(0, png.length - 1), 'image/png');
    expect(fewer.status).toBe(400);
    expect(await fewer.text()).toContain('<Code>EntityTooSmall</Code>');

    const otherType = await browserUpload({ ...ticket, upload: { ...ticket.upload, fields: { ...ticket.upload.fields, 'Content-Type': 'text/html' } } }, png, 'text/html');
    expect(otherType.status).toBe(403);
    expect(await otherType.text()).toContain('<Code>AccessDenied</Code>');

    const otherKey = await browserUpload({ ...ticket, upload: { ...ticket.upload, fields: { ...ticket.upload.fields, key: `uploads/${alice}/att_00000000000000000000000000` } } }, png, 'image/png');
    expect(otherKey.status).toBe(403);

    await ws.expectNoFrame('attachment', 500);
    expect(await session.stack.local.s3.store.head('parley-uploads', `uploads/${alice}/${ticket.attachmentId}`)).toBeUndefined();
    expect((await api(session.stack, alice).get(`/api/attachments/${ticket.attachmentId}`)).body.status).toBe('pending');
  });

  it('the bucket is private: an unsigned GET of a file is refused', async () => {
    const alice = uid('alice');
    const ws = await session.connect(alice);
    const { ticket } = await uploadAndWait(ws, alice, await solid(30, 30).png().toBuffer(), 'image/png');
    const res = await fetch(`${session.stack.url}/_aws/s3/parley-uploads/files/${ticket.attachmentId}/image`);
    expect(res.status).toBe(403);
  });
});

describe('sending, reading and deleting messages with images', () => {
  async function readyImage(ws: WsClient, user: string, w = 200, h = 100) {
    const jpeg = await solid(w, h).jpeg().withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '1/1 2/1 3/1' } }).toBuffer();
    const { ticket, frame } = await uploadAndWait(ws, user, jpeg, 'image/jpeg');
    expect(frame.status).toBe('ready');
    return ticket.attachmentId;
  }

  /** A sendMessage frame, and its ack or its error. */
  async function sendOrError(ws: WsClient, frame: Record<string, unknown>) {
    const clientMessageId = (frame.clientMessageId as string | undefined) ?? uid('c');
    ws.send({ action: 'sendMessage', clientMessageId, ...frame });
    // The frame that does not come times out later: swallowed, so it can't fail a later test. (Its waiter stays
    // until then: use a fresh clientMessageId per call, or `expectAnswer` for repeats of one.)
    const answer = await Promise.race([
      ws.next('ack', (f) => f.clientMessageId === clientMessageId, 10000).catch(() => undefined),
      ws.next('error', (f) => f.clientMessageId === clientMessageId, 10000).catch(() => undefined),
    ]);
    if (!answer) throw new Error(`no ack or error for ${clientMessageId}`);
    return answer;
  }

  it('two images with empty content: ack, push, history and conversations carry signed URLs that serve the clean JPEG; the files lose the unsent tag', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await session.friends(alice, bob);
    const a = await session.connect(alice);
    const b = await session.connect(bob);
    const ids = [await readyImage(a, alice), await readyImage(a, alice, 120, 90)];

    const ack = await sendOrError(a, { to: bob, content: '', attachments: ids });
    expect(ack.type).toBe('ack');
    const sent = ack.message;
    expect(sent.content).toBe('');
    expect(sent.attachments).toEqual([
      { id: ids[0], contentType: 'image/jpeg', size: expect.any(Number), width: 200, height: 100, url: expect.any(String), thumbnailUrl: expect.any(String) },
      { id: ids[1], contentType: 'image/jpeg', size: expect.any(Number), width: 120, height: 90, url: expect.any(String), thumbnailUrl: expect.any(String) },
    ]);
    const pushed = await b.next('message', (f) => f.message.id === sent.id);
    expect(pushed.message.attachments.map((x: { id: string }) => x.id)).toEqual(ids);

    const history = await api(session.stack, bob).get(`/api/messages/${alice}`);
    const fromHistory = history.body.items.find((m: { id: string }) => m.id === sent.id);
    expect(fromHistory.attachments).toHaveLength(2);
    const list = await api(session.stack, bob).get('/api/messages/conversations/list');
    expect(list.body.items[0].lastMessage.attachments.map((x: { id: string }) => x.id)).toEqual(ids);

    // Every URL handed out serves the cleaned JPEG (no EXIF), to anyone holding it (the URL is the access).
    const url = new URL(fromHistory.attachments[0].url);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBe(7200);
    for (const u of [fromHistory.attachments[0].url, list.body.items[0].lastMessage.attachments[1].thumbnailUrl, pushed.message.attachments[0].url]) {
      const res = await fetch(u);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).exif).toBeUndefined();
    }
    const store = session.stack.local.s3.store;
    for (const id of ids) {
      expect((await store.head('parley-uploads', `files/${id}/image`))?.tags ?? {}).toEqual({});
      expect((await store.head('parley-uploads', `files/${id}/thumb`))?.tags ?? {}).toEqual({});
    }

    // A plain message carries an empty list.
    const plain = await sendOrError(a, { to: bob, content: 'plain' });
    expect(plain.message.attachments).toEqual([]);
  });

  it('a tampered or expired URL is refused', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await session.friends(alice, bob);
    const a = await session.connect(alice);
    const id = await readyImage(a, alice);
    const ack = await sendOrError(a, { to: bob, content: 'pic', attachments: [id] });
    const url = new URL(ack.message.attachments[0].url);

    const otherFile = new URL(url);
    otherFile.pathname = otherFile.pathname.replace('/image', '/thumb');
    expect((await fetch(otherFile)).status).toBe(403);
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    expect((await fetch(longer)).status).toBe(403);
    const expired = new URL(url);
    expired.searchParams.set('X-Amz-Date', '20200101T000000Z');
    expect((await fetch(expired)).status).toBe(403);
  });

  it('foreign, unknown, not-ready, already-sent and repeated ids are BAD_REQUEST, and nothing is stored', async () => {
    const [alice, bob, carol] = [uid('alice'), uid('bob'), uid('carol')];
    await session.friends(alice, bob);
    const a = await session.connect(alice);
    const c = await session.connect(carol);
    const mine = await readyImage(a, alice);
    const carols = await readyImage(c, carol);
    const pending = (await ticketFor(alice, 'image/png', 10)).attachmentId;
    const sentOnce = await readyImage(a, alice);
    expect((await sendOrError(a, { to: bob, content: 'first', attachments: [sentOnce] })).type).toBe('ack');

    for (const attachments of [[carols], ['att_00000000000000000000000000'], [pending], [sentOnce], [mine, mine], [mine, carols]]) {
      const r = await sendOrError(a, { to: bob, content: 'x', attachments });
      expect([attachments, r.type, r.code]).toEqual([attachments, 'error', 'BAD_REQUEST']);
    }
    for (const attachments of [[], ['nope'], [mine, mine, mine, mine, mine]]) {
      const r = await sendOrError(a, { to: bob, content: 'x', attachments });
      expect([attachments, r.code]).toEqual([attachments, 'BAD_REQUEST']);
    }
    const history = await api(session.stack, bob).get(`/api/messages/${alice}`);
    expect(history.body.items.map((m: { content: string }) => m.content)).toEqual(['first']);
    // `mine` is still unsent and usable: its tag went back on after the refused sends.
    expect((await session.stack.local.s3.store.head('parley-uploads', `files/${mine}/image`))?.tags).toEqual({ 'parley-unsent': 'true' });
    expect((await sendOrError(a, { to: bob, content: '', attachments: [mine] })).type).toBe('ack');
  });

  it('a resend of the same clientMessageId with the same attachments acks the original; with other attachments it is refused', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await session.friends(alice, bob);
    const a = await session.connect(alice);
    const [one, two] = [await readyImage(a, alice), await readyImage(a, alice)];
    const frame = (attachments: string[]) => ({ action: 'sendMessage', to: bob, content: 'hi', attachments, clientMessageId: 'c-att' });
    a.send(frame([one]));
    const first = await a.next('ack', (f) => f.clientMessageId === 'c-att');
    a.send(frame([one]));
    const again = await a.next('ack', (f) => f.clientMessageId === 'c-att');
    expect(again.message.id).toBe(first.message.id);
    expect(again.message.attachments.map((x: { id: string }) => x.id)).toEqual([one]);
    a.send(frame([two]));
    expect(await a.next('error', (f) => f.clientMessageId === 'c-att')).toMatchObject({ code: 'BAD_REQUEST' });
    expect((await session.stack.local.s3.store.head('parley-uploads', `files/${two}/image`))?.tags).toEqual({ 'parley-unsent': 'true' });
  });

  it('only the two users read it: bob gets URLs; carol cannot read the conversation or the attachment state', async () => {
    const [alice, bob, carol] = [uid('alice'), uid('bob'), uid('carol')];
    await session.friends(alice, bob);
    const a = await session.connect(alice);
    const id = await readyImage(a, alice);
    await sendOrError(a, { to: bob, content: 'for bob', attachments: [id] });
    expect((await api(session.stack, carol).get(`/api/messages/${alice}`)).body.items).toEqual([]);
    expect((await api(session.stack, carol).get(`/api/attachments/${id}`)).status).toBe(404);
    expect((await api(session.stack, bob).get(`/api/attachments/${id}`)).status).toBe(404);
  });

  it('deleting the message deletes its files: the URLs stop working', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await session.friends(alice, bob);
    const a = await session.connect(alice);
    const id = await readyImage(a, alice);
    const ack = await sendOrError(a, { to: bob, content: 'oops', attachments: [id] });
    const { url, thumbnailUrl } = ack.message.attachments[0];
    expect((await fetch(url)).status).toBe(200);
    expect((await api(session.stack, alice).del(`/api/messages/${ack.message.id}`)).status).toBe(204);
    for (const u of [url, thumbnailUrl]) expect([403, 404]).toContain((await fetch(u)).status);
    expect(await session.stack.local.s3.store.head('parley-uploads', `files/${id}/image`)).toBeUndefined();
  });
});

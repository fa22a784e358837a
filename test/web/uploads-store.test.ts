/**
 * The uploads store (stores/uploads.ts) with the outbox: limits, the ticket, the multipart POST (fields, then the
 * file) with progress, cancel, retry with a new ticket, the `attachment` frame (ready / rejected), the poll after a
 * reconnect, and a message that waits as "sending" until its images are ready.
 */
import { useUploadsStore } from '../../web/src/stores/uploads';
import type { AttachmentState, CreatedAttachment } from '../../web/src/types';
import { chat, flush } from './fakes';
import { ME, setup } from './chat-support';

class FakeXhr {
  static all: FakeXhr[] = [];
  method = '';
  url = '';
  status = 0;
  body: FormData | undefined;
  aborted = false;
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor() {
    FakeXhr.all.push(this);
  }
  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  send(body: FormData): void {
    this.body = body;
  }
  abort(): void {
    this.aborted = true;
  }
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }
  finish(status = 204): void {
    this.status = status;
    this.onload?.();
  }
}

const png = (name = 'a.png', size = 1000, type = 'image/png') => new File([new Uint8Array(size)], name, { type });
const id = (n: number) => `att_${String(n).padStart(26, '0')}`;

function world() {
  FakeXhr.all = [];
  const w = setup();
  const uploads = useUploadsStore();
  let n = 0;
  const tickets: unknown[] = [];
  const states: Record<string, AttachmentState> = {};
  const rest = {
    createAttachment: jest.fn(async (body: { contentType: string; size: number }): Promise<CreatedAttachment> => {
      tickets.push(body);
      return { attachmentId: id(++n), upload: { url: 'https://bucket.example/', fields: { key: `k${n}`, 'Content-Type': body.contentType, Policy: 'p' } }, expiresAt: '' };
    }),
    getAttachment: jest.fn(async (attachmentId: string) => states[attachmentId] ?? { attachmentId, status: 'pending' as const }),
  };
  uploads.attach({ rest, xhr: () => new FakeXhr() as unknown as XMLHttpRequest, objectUrl: (f) => `blob:${f.name}`, revokeUrl: () => undefined });
  return { ...w, uploads, rest, tickets, states };
}

test('only jpeg/png/webp/gif up to 10 MB, at most 4 per message; the others are refused with a reason', () => {
  const { uploads } = world();
  const refused = uploads.add('bob', [
    png('a.png'),
    new File(['x'], 'doc.pdf', { type: 'application/pdf' }),
    png('big.jpg', 10 * 1024 * 1024 + 1, 'image/jpeg'),
    png('b.webp', 10, 'image/webp'),
    png('c.gif', 10, 'image/gif'),
    png('d.jpg', 10, 'image/jpeg'),
    png('e.png'),
  ]);
  expect(refused).toEqual([
    { file: 'doc.pdf', reason: 'type' },
    { file: 'big.jpg', reason: 'size' },
    { file: 'e.png', reason: 'count' },
  ]);
  expect(uploads.draft('bob').map((u) => u.name)).toEqual(['a.png', 'b.webp', 'c.gif', 'd.jpg']);
  expect(uploads.draft('bob')[0]!.previewUrl).toBe('blob:a.png');
});

test('a ticket for the exact type and size, then the fields and the file LAST as multipart; progress; ready by frame', async () => {
  const { uploads, tickets, store } = world();
  uploads.add('bob', [png('a.png', 1234)]);
  await flush();
  expect(tickets).toEqual([{ contentType: 'image/png', size: 1234 }]);
  const xhr = FakeXhr.all[0]!;
  expect([xhr.method, xhr.url]).toEqual(['POST', 'https://bucket.example/']);
  expect([...xhr.body!.keys()]).toEqual(['key', 'Content-Type', 'Policy', 'file']);
  const u = uploads.draft('bob')[0]!;
  expect(u.status).toBe('uploading');
  xhr.progress(617, 1234);
  expect(u.progress).toBe(0.5);
  xhr.finish(204);
  expect(u.status).toBe('checking');
  store.handleFrame({ type: 'attachment', attachmentId: id(1), status: 'ready' });
  expect(u.status).toBe('ready');
});

test('rejected: a reason the user can read; retry takes a NEW ticket; cancel aborts and removes the chip', async () => {
  const { uploads, store } = world();
  uploads.add('bob', [png('a.png'), png('b.png')]);
  await flush();
  const [a, b] = uploads.draft('bob');
  FakeXhr.all[0]!.finish();
  store.handleFrame({ type: 'attachment', attachmentId: a!.attachmentId!, status: 'rejected', reason: 'type_mismatch' });
  expect([a!.status, a!.error]).toEqual(['rejected', 'type_mismatch']);
  uploads.retry(a!.key);
  await flush();
  expect(a!.status).toBe('uploading');
  expect(a!.attachmentId).toBe(id(3));
  uploads.cancel(b!.key);
  expect(FakeXhr.all[1]!.aborted).toBe(true);
  expect(uploads.draft('bob').map((u) => u.name)).toEqual(['a.png']);
});

test('a failed upload (S3 refuses, network) can be retried; an API refusal says why', async () => {
  const { uploads, rest } = world();
  uploads.add('bob', [png('a.png')]);
  await flush();
  const u = uploads.draft('bob')[0]!;
  FakeXhr.all[0]!.finish(403);
  expect([u.status, u.error]).toEqual(['failed', 'failed']);
  rest.createAttachment.mockRejectedValueOnce(Object.assign(new Error('x'), { code: 'RATE_LIMITED' }));
  uploads.retry(u.key);
  await flush();
  expect([u.status, u.error]).toEqual(['failed', 'RATE_LIMITED']);
});

test('the message waits as "sending" until its images are ready, then goes out with their ids (text may be empty)', async () => {
  const { uploads, outbox, threads, sent, store } = world();
  uploads.add('bob', [png('a.png'), png('b.png')]);
  await flush();
  const keys = uploads.takeDraft('bob').map((u) => u.key);
  expect(uploads.draft('bob')).toEqual([]);
  const cmid = outbox.sendMessage('bob', '', keys)!;
  const p = threads.thread('bob').pending[0]!;
  expect(p.status).toBe('sending');
  expect(p.attachments!.map((a) => a.thumbnailUrl)).toEqual(['blob:a.png', 'blob:b.png']);
  expect(sent).toEqual([]);
  for (const x of FakeXhr.all) x.finish();
  store.handleFrame({ type: 'attachment', attachmentId: id(1), status: 'ready' });
  expect(sent).toEqual([]);
  store.handleFrame({ type: 'attachment', attachmentId: id(2), status: 'ready' });
  expect(sent).toEqual([{ action: 'sendMessage', to: 'bob', content: '', clientMessageId: cmid, attachments: [id(1), id(2)] }]);
  // A second frame for the same upload sends nothing again.
  store.handleFrame({ type: 'attachment', attachmentId: id(2), status: 'ready' });
  expect(sent).toHaveLength(1);
  store.handleFrame({ type: 'ack', clientMessageId: cmid, message: chat(ME, 'bob', '', { clientMessageId: cmid }) });
  expect(threads.thread('bob').pending).toEqual([]);
  // The server's images replace the local ones: the uploads are forgotten (their preview URLs freed).
  expect(keys.map((k) => uploads.get(k))).toEqual([undefined, undefined]);
});

test('discarding a waiting message stops its uploads', async () => {
  const { uploads, outbox, threads } = world();
  uploads.add('bob', [png('a.png')]);
  await flush();
  const keys = uploads.takeDraft('bob').map((u) => u.key);
  const cmid = outbox.sendMessage('bob', '', keys)!;
  outbox.discard('bob', cmid);
  expect(FakeXhr.all[0]!.aborted).toBe(true);
  expect(uploads.get(keys[0]!)).toBeUndefined();
  expect(threads.thread('bob').pending).toEqual([]);
});

test('a rejected image fails its message (nothing sent); retry uploads it again and then sends', async () => {
  const { uploads, outbox, threads, sent, store } = world();
  uploads.add('bob', [png('a.png')]);
  await flush();
  const keys = uploads.takeDraft('bob').map((u) => u.key);
  const cmid = outbox.sendMessage('bob', 'look', keys)!;
  FakeXhr.all[0]!.finish();
  store.handleFrame({ type: 'attachment', attachmentId: id(1), status: 'rejected', reason: 'corrupt' });
  const p = threads.thread('bob').pending[0]!;
  expect([p.status, p.errorCode]).toEqual(['failed', 'ATTACHMENT']);
  expect(sent).toEqual([]);
  outbox.retry('bob', cmid);
  await flush();
  expect(threads.thread('bob').pending[0]!.status).toBe('sending');
  FakeXhr.all[1]!.finish();
  store.handleFrame({ type: 'attachment', attachmentId: id(2), status: 'ready' });
  expect(sent).toEqual([{ action: 'sendMessage', to: 'bob', content: 'look', clientMessageId: cmid, attachments: [id(2)] }]);
});

test('after a reconnect the uploads still being checked are asked for (a missed frame)', async () => {
  const { uploads, store, rest, states } = world();
  uploads.add('bob', [png('a.png')]);
  await flush();
  FakeXhr.all[0]!.finish();
  states[id(1)] = { attachmentId: id(1), status: 'ready' };
  await store.onConnected();
  await flush();
  expect(rest.getAttachment).toHaveBeenCalledWith(id(1));
  expect(uploads.draft('bob')[0]!.status).toBe('ready');
});

/**
 * The image-message scenario of a call measurement (issue #14; bench/lib/calls.ts IMAGE_ACTIONS).
 */
import { api, uid, type WsClient } from '../../test/support/clients';
import type { TestStack } from '../../test/support/stack';
import { BENCH_IMAGE, type Action, type Timings } from './calls-types';

/** A deterministic photo-like JPEG (smooth gradients plus fixed-seed grain, so it compresses like a photo, not a flat fill). */
export async function benchImage(): Promise<Buffer> {
  const { width, height, quality } = BENCH_IMAGE;
  const raw = Buffer.alloc(width * height * 3);
  let seed = 14;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const grain = (seed >> 16) % 24;
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width + grain;
      raw[i + 1] = (y * 255) / height + grain;
      raw[i + 2] = 128 + 100 * Math.sin((x + y) / 90) + grain / 2;
    }
  }
  const { default: sharp } = await import('sharp');
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

/** The four steps of an image message (IMAGE_ACTIONS): `a` uploads a photo and sends it to `b`, who views it. */
export async function measureImageMessage(
  stack: TestStack,
  actors: { a: string; b: string; aWs: WsClient; bWs: WsClient },
  measure: (action: Action, run: () => Promise<unknown>) => Promise<void>,
  timings: Timings,
): Promise<void> {
  const { a, b, aWs, bWs } = actors;
  const photo = await benchImage();
  const aApi = api(stack, a);
  await aApi.get('/api/messages/unread/count'); // warm: token + JWKS for a's REST calls
  type Ticket = { attachmentId: string; upload: { url: string; fields: Record<string, string> } };
  let ticket!: Ticket;
  await measure('imageTicket', async () => {
    const res = await aApi.post('/api/attachments', { contentType: 'image/jpeg', size: photo.length });
    if (res.status !== 201) throw new Error(`upload ticket: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    ticket = res.body as Ticket;
  });
  await measure('imageUpload', async () => {
    // As a browser does: the presigned fields, then the file, as multipart/form-data.
    const form = new FormData();
    for (const [k, v] of Object.entries(ticket.upload.fields)) form.append(k, v);
    form.append('file', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo.jpg');
    const res = await fetch(ticket.upload.url, { method: 'POST', body: form, headers: { origin: stack.url } });
    if (res.status !== 204) throw new Error(`upload: HTTP ${res.status} ${await res.text()}`);
    const t0 = Date.now();
    const frame = await aWs.next('attachment', (f) => f.attachmentId === ticket.attachmentId, 30000);
    timings.imageProcessMs = Date.now() - t0;
    if (frame.status !== 'ready') throw new Error(`the bench photo was ${frame.status} (${frame.reason})`);
  });
  const clientMessageId = uid('cmid-img');
  let urls!: { url: string; thumbnailUrl: string };
  await measure('imageSend', async () => {
    aWs.send({ action: 'sendMessage', to: b, content: 'a photo', attachments: [ticket.attachmentId], clientMessageId });
    const ack = await aWs.next('ack', (f) => f.clientMessageId === clientMessageId);
    const frame = await bWs.next('message', (f) => f.message.id === ack.message.id);
    urls = frame.message.attachments[0];
  });
  await measure('imageView', async () => {
    for (const u of [urls.thumbnailUrl, urls.url]) {
      const res = await fetch(u);
      if (res.status !== 200) throw new Error(`fetching ${u}: HTTP ${res.status}`);
      await res.arrayBuffer();
    }
  });
}

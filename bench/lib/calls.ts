/**
 * Call accounting (issue #6), shared by `npm run bench:calls` and test/integration/perf-calls.test.ts.
 *
 * Runs the real handlers in the local stack (real WebSocket and REST clients, real EventBridge PutEvents) against
 * DynamoDB Local and counts, per user action:
 *  - DynamoDB requests by operation, at the HTTP level (the stack's counting proxy: retries included);
 *  - consumed capacity: a middleware on the handlers' own DynamoDB client sets ReturnConsumedCapacity=INDEXES on
 *    every command and sums what comes back (read units for reads, write units for writes, index writes apart),
 *    beside the write units AWS would bill for the same requests (see `Figures.wruBilled`);
 *  - PostToConnection calls received by the local @connections endpoint.
 * "Other users" (each with a profile, a friend and a stored connection) are written straight to the tables with
 * BatchWriteItem, so the same measurement can be repeated with 10, 1,000 and 10,000 of them.
 */
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { TABLES } from '../../lib/wiring';
import { api, sendEvent, uid, WsClient } from '../../test/support/clients';
import type { TestStack } from '../../test/support/stack';
import { s3Meter } from './s3-meter';

export const ACTIONS = [
  'connect',
  'connect1000Friends',
  'sendMessage',
  'markRead',
  'historyPage',
  'conversationList',
  'unreadCount',
  'notify1',
  'notify1000',
  'disconnect',
  'imageTicket',
  'imageUpload',
  'imageSend',
  'imageView',
] as const;
export type Action = (typeof ACTIONS)[number];
/**
 * An image message (issue #14), in four measured steps: the upload ticket (POST /api/attachments), the browser's
 * upload POST and the S3-triggered processing it sets off (they overlap: S3 notifies as soon as the POST is answered),
 * the sendMessage carrying the attachment, and the recipient fetching the thumbnail and the image by their signed URLs.
 */
export const IMAGE_ACTIONS = ['imageTicket', 'imageUpload', 'imageSend', 'imageView'] as const satisfies readonly Action[];
/** The synthetic photo every image measurement uploads (deterministic bytes, so every scale sees the same work). */
export const BENCH_IMAGE = { width: 1600, height: 1200, quality: 80 } as const;

export interface Figures {
  /** DynamoDB requests by operation (HTTP requests seen by the counting proxy). */
  ops: Record<string, number>;
  requests: number;
  /**
   * Read request units: what DynamoDB Local reports (ReturnConsumedCapacity=INDEXES), with one correction toward AWS
   * billing: a read request costs at least 0.5 (eventually consistent) or 1 (strongly consistent) unit even when it
   * finds nothing (DynamoDB Local reports 0).
   */
  rcu: number;
  /** Write units DynamoDB Local reports, base tables and global secondary indexes together. */
  wcu: number;
  /** ...of which global secondary index writes. */
  wcuIndexes: number;
  /**
   * Write request units by AWS's billing rules, from the requests themselves (every item here is under 1 KB):
   * 1 per PutItem/UpdateItem/DeleteItem or BatchWriteItem item, 2 per TransactWriteItems item (condition checks
   * included), plus index writes (the larger of what DynamoDB Local reports and `billedIndexWrites`). DynamoDB Local
   * under-reports transactions (about 2 units per transaction, whatever its size), so the cost model (bench/cost.ts)
   * bills this figure, not `wcu`.
   */
  wruBilled: number;
  postToConnection: number;
  /** S3 requests by operation, counted at the local S3 endpoint (bench/lib/s3-meter.ts); {} for actions without. */
  s3: Record<string, number>;
  s3Requests: number;
  /** Request body bytes the S3 endpoint received (the upload POST, PutObject bodies). */
  s3BytesIn: number;
  /** GetObject response bytes the S3 endpoint sent (the processor's read, readers' fetches). */
  s3BytesOut: number;
  /** Bytes by S3 operation (request bodies in; GetObject bodies out). */
  s3Bytes: Record<string, number>;
}

/** The S3 figures of an action that touches no S3 (models that build Figures by hand start from these). */
export const NO_S3 = { s3: {}, s3Requests: 0, s3BytesIn: 0, s3BytesOut: 0, s3Bytes: {} } as const satisfies Partial<Figures>;

/** Every action; the image ones only when measured (`measureActions(..., { images: true })`). */
export type Accounting = Record<Exclude<Action, (typeof IMAGE_ACTIONS)[number]>, Figures> & Partial<Record<(typeof IMAGE_ACTIONS)[number], Figures>>;

/** Wall-clock figures of one measurement (not compared across scales: they vary run to run). */
export interface Timings {
  /** Upload POST answered -> the uploader's `attachment` frame: the processor's run plus S3's notification, locally. */
  imageProcessMs?: number;
}

// ---------- consumed capacity ----------

interface Meter {
  rcu: number;
  wcu: number;
  wcuIndexes: number;
  wruBilled: number;
  reset(): void;
}

let meter: Meter | undefined;

type Input = Record<string, unknown>;

/** Billable base-table write request units of one write request by AWS's rules (items <= 1 KB). */
export function billedTableWrites(commandName: string, input: Input): number {
  if (/^TransactWrite/.test(commandName)) return 2 * ((input.TransactItems as unknown[] | undefined)?.length ?? 0);
  if (/^BatchWrite/.test(commandName)) {
    return Object.values((input.RequestItems as Record<string, unknown[]> | undefined) ?? {}).reduce((n, reqs) => n + reqs.length, 0);
  }
  return 1;
}

/** Index key attributes of each table (wiring), matched by the physical table name's suffix. */
function indexKeysOf(tableName: string): string[][] {
  const def = Object.values(TABLES).find((t) => tableName === t.id || tableName.endsWith(`-${t.id}`));
  return (def?.globalSecondaryIndexes ?? []).map((g) => [g.partitionKey.name, ...(g.sortKey ? [g.sortKey.name] : [])]);
}

/**
 * Global secondary index writes of one write item, estimated from the request: a Put of an item carrying an
 * index's keys writes 1 index entry; an Update that SETs an index key rewrites the entry (2: delete + put); one that
 * REMOVEs it deletes the entry (1). Deletes are not counted (Parley deletes only connection rows, which no index
 * holds; a deleted message is an Update). Updates that change
 * only projected attributes of an indexed item (e.g. a conversation row's unread counter) are not seen: a slight
 * under-estimate, stated in docs/PERFORMANCE.md.
 */
function indexWritesOfItem(kind: string, body: Input): number {
  const keys = indexKeysOf(String(body.TableName ?? ''));
  if (kind === 'Put') {
    const item = (body.Item ?? {}) as Input;
    return keys.filter((k) => k[0] in item).length;
  }
  if (kind === 'Update') {
    const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const expr = String(body.UpdateExpression ?? '').replace(/#\w+/g, (n) => names[n] ?? n);
    const set = /SET\s(.*?)(?:\s(?:REMOVE|ADD|DELETE)\s|$)/s.exec(expr)?.[1] ?? '';
    const remove = /REMOVE\s(.*?)(?:\s(?:SET|ADD|DELETE)\s|$)/s.exec(expr)?.[1] ?? '';
    const mentions = (part: string, attr: string) => new RegExp(`(^|[\\s,])${attr}\\s*(=|,|$)`).test(part);
    return keys.reduce((n, k) => n + (k.some((a) => mentions(set, a)) ? 2 : k.some((a) => mentions(remove, a)) ? 1 : 0), 0);
  }
  return 0;
}

export function billedIndexWrites(commandName: string, input: Input): number {
  if (/^TransactWrite/.test(commandName)) {
    return ((input.TransactItems as Input[] | undefined) ?? []).reduce((n, item) => {
      const [kind, body] = Object.entries(item)[0] ?? [];
      return n + (kind ? indexWritesOfItem(kind, body as Input) : 0);
    }, 0);
  }
  if (/^BatchWrite/.test(commandName)) {
    let n = 0;
    for (const [table, reqs] of Object.entries((input.RequestItems as Record<string, Input[]> | undefined) ?? {})) {
      for (const r of reqs) if (r.PutRequest) n += indexWritesOfItem('Put', { TableName: table, ...(r.PutRequest as Input) });
    }
    return n;
  }
  const kind = /^(Put|Update|Delete)/.exec(commandName)?.[1];
  return kind ? indexWritesOfItem(kind, input) : 0;
}

/**
 * Installs (once per process) the capacity middleware on the handlers' DynamoDB client. Must run after the stack
 * has set the handlers' environment. The document client shares its middleware stack with the base client.
 */
export async function capacityMeter(): Promise<Meter> {
  if (meter) return meter;
  const { documentClient } = await import('../../lambdas/adapters/dynamo/client');
  const m: Meter = {
    rcu: 0,
    wcu: 0,
    wcuIndexes: 0,
    wruBilled: 0,
    reset() {
      m.rcu = 0;
      m.wcu = 0;
      m.wcuIndexes = 0;
      m.wruBilled = 0;
    },
  };
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const out = await next(args);
      const raw = (out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
      const name = context.commandName ?? '';
      const isWrite = /Put|Update|Delete|BatchWrite|TransactWrite/.test(name);
      let indexUnits = 0;
      let units = 0;
      for (const c of [raw ?? []].flat()) {
        units += c.CapacityUnits ?? (c.ReadCapacityUnits ?? 0) + (c.WriteCapacityUnits ?? 0);
        for (const gsi of Object.values(c.GlobalSecondaryIndexes ?? {})) indexUnits += gsi.CapacityUnits ?? 0;
      }
      if (isWrite) {
        m.wcu += units;
        m.wcuIndexes += indexUnits;
        const op = name.replace(/Command$/, '');
        m.wruBilled += billedTableWrites(op, input) + Math.max(indexUnits, billedIndexWrites(op, input));
      } else {
        m.rcu += Math.max(units, input.ConsistentRead ? 1 : 0.5);
      }
      return out;
    },
    { step: 'initialize', name: 'parleyBenchCapacityMeter', override: true },
  );
  meter = m;
  return m;
}

// ---------- other users ----------

export class Population {
  /** How many other users are stored now. */
  size = 0;
  private readonly client: DynamoDBClient;

  constructor(private readonly stack: TestStack) {
    this.client = new DynamoDBClient({
      endpoint: stack.dynamoEndpoint, // straight to DynamoDB, not through the counting proxy
      region: 'us-east-1',
      credentials: stack.local.dynamoCredentials, // DynamoDB Local keeps the tables under the stack's key
      maxAttempts: 10,
    });
  }

  /** Grow to `total` other users: profile, a friendship with the next user (both ways), a stored connection. */
  async growTo(total: number): Promise<void> {
    const { main, connections } = this.stack.tables;
    const now = Date.now();
    const requests: { table: string; req: WriteRequest }[] = [];
    const id = (i: number) => `other-${String(i).padStart(6, '0')}`;
    for (let i = this.size; i < total; i++) {
      const u = id(i);
      requests.push({ table: main, req: { PutRequest: { Item: { pk: { S: `USER#${u}` }, sk: { S: 'PROFILE' }, name: { S: `Other ${i}` } } } } });
      if (i % 2 === 1) {
        const v = id(i - 1);
        for (const [a, b] of [
          [u, v],
          [v, u],
        ]) {
          requests.push({
            table: main,
            req: { PutRequest: { Item: { pk: { S: `USER#${a}` }, sk: { S: `FRIEND#${b}` }, friendId: { S: b }, since: { S: new Date(now).toISOString() } } } },
          });
        }
      }
      // The user's connection item (docs/DATA.md): one attribute per live connection, the item's TTL.
      const expiresAt = { N: String(Math.floor(now / 1000) + 3 * 3600) };
      requests.push({
        table: connections,
        req: {
          PutRequest: {
            Item: {
              userId: { S: u },
              connectionId: { S: '#SET' },
              [`c:stored-${u}`]: { M: { connectedAt: { N: String(now) }, expiresAt } },
              expiresAt,
            },
          },
        },
      });
    }
    await this.write(requests);
    this.size = Math.max(this.size, total);
  }

  /** Give `user` `n` friends of its own (friend rows in its partition only: what its presence reads). */
  async friendsFor(user: string, n: number): Promise<void> {
    const since = { S: new Date().toISOString() };
    await this.write(
      Array.from({ length: n }, (_, i) => {
        const f = `${user}-friend-${String(i).padStart(4, '0')}`;
        return { table: this.stack.tables.main, req: { PutRequest: { Item: { pk: { S: `USER#${user}` }, sk: { S: `FRIEND#${f}` }, friendId: { S: f }, since } } } };
      }),
    );
  }

  /** BatchWriteItem, 25 a request, 8 in flight, unprocessed items retried. */
  private async write(requests: { table: string; req: WriteRequest }[]): Promise<void> {
    const batches: typeof requests[] = [];
    for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        let items: Record<string, WriteRequest[]> = {};
        for (const { table, req } of batch) (items[table] ??= []).push(req);
        for (let attempt = 0; Object.keys(items).length; attempt++) {
          if (attempt > 8) throw new Error('BatchWriteItem kept leaving items unprocessed');
          if (attempt) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
          const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: items }));
          items = (out.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

  close(): void {
    this.client.destroy();
  }
}

// ---------- the actions ----------

const settle = () => new Promise((r) => setTimeout(r, 60));

/**
 * Measure every action once, with fresh actors (so every scale sees identical work): `a` and `b` are friends, `b`
 * stays connected with one tab; `a` connects, sends to `b`, `b` reads it, pages, lists, counts, gets notified,
 * and finally `a` disconnects.
 */
export async function measureActions(stack: TestStack, population: Population, opts: { images?: boolean; timings?: Timings } = {}): Promise<Accounting> {
  const m = await capacityMeter();
  const s3 = s3Meter();
  const a = uid('actor-a');
  const b = uid('actor-b');
  // A user with 1,000 friends (none of them connected), for the presence fan-out of a connect.
  const hub = uid('actor-hub');
  await population.friendsFor(hub, 1000);
  await stack.token(hub, 'Hub');
  await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Actor A', [b]: 'Actor B' } });
  await stack.drainEvents();
  const bWs = await WsClient.open(stack, b, { name: 'Actor B' });
  const bApi = api(stack, b);
  await bApi.get('/api/messages/unread/count'); // warm: token + JWKS for b's REST calls
  await stack.token(a, 'Actor A');
  await settle();

  const result = {} as Accounting;
  const measure = async (action: Action, run: () => Promise<unknown>) => {
    await settle();
    stack.calls.reset();
    m.reset();
    s3.reset();
    const t0 = Date.now();
    await run();
    if (process.env.BENCH_DEBUG) console.error(`${action}: ${Date.now() - t0} ms`);
    await settle();
    result[action] = {
      ops: Object.fromEntries(Object.entries(stack.calls.dynamo).sort()),
      requests: stack.calls.total(),
      rcu: round(m.rcu),
      wcu: round(m.wcu),
      wcuIndexes: round(m.wcuIndexes),
      wruBilled: round(m.wruBilled),
      postToConnection: stack.calls.postToConnection,
      s3: Object.fromEntries(Object.entries(s3.ops).sort()),
      s3Requests: s3.total(),
      s3BytesIn: s3.bytesIn,
      s3BytesOut: s3.bytesOut,
      s3Bytes: Object.fromEntries(Object.entries(s3.bytes).sort()),
    };
  };

  let aWs!: WsClient;
  await measure('connect', async () => {
    aWs = await WsClient.open(stack, a, { name: 'Actor A' });
    await bWs.next('presence', (f) => f.userId === a && f.online === true);
  });


  const clientMessageId = uid('cmid');
  let messageId = '';
  await measure('sendMessage', async () => {
    aWs.send({ action: 'sendMessage', to: b, content: 'a message of a typical length, about sixty characters', clientMessageId });
    const ack = await aWs.next('ack', (f) => f.clientMessageId === clientMessageId);
    messageId = ack.message.id;
    await bWs.next('message', (f) => f.message.id === messageId);
  });

  await measure('markRead', async () => {
    bWs.send({ action: 'markRead', peerId: a });
    await bWs.next('conversationRead', (f) => f.peerId === a);
    await aWs.next('read', (f) => f.by === b && f.upTo === messageId);
  });

  await measure('historyPage', async () => expectOk(await bApi.get(`/api/messages/${a}`), 'history'));
  await measure('conversationList', async () => expectOk(await bApi.get('/api/messages/conversations/list'), 'conversations'));
  await measure('unreadCount', async () => expectOk(await bApi.get('/api/messages/unread/count'), 'unread count'));

  await measure('notify1', async () => {
    await sendEvent(stack, 'AchievementUnlocked', { userId: b, achievement: { id: 'ach-1', name: 'First message' } });
    await stack.drainEvents();
    await bWs.next('notification', (f) => f.message.messageType === 'SYSTEM_ACHIEVEMENT');
  });

  // 1,000 recipients: b (connected) and 999 users who are not connected.
  const recipients = [b, ...Array.from({ length: 999 }, () => uid('recipient'))];
  await measure('notify1000', async () => {
    await sendEvent(stack, 'TaskNotification', { userIds: recipients, task: { id: 'task-1', title: 'Weekly task' } });
    await stack.drainEvents();
    await bWs.next('notification', (f) => f.message.messageType === 'SYSTEM_TASK');
  });

  if (opts.images) await measureImageMessage(stack, { a, b, aWs, bWs }, measure, opts.timings ?? {});

  await measure('disconnect', async () => {
    await aWs.close();
    await bWs.next('presence', (f) => f.userId === a && f.online === false);
  });

  // Last, so its $disconnect (an offline announcement to 1,000 friends) cannot run into another measurement.
  let hubWs!: WsClient;
  await measure('connect1000Friends', async () => {
    hubWs = await WsClient.open(stack, hub, { name: 'Hub' });
  });
  await hubWs.close();
  await bWs.close();
  await new Promise((r) => setTimeout(r, 1000));
  return result;
}

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
async function measureImageMessage(
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

function expectOk(res: { status: number; body: unknown }, what: string): void {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Figures that differ between scales (should be none). */
export function differences(byScale: Record<string, Accounting>): string[] {
  const scales = Object.keys(byScale);
  const out: string[] = [];
  for (const action of ACTIONS) {
    const first = JSON.stringify(byScale[scales[0]][action]);
    for (const s of scales.slice(1)) {
      const other = JSON.stringify(byScale[s][action]);
      if (first === undefined || other === undefined) continue; // measured at one scale only (image actions in the test)
      if (other !== first) out.push(`${action}: ${scales[0]} ${first} vs ${s} ${other}`);
    }
  }
  return out;
}

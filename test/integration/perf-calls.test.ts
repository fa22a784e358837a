/**
 * Issue #6 call budgets, asserted: every action's DynamoDB requests, consumed capacity and PostToConnection calls
 * are the same with 10 and with 10,000 other users (and their connections) stored; no Scan; sendMessage makes at
 * most 5 DynamoDB requests. `npm run bench:calls` runs the same measurement and prints the table.
 */
import { Population, differences, measureActions, type Accounting, type Action } from '../../bench/lib/calls';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
let population: Population;
const byScale: Record<string, Accounting> = {};
/** The extremes of `npm run bench:calls`'s 10 / 1,000 / 10,000 (each scale's measurement takes seconds; the bench does all three). */
const SCALES = [10, 10000];

beforeAll(async () => {
  stack = await startTestStack({ countCalls: true });
  population = new Population(stack);
  for (const n of SCALES) {
    await population.growTo(n);
    // The image message (issue #14) at the first scale only: its counts don't depend on the users stored (the bench
    // checks that at every scale), and its processing is the slow part.
    byScale[String(n)] = await measureActions(stack, population, { images: n === SCALES[0] });
  }
}, 120000);

afterAll(async () => {
  population?.close();
  await stack?.stop();
});

it('every action costs the same with 10 and with 10,000 other users stored', () => {
  expect(differences(byScale)).toEqual([]);
});

it('no action makes a Scan', () => {
  for (const acc of Object.values(byScale)) for (const f of Object.values(acc)) expect(f.ops.Scan ?? 0).toBe(0);
});

it('sendMessage makes at most 5 DynamoDB requests and pushes once per recipient connection', () => {
  const send = byScale['10000'].sendMessage;
  expect(send.requests).toBeLessThanOrEqual(5);
  expect(send.postToConnection).toBe(1); // the recipient's one tab; the sender has no other tab
});

it('connections are read in batches (issue #15): a 1,000-recipient notification <= 60 requests, a connect with 1,000 friends <= 15, a chat message <= 3', () => {
  for (const acc of Object.values(byScale)) {
    expect(acc.notify1000.requests).toBeLessThanOrEqual(60);
    expect(acc.connect1000Friends.requests).toBeLessThanOrEqual(15);
    expect(acc.connect1000Friends.ops.BatchGetItem).toBe(10); // ceil(1000/100) for the friends' connections
    expect(acc.sendMessage.requests).toBeLessThanOrEqual(3);
    expect(acc.sendMessage.ops.BatchGetItem).toBe(1); // both parties' connections in one request
  }
});

it('a chat message is billed at most 10 write units (issue #15 part 2: was 20), in 2 write requests', () => {
  // docs/PERFORMANCE.md §1 "Write units per message": the claim and the rate hit as one PartiQL batch of single
  // writes (2), the message and the pair item in one transaction (4), both sides' list keys moving (4).
  for (const acc of Object.values(byScale)) {
    expect(acc.sendMessage.wruBilled).toBeLessThanOrEqual(10);
    expect(acc.sendMessage.ops).toEqual({ BatchExecuteStatement: 1, TransactWriteItems: 1, BatchGetItem: 1 });
  }
});

it('no action costs more requests than it does today (a ratchet; lower these when they fall)', () => {
  const acc = byScale['10000'];
  const ceilings: Record<Exclude<Action, `image${string}`>, number> = {
    connect: 4, // issue #15: the connection's write returns the user's live connections (no Query after it)
    connect1000Friends: 13, // 1 write + 1 profile + 1 friends Query + ceil(1000/100) BatchGetItem
    sendMessage: 3, // issue #15: 1 BatchExecuteStatement (claim + rate) + 1 TransactWriteItems + 1 BatchGetItem (connections)
    markRead: 5, // +1 in v1.1: the markRead frame's rate limit (one conditional UpdateItem), which the contract requires
    historyPage: 2, // issue #15: the page + the pair item (its read watermarks say which messages are read)
    conversationList: 5, // issue #15: my side's U# and R# ranges in each of the two side indexes, merged; the page's last messages (1 BatchGetItem)
    unreadCount: 3, // issue #15: the system counter + my side's U# range in each side index
    notify1: 2,
    notify1000: 42, // ceil(1000/33) transactions + ceil(1000/99) connection BatchGetItems (whole chunks of 33 per lookup)
    disconnect: 3,
  };
  const over = Object.entries(ceilings)
    .filter(([action, ceiling]) => (acc[action as Action]?.requests ?? 0) > ceiling)
    .map(([action, ceiling]) => `${action}: ${acc[action as Action]?.requests} > ${ceiling}`);
  expect(over).toEqual([]);
});

it('an image message (issue #14): S3 requests counted at the local S3 endpoint, DynamoDB requests and pushes per step', () => {
  const acc = byScale[String(SCALES[0])];
  const pick = (a: Action) => {
    const f = acc[a];
    if (!f) throw new Error(`${a} not measured`);
    return { dynamo: f.ops, s3: f.s3, postToConnection: f.postToConnection };
  };
  // The ticket: the upload-rate UpdateItem and the pending record; signing the POST is local.
  expect(pick('imageTicket')).toEqual({ dynamo: { PutItem: 1, UpdateItem: 1 }, s3: {}, postToConnection: 0 });
  // The browser's POST, then the processor: read the upload, write image + thumbnail, delete the upload; the record
  // read and finished; the uploader's connections looked up and told (`attachment` frame).
  expect(pick('imageUpload')).toEqual({
    dynamo: { BatchGetItem: 1, GetItem: 1, UpdateItem: 1 },
    s3: { DeleteObject: 1, GetObject: 1, PostObject: 1, PutObject: 2 },
    postToConnection: 1,
  });
  // sendMessage with one attachment: the record checked, then claimed inside the message's transaction; the unsent
  // tag removed from both files; URLs signed locally.
  expect(pick('imageSend')).toEqual({ dynamo: { BatchExecuteStatement: 1, BatchGetItem: 1, GetItem: 1, TransactWriteItems: 1 }, s3: { DeleteObjectTagging: 2 }, postToConnection: 1 });
  // The reader fetches the thumbnail and the image by their signed URLs.
  expect(pick('imageView')).toEqual({ dynamo: {}, s3: { GetObject: 2 }, postToConnection: 0 });
  const view = acc.imageView!;
  expect(view.s3BytesOut).toBe(acc.imageUpload!.s3Bytes.PutObject); // what the processor stored is what readers get
});

/**
 * The actions `npm run bench:calls` measures and the shape of what it records for each (bench/lib/calls.ts).
 */

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
   * finds nothing (DynamoDB Local reports 0); per statement for a BatchExecuteStatement of SELECTs.
   */
  rcu: number;
  /** Write units DynamoDB Local reports, base tables and global secondary indexes together. */
  wcu: number;
  /** ...of which global secondary index writes. */
  wcuIndexes: number;
  /**
   * Write request units by AWS's billing rules, from the requests themselves (every item here is under 1 KB):
   * 1 per PutItem/UpdateItem/DeleteItem, BatchWriteItem item or PartiQL write statement (INSERT, UPDATE, DELETE) of a
   * BatchExecuteStatement, 2 per TransactWriteItems item (condition checks included), plus index writes (the larger of what DynamoDB Local reports and `billedIndexWrites`). DynamoDB Local
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

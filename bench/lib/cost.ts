/**
 * Cost model (issue #6): counted operations × AWS list prices.
 *
 * Per action, the billable units come from two places:
 *  - measured (bench/results/calls.json, `npm run bench:calls`): DynamoDB read request units, write request units
 *    billed by AWS's rules (`wruBilled`), PostToConnection calls (each a WebSocket message sent);
 *  - the contract and wiring (not measured, but fixed by the design): WebSocket frames in and out of the caller's
 *    connection (a two-way route's reply is a message), HTTP API requests, Lambda invocations and their memory,
 *    EventBridge events;
 *  - assumptions (bench/prices.json `assumptions`): Lambda billed duration and log bytes per invocation.
 */
import { FUNCTIONS, type FunctionKey } from '../../lib/wiring';
import type { Accounting, Action } from './calls';

export interface Price {
  usd: number;
  per: number;
  unit: string;
  source: string;
  asOf: string;
}

export interface Prices {
  region: string;
  checked: string;
  prices: Record<
    | 'dynamodbWriteRequestUnit'
    | 'dynamodbReadRequestUnit'
    | 'websocketMessage'
    | 'websocketConnectionMinute'
    | 'httpApiRequest'
    | 'lambdaRequest'
    | 'lambdaGbSecondArm'
    | 'eventBridgeCustomEvent'
    | 'cloudWatchLogsIngestedGb'
    | 's3PutCopyPostListRequest'
    | 's3GetRequest'
    | 's3StorageGbMonth'
    | 's3DataTransferOutGb'
    | 'cloudFrontDataTransferOutGb'
    | 'cloudFrontHttpsRequest',
    Price
  >;
  assumptions: {
    lambdaBilledMs: Record<string, number>;
    lambdaLogBytesPerInvocation: number;
    scenario: Scenario;
    imageScenario: ImageScenario;
  };
}

export interface ImageScenario {
  /** Times the thumbnail and the image are fetched per image message (1: the recipient, once). */
  viewsPerImageMessage: number;
  /** CloudFront cache hits among those fetches (CDN on); a miss is also an S3 GET. */
  cdnCacheHitRatio: number;
  /** Months the cleaned files are kept (storage billed per message). */
  storageMonths: number;
}

export interface Scenario {
  dailyUsers: number;
  messagesPerUserPerDay: number;
  daysPerMonth: number;
  sessionsPerUserPerDay: number;
  minutesConnectedPerSession: number;
  pingEveryMinutes: number;
  markReadPerMessageSent: number;
  historyPagesPerSession: number;
  conversationListsPerSession: number;
  unreadCountsPerSession: number;
  notificationsPerUserPerDay: number;
  task1000NotificationsPerDay: number;
}

/** Billable units of one action. */
export interface Units {
  rru: number;
  wru: number;
  wsMessages: number;
  httpRequests: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  events: number;
  logBytes: number;
}

/** The cost model's actions: the measured ones a month is made of (a 1,000-friend connect is a budget case, not usage). */
export type ModelAction = Exclude<Action, 'connect1000Friends' | `image${string}`> | 'ping';

/** What the design fixes per action, besides DynamoDB and PostToConnection (measured). */
const FIXED: Record<ModelAction, { wsIn: number; wsOut: number; http: number; events: number; lambdas: string[] }> = {
  connect: { wsIn: 0, wsOut: 0, http: 0, events: 0, lambdas: ['wsAuthorizer', 'wsConnect'] },
  disconnect: { wsIn: 0, wsOut: 0, http: 0, events: 0, lambdas: ['wsDisconnect'] },
  sendMessage: { wsIn: 1, wsOut: 1 /* ack */, http: 0, events: 0, lambdas: ['wsSendMessage'] },
  markRead: { wsIn: 1, wsOut: 0, http: 0, events: 0, lambdas: ['wsMarkRead'] },
  historyPage: { wsIn: 0, wsOut: 0, http: 1, events: 0, lambdas: ['httpHistory'] },
  conversationList: { wsIn: 0, wsOut: 0, http: 1, events: 0, lambdas: ['httpConversations'] },
  unreadCount: { wsIn: 0, wsOut: 0, http: 1, events: 0, lambdas: ['httpUnreadCount'] },
  notify1: { wsIn: 0, wsOut: 0, http: 0, events: 1, lambdas: ['eventsNotify:1'] },
  notify1000: { wsIn: 0, wsOut: 0, http: 0, events: 1, lambdas: ['eventsNotify:1000'] },
  ping: { wsIn: 1, wsOut: 1 /* pong */, http: 0, events: 0, lambdas: ['wsPing'] },
};

export function unitsOf(action: ModelAction, measured: Accounting, prices: Prices): Units {
  const fixed = FIXED[action];
  // ping touches no table and posts nothing (wiring gives wsPing no table and no @connections grant).
  const m = action === 'ping' ? { rcu: 0, wruBilled: 0, postToConnection: 0 } : measured[action];
  let gbSeconds = 0;
  for (const l of fixed.lambdas) {
    const key = l.split(':')[0] as FunctionKey;
    const ms = prices.assumptions.lambdaBilledMs[l];
    if (ms === undefined) throw new Error(`bench/prices.json: no lambdaBilledMs for ${l}`);
    gbSeconds += ((FUNCTIONS[key].memoryMb ?? 256) / 1024) * (ms / 1000);
  }
  return {
    rru: m.rcu,
    wru: m.wruBilled,
    wsMessages: fixed.wsIn + fixed.wsOut + m.postToConnection,
    httpRequests: fixed.http,
    lambdaInvocations: fixed.lambdas.length,
    lambdaGbSeconds: gbSeconds,
    events: fixed.events,
    logBytes: fixed.lambdas.length * prices.assumptions.lambdaLogBytesPerInvocation,
  };
}

export type CostLines = Record<'dynamodb' | 'apiGateway' | 'lambda' | 'eventBridge' | 'logs', number> & { total: number };

/** USD for some units (and connection minutes). */
export function costOf(u: Units, prices: Prices, connectionMinutes = 0): CostLines {
  const p = prices.prices;
  const usd = (price: Price, n: number) => (price.usd / price.per) * n;
  const lines = {
    dynamodb: usd(p.dynamodbReadRequestUnit, u.rru) + usd(p.dynamodbWriteRequestUnit, u.wru),
    apiGateway: usd(p.websocketMessage, u.wsMessages) + usd(p.httpApiRequest, u.httpRequests) + usd(p.websocketConnectionMinute, connectionMinutes),
    lambda: usd(p.lambdaRequest, u.lambdaInvocations) + usd(p.lambdaGbSecondArm, u.lambdaGbSeconds),
    eventBridge: usd(p.eventBridgeCustomEvent, u.events),
    logs: usd(p.cloudWatchLogsIngestedGb, u.logBytes / 2 ** 30),
  };
  return { ...lines, total: Object.values(lines).reduce((a, b) => a + b, 0) };
}

export const scale = (u: Units, k: number): Units =>
  Object.fromEntries(Object.entries(u).map(([key, v]) => [key, v * k])) as unknown as Units;

export const add = (a: Units, b: Units): Units =>
  Object.fromEntries(Object.entries(a).map(([key, v]) => [key, v + b[key as keyof Units]])) as unknown as Units;

/** How many of each action the scenario's users make in a month, and their connection minutes. */
export function monthlyCounts(s: Scenario): { counts: Record<ModelAction, number>; connectionMinutes: number; messages: number } {
  const userDays = s.dailyUsers * s.daysPerMonth;
  const sessions = userDays * s.sessionsPerUserPerDay;
  const messages = userDays * s.messagesPerUserPerDay;
  const counts: Record<ModelAction, number> = {
    connect: sessions,
    disconnect: sessions,
    sendMessage: messages,
    markRead: messages * s.markReadPerMessageSent,
    historyPage: sessions * s.historyPagesPerSession,
    conversationList: sessions * s.conversationListsPerSession,
    unreadCount: sessions * s.unreadCountsPerSession,
    notify1: userDays * s.notificationsPerUserPerDay,
    notify1000: s.daysPerMonth * s.task1000NotificationsPerDay,
    ping: sessions * Math.floor(s.minutesConnectedPerSession / s.pingEveryMinutes),
  };
  return { counts, connectionMinutes: sessions * s.minutesConnectedPerSession, messages };
}

export interface CostReport {
  perAction: Record<ModelAction, { units: Units; usdPerMillion: CostLines }>;
  perMillionMessages: { sendMessageOnly: CostLines; allInPerMessage: CostLines };
  month: { scenario: Scenario; counts: Record<ModelAction, number>; connectionMinutes: number; units: Units; usd: CostLines };
}

export function costModel(measured: Accounting, prices: Prices): CostReport {
  const actions = Object.keys(FIXED) as ModelAction[];
  const perAction = Object.fromEntries(
    actions.map((a) => {
      const units = unitsOf(a, measured, prices);
      return [a, { units, usdPerMillion: costOf(scale(units, 1e6), prices) }];
    }),
  ) as CostReport['perAction'];
  const { counts, connectionMinutes, messages } = monthlyCounts(prices.assumptions.scenario);
  const zero = scale(perAction.ping.units, 0);
  const units = actions.reduce((sum, a) => add(sum, scale(perAction[a].units, counts[a])), zero);
  const usd = costOf(units, prices, connectionMinutes);
  const perMessage = (x: number) => (x / messages) * 1e6;
  const allIn = Object.fromEntries(Object.entries(usd).map(([k, v]) => [k, perMessage(v)])) as CostLines;
  return {
    perAction,
    perMillionMessages: { sendMessageOnly: perAction.sendMessage.usdPerMillion, allInPerMessage: allIn },
    month: { scenario: prices.assumptions.scenario, counts, connectionMinutes, units, usd },
  };
}

// ---------- an image message (issue #14) ----------

/** S3 operations by pricing class (S3 pricing page): PUT/COPY/POST/LIST; GET and all other; DELETE (free). */
const S3_TIER1 = new Set(['PostObject', 'PutObject', 'PutObjectTagging', 'CopyObject', 'ListObjects', 'CreateBucket']);
const S3_FREE = new Set(['DeleteObject', 'DeleteObjects', 'Preflight']);

/** An image message's units: an action's (no EventBridge event) plus S3 and bytes. */
export interface ImageUnits extends Omit<Units, 'events'> {
  /** S3 requests billed as PUT/COPY/POST/LIST, and as GET/other (DELETE is free). */
  s3Tier1: number;
  s3Tier2: number;
  /** GB-months of the cleaned files (image + thumbnail). */
  storageGbMonths: number;
  /** GB readers download: from S3 (CDN off) or from CloudFront (CDN on). */
  s3TransferOutGb: number;
  cdnTransferOutGb: number;
  cdnRequests: number;
}

export type ImageCostLines = Record<'dynamodb' | 'apiGateway' | 'lambda' | 'logs' | 's3Requests' | 's3Storage' | 'dataTransfer' | 'cdnRequests', number> & { total: number };

/**
 * One image message, from the four measured steps (bench/lib/calls.ts IMAGE_ACTIONS): the ticket, the upload and its
 * processing, the send with the attachment, and `viewsPerImageMessage` views of thumbnail + image. With `cdn`, the
 * views are CloudFront requests and transfer, and S3 GETs only on cache misses (origin fetches carry no transfer fee).
 */
export function imageMessageUnits(measured: Accounting, prices: Prices, cdn: boolean): ImageUnits {
  const step = (a: 'imageTicket' | 'imageUpload' | 'imageSend' | 'imageView') => {
    const f = measured[a];
    if (!f) throw new Error(`bench/results/calls.json has no ${a}: re-run \`npm run bench:calls\``);
    return f;
  };
  const [ticket, upload, send, view] = [step('imageTicket'), step('imageUpload'), step('imageSend'), step('imageView')];
  const im = prices.assumptions.imageScenario;
  const tiers = (ops: Record<string, number>, k = 1) => {
    let t1 = 0;
    let t2 = 0;
    for (const [op, n] of Object.entries(ops)) {
      if (S3_TIER1.has(op)) t1 += n * k;
      else if (!S3_FREE.has(op)) t2 += n * k;
    }
    return [t1, t2];
  };
  const writes = [ticket, upload, send];
  const [w1, w2] = writes.map((f) => tiers(f.s3)).reduce((a, b) => [a[0] + b[0], a[1] + b[1]], [0, 0]);
  const miss = cdn ? 1 - im.cdnCacheHitRatio : 1;
  const [v1, v2] = tiers(view.s3, im.viewsPerImageMessage * miss);
  const viewGb = (view.s3BytesOut * im.viewsPerImageMessage) / 2 ** 30;
  const lambdas = ['httpCreateAttachment', 's3ProcessAttachment', 'wsSendMessage:image'];
  let gbSeconds = 0;
  for (const l of lambdas) {
    const ms = prices.assumptions.lambdaBilledMs[l];
    if (ms === undefined) throw new Error(`bench/prices.json: no lambdaBilledMs for ${l}`);
    gbSeconds += ((FUNCTIONS[l.split(':')[0] as FunctionKey].memoryMb ?? 256) / 1024) * (ms / 1000);
  }
  const sum = (k: 'rcu' | 'wruBilled' | 'postToConnection') => [ticket, upload, send, view].reduce((n, f) => n + f[k], 0);
  return {
    rru: sum('rcu'),
    wru: sum('wruBilled'),
    // sendMessage in + its ack, and every push (the uploader's `attachment` frame, the recipient's message).
    wsMessages: 2 + sum('postToConnection'),
    httpRequests: 1, // POST /api/attachments (the upload and the views go to S3 / CloudFront, not the API)
    lambdaInvocations: lambdas.length,
    lambdaGbSeconds: gbSeconds,
    logBytes: lambdas.length * prices.assumptions.lambdaLogBytesPerInvocation,
    s3Tier1: w1 + v1,
    s3Tier2: w2 + v2,
    storageGbMonths: ((upload.s3Bytes.PutObject ?? 0) / 2 ** 30) * im.storageMonths,
    s3TransferOutGb: cdn ? 0 : viewGb,
    cdnTransferOutGb: cdn ? viewGb : 0,
    cdnRequests: cdn ? (view.s3.GetObject ?? 0) * im.viewsPerImageMessage : 0,
  };
}

export function imageCostOf(u: ImageUnits, prices: Prices): ImageCostLines {
  const p = prices.prices;
  const usd = (price: Price, n: number) => (price.usd / price.per) * n;
  const lines = {
    dynamodb: usd(p.dynamodbReadRequestUnit, u.rru) + usd(p.dynamodbWriteRequestUnit, u.wru),
    apiGateway: usd(p.websocketMessage, u.wsMessages) + usd(p.httpApiRequest, u.httpRequests),
    lambda: usd(p.lambdaRequest, u.lambdaInvocations) + usd(p.lambdaGbSecondArm, u.lambdaGbSeconds),
    logs: usd(p.cloudWatchLogsIngestedGb, u.logBytes / 2 ** 30),
    s3Requests: usd(p.s3PutCopyPostListRequest, u.s3Tier1) + usd(p.s3GetRequest, u.s3Tier2),
    s3Storage: usd(p.s3StorageGbMonth, u.storageGbMonths),
    dataTransfer: usd(p.s3DataTransferOutGb, u.s3TransferOutGb) + usd(p.cloudFrontDataTransferOutGb, u.cdnTransferOutGb),
    cdnRequests: usd(p.cloudFrontHttpsRequest, u.cdnRequests),
  };
  return { ...lines, total: Object.values(lines).reduce((a, b) => a + b, 0) };
}

export interface ImageCostReport {
  imageBytes: { uploaded: number; stored: number; viewed: number };
  s3Direct: { units: ImageUnits; usdPerMillion: ImageCostLines };
  throughCdn: { units: ImageUnits; usdPerMillion: ImageCostLines };
}

export function imageCostModel(measured: Accounting, prices: Prices): ImageCostReport {
  const perMillion = (cdn: boolean) => {
    const units = imageMessageUnits(measured, prices, cdn);
    const million = Object.fromEntries(Object.entries(units).map(([k, v]) => [k, v * 1e6])) as unknown as ImageUnits;
    return { units, usdPerMillion: imageCostOf(million, prices) };
  };
  return {
    imageBytes: {
      uploaded: measured.imageUpload?.s3Bytes.PostObject ?? 0,
      stored: measured.imageUpload?.s3Bytes.PutObject ?? 0,
      viewed: measured.imageView?.s3BytesOut ?? 0,
    },
    s3Direct: perMillion(false),
    throughCdn: perMillion(true),
  };
}

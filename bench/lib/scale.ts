/**
 * The scale model (issue #15, part 3): pure and deterministic — no clock, no randomness, no I/O.
 *
 *  - `loadPerUserHour`: what one connected user costs in an hour, from the per-action figures (measured by
 *    `npm run bench:calls`, or the fallback table in scale-profile.ts) and the usage profile;
 *  - `quotaRows` / `firstToBreak`: those rates × N users against each AWS quota (and Parley's own stage throttle);
 *  - `hotKeys`: the hottest DynamoDB keys (a popular user's counter row, a busy conversation, a 1,000-recipient task);
 *  - `monthlyBill`: the same counts × list prices, reusing bench/lib/cost.ts;
 *  - `simulateStorm`: the reconnect storm after a regional blip, every client retrying with the web client's own
 *    backoff (web/src/api/backoff.ts, the function web/src/api/socket.ts calls) against the new-connection quota.
 */
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../../web/src/api/backoff';
import type { Accounting, Figures } from './calls';
import { add, costOf, scale as scaleUnits, unitsOf, type CostLines, type ModelAction, type Prices, type Units } from './cost';
import {
  FALLBACK_FIGURES,
  PARTITION_LIMITS,
  PER_FRIEND,
  QUOTAS,
  SEND_LIMIT_PER_USER_PER_SECOND,
  TYPING_FIGURES,
  type ActionFigures,
  type MeasuredAction,
  type Quota,
  type QuotaKey,
  type UsageProfile,
} from './scale-profile';

// ---------- per-action figures: recorded results first, the fallback table otherwise ----------

export interface CallsFile {
  ranAt: string;
  scales: number[];
  byScale: Record<string, Partial<Record<MeasuredAction, Partial<Figures>>>>;
}

export interface FigureSource {
  source: string;
  figures: Record<MeasuredAction, ActionFigures>;
}

const MEASURED: MeasuredAction[] = ['connect', 'disconnect', 'sendMessage', 'markRead', 'historyPage', 'conversationList', 'unreadCount', 'notify1', 'notify1000'];

/** The figures of the largest scale of a recorded bench:calls result; any action it lacks comes from the fallback. */
export function figuresFrom(calls: CallsFile | undefined, file = 'bench/results/calls.json'): FigureSource {
  if (!calls || !calls.scales?.length) return FALLBACK_FIGURES;
  const largest = String(Math.max(...calls.scales));
  const recorded = calls.byScale[largest] ?? {};
  const missing: string[] = [];
  const figures = Object.fromEntries(
    MEASURED.map((a) => {
      const r = recorded[a];
      if (!r || typeof r.requests !== 'number' || typeof r.rcu !== 'number' || typeof r.wruBilled !== 'number' || typeof r.postToConnection !== 'number') {
        missing.push(a);
        return [a, FALLBACK_FIGURES.figures[a]];
      }
      return [a, { requests: r.requests, rcu: r.rcu, wruBilled: r.wruBilled, postToConnection: r.postToConnection }];
    }),
  ) as Record<MeasuredAction, ActionFigures>;
  const note = missing.length ? `; fallback for ${missing.join(', ')}` : '';
  return { source: `${file} (bench:calls of ${calls.ranAt}, ${Number(largest).toLocaleString('en')} other users)${note}`, figures };
}

// ---------- one connected user for one hour ----------

export type ScaleAction = MeasuredAction | 'typing' | 'ping';

/** Per-action figures as the profile sees them: connect/disconnect scaled to the profile's friends, task pushes to its online recipients. */
export function adjustedFigures(src: FigureSource, p: UsageProfile): Record<ScaleAction, ActionFigures> {
  const f = src.figures;
  const extraFriends = Math.max(0, p.friendsPerUser.mean - 1);
  const presencePushes = p.friendsPerUser.mean * p.friendsOnlineFraction * p.tabsPerUser;
  const perFriend = (a: ActionFigures): ActionFigures => ({
    requests: a.requests + extraFriends * PER_FRIEND.queriesPerFriend,
    rcu: a.rcu + extraFriends * PER_FRIEND.queriesPerFriend * PER_FRIEND.rcuPerQuery,
    wruBilled: a.wruBilled,
    // measured: one friend with one tab = 1 push
    postToConnection: Math.max(a.postToConnection, a.postToConnection - 1 + presencePushes),
  });
  return {
    ...f,
    connect: perFriend(f.connect),
    disconnect: perFriend(f.disconnect),
    notify1000: { ...f.notify1000, postToConnection: 1000 * p.taskRecipientsOnlineFraction * p.tabsPerUser },
    typing: TYPING_FIGURES,
    ping: { requests: 0, rcu: 0, wruBilled: 0, postToConnection: 0 },
  };
}

/** How many of each action one connected user makes in an hour. */
export function actionsPerUserHour(p: UsageProfile): Record<ScaleAction, number> {
  const h = p.perConnectedUserHour;
  return {
    connect: h.connect,
    disconnect: h.connect,
    sendMessage: h.sendMessage,
    markRead: h.markRead,
    typing: h.typing,
    historyPage: h.historyPage,
    conversationList: h.conversationList,
    unreadCount: h.unreadCount,
    notify1: h.notify1,
    notify1000: p.tasks1000PerHourPer10kUsers / 10_000,
    ping: (p.tabsPerUser * 3600) / p.pingIntervalSeconds,
  };
}

/** Lambda functions each action runs, as keys of bench/prices.json `lambdaBilledMs` (typing: the profile's). */
const LAMBDAS: Record<ScaleAction, string[]> = {
  connect: ['wsAuthorizer', 'wsConnect'],
  disconnect: ['wsDisconnect'],
  sendMessage: ['wsSendMessage'],
  markRead: ['wsMarkRead'],
  typing: ['wsTyping'],
  historyPage: ['httpHistory'],
  conversationList: ['httpConversations'],
  unreadCount: ['httpUnreadCount'],
  notify1: ['eventsNotify:1'],
  notify1000: ['eventsNotify:1000'],
  ping: ['wsPing'],
};
const WS_FRAME_IN: ScaleAction[] = ['sendMessage', 'markRead', 'typing', 'ping'];
const HTTP: ScaleAction[] = ['historyPage', 'conversationList', 'unreadCount'];
const EVENTS: ScaleAction[] = ['notify1', 'notify1000'];

export interface Load {
  connects: number;
  wsFramesIn: number;
  httpRequests: number;
  postToConnection: number;
  ddbRequests: number;
  rru: number;
  wru: number;
  lambdaInvocations: number;
  /** Billed Lambda execution seconds: concurrency = these per second. */
  lambdaSeconds: number;
  putEvents: number;
}

export function lambdaMs(key: string, prices: Prices, p: UsageProfile): number {
  if (key === 'wsTyping') return p.typingLambdaMs;
  const ms = prices.assumptions.lambdaBilledMs[key];
  if (ms === undefined) throw new Error(`bench/prices.json: no lambdaBilledMs for ${key}`);
  return ms;
}

/** What one connected user puts on each service in one hour. */
export function loadPerUserHour(src: FigureSource, p: UsageProfile, prices: Prices): Load {
  const fig = adjustedFigures(src, p);
  const n = actionsPerUserHour(p);
  const load: Load = { connects: 0, wsFramesIn: 0, httpRequests: 0, postToConnection: 0, ddbRequests: 0, rru: 0, wru: 0, lambdaInvocations: 0, lambdaSeconds: 0, putEvents: 0 };
  for (const a of Object.keys(n) as ScaleAction[]) {
    const k = n[a];
    load.ddbRequests += k * fig[a].requests;
    load.rru += k * fig[a].rcu;
    load.wru += k * fig[a].wruBilled;
    load.postToConnection += k * fig[a].postToConnection;
    load.lambdaInvocations += k * LAMBDAS[a].length;
    load.lambdaSeconds += k * LAMBDAS[a].reduce((s, l) => s + lambdaMs(l, prices, p) / 1000, 0);
    if (WS_FRAME_IN.includes(a)) load.wsFramesIn += k;
    if (HTTP.includes(a)) load.httpRequests += k;
    if (EVENTS.includes(a)) load.putEvents += k;
  }
  load.connects = n.connect;
  return load;
}

// ---------- rates against quotas ----------

export interface QuotaRow {
  quota: Quota;
  /** Demand at this scale, per second (or executions for Lambda concurrency). */
  rate: number;
  utilisation: number;
  /** Connected users at which this quota is reached (every rate here is linear in users). */
  breaksAtUsers: number;
}

/** Per-second demand on each quota of one connected user. */
export function demandPerUser(load: Load): Record<QuotaKey, number> {
  const s = (x: number) => x / 3600;
  return {
    wsNewConnections: s(load.connects),
    // Every request API Gateway handles counts: connects, frames in, HTTP requests and @connections calls.
    apiGatewayAccountRps: s(load.connects + load.wsFramesIn + load.httpRequests + load.postToConnection),
    parleyWsStageRps: s(load.connects + load.wsFramesIn),
    parleyHttpStageRps: s(load.httpRequests),
    lambdaConcurrency: s(load.lambdaSeconds),
    // All tables together: an upper bound for the Main table (the Connections table takes the connection rows).
    dynamoTableWru: s(load.wru),
    dynamoTableRru: s(load.rru),
    dynamoWarmWru: s(load.wru),
    eventBridgePutEvents: s(load.putEvents),
  };
}

export function quotaRows(load: Load, users: number, quotas: Quota[] = QUOTAS): QuotaRow[] {
  const perUser = demandPerUser(load);
  return quotas.map((quota) => {
    const rate = perUser[quota.key] * users;
    return { quota, rate, utilisation: rate / quota.limit, breaksAtUsers: perUser[quota.key] > 0 ? quota.limit / perUser[quota.key] : Infinity };
  });
}

/**
 * The hard quota reached at the fewest users (the most utilised one: every rate is linear in users), whether it is
 * broken at this scale, and every broken one. Soft levels (warm throughput) are never "the limit".
 */
export function firstToBreak(rows: QuotaRow[]): { row: QuotaRow; broken: boolean; brokenRows: QuotaRow[] } {
  const sorted = rows.filter((r) => !r.quota.soft).sort((a, b) => b.utilisation - a.utilisation);
  return { row: sorted[0], broken: sorted[0].utilisation >= 1, brokenRows: sorted.filter((r) => r.utilisation >= 1) };
}

// ---------- hot keys ----------

export interface HotKeys {
  popularUser: {
    friendsOnline: number;
    inboundPerSecond: number;
    /** The COUNTS item: one transactional update (2 WRU) per inbound message. */
    counterWru: number;
    counterUtilisation: number;
    /** Every online friend at the per-user send limit (30/10 s) at once. */
    worstInboundPerSecond: number;
    worstCounterUtilisation: number;
    /** Inbound messages per second the counter item can take: 1,000 WCU ÷ 2. */
    counterMaxInboundPerSecond: number;
    /** Presence pushes one connect of this user makes (one per online friend's tab). */
    presencePushesPerConnect: number;
  };
  busyConversation: { maxMessagesPerSecond: number; wru: number; utilisation: number };
  task1000: {
    tasksPerSecond: number;
    wru: number;
    rru: number;
    requests: number;
    pushes: number;
    /** Seconds to deliver one task alone: max(its Lambda duration, its pushes at the callback headroom, its writes at the table headroom). */
    fanOutSeconds: number;
    /** 1,000 tasks at once (a campaign, 1M recipient-notifications): seconds until all are delivered, and what bounds it. */
    campaignSeconds: number;
    campaignBound: string;
  };
}

export interface HotKeyOptions {
  /** Reserved concurrency of the notification function (lib/wiring.ts eventsNotify: 10, applied with -c reservedConcurrency=true); undefined = the account pool. */
  notifyConcurrency?: number;
  campaignTasks?: number;
}

export function hotKeys(src: FigureSource, p: UsageProfile, prices: Prices, users: number, opts: HotKeyOptions = {}): HotKeys {
  const fig = adjustedFigures(src, p);
  const load = loadPerUserHour(src, p, prices);
  const rows = Object.fromEntries(quotaRows(load, users).map((r) => [r.quota.key, r])) as Record<QuotaKey, QuotaRow>;

  const friendsOnline = Math.min(p.popularUser.maxFriends, p.popularUser.friendsShareOfConnected * users);
  const inbound = (friendsOnline * p.perConnectedUserHour.sendMessage * p.popularUser.shareOfFriendsMessagesToThem) / 3600;
  const worst = friendsOnline * SEND_LIMIT_PER_USER_PER_SECOND;
  const wruPerInbound = 2;

  // A conversation's partition (CONV#a#b) takes the message put (2 WRU, transactional); both senders at the limit.
  const convMax = 2 * SEND_LIMIT_PER_USER_PER_SECOND;

  const t = fig.notify1000;
  const tasksPerSecond = (users / 10_000) * (p.tasks1000PerHourPer10kUsers / 3600);
  const taskMs = lambdaMs('eventsNotify:1000', prices, p);
  // What steady traffic leaves of each quota; none left = the task never completes at that quota (Infinity).
  const headroom = (r: QuotaRow) => (r.quota.limit > r.rate ? r.quota.limit - r.rate : 0);
  const callbackHeadroom = headroom(rows.apiGatewayAccountRps);
  const wruHeadroom = headroom(rows.dynamoTableWru);
  const fanOut = Math.max(taskMs / 1000, t.postToConnection / callbackHeadroom, t.wruBilled / wruHeadroom);
  const campaign = opts.campaignTasks ?? 1000;
  const lambdaHeadroom = headroom(rows.lambdaConcurrency);
  const concurrency = Math.min(opts.notifyConcurrency ?? lambdaHeadroom, lambdaHeadroom);
  const bounds: [string, number][] = [
    [`Lambda (${Math.round(concurrency)} concurrent × ${taskMs} ms)`, (campaign * taskMs) / 1000 / concurrency],
    ['DynamoDB table write quota headroom', (campaign * t.wruBilled) / wruHeadroom],
    ['API Gateway account throttle headroom (pushes)', (campaign * t.postToConnection) / callbackHeadroom],
  ];
  bounds.sort((a, b) => b[1] - a[1]);

  return {
    popularUser: {
      friendsOnline,
      inboundPerSecond: inbound,
      counterWru: inbound * wruPerInbound,
      counterUtilisation: (inbound * wruPerInbound) / PARTITION_LIMITS.wcu,
      worstInboundPerSecond: worst,
      worstCounterUtilisation: (worst * wruPerInbound) / PARTITION_LIMITS.wcu,
      counterMaxInboundPerSecond: PARTITION_LIMITS.wcu / wruPerInbound,
      presencePushesPerConnect: friendsOnline * p.tabsPerUser,
    },
    busyConversation: { maxMessagesPerSecond: convMax, wru: convMax * 2, utilisation: (convMax * 2) / PARTITION_LIMITS.wcu },
    task1000: {
      tasksPerSecond,
      wru: t.wruBilled,
      rru: t.rcu,
      requests: t.requests,
      pushes: t.postToConnection,
      fanOutSeconds: fanOut,
      campaignSeconds: bounds[0][1],
      campaignBound: bounds[0][0],
    },
  };
}

// ---------- the monthly bill ----------

export interface Bill {
  connectedUserHours: number;
  connectionMinutes: number;
  units: Units;
  usd: CostLines;
}

/** A month at this peak: connected user-hours = users × averageToPeak × 720 h; the per-hour counts × list prices (bench/lib/cost.ts). */
export function monthlyBill(src: FigureSource, p: UsageProfile, prices: Prices, users: number): Bill {
  const fig = adjustedFigures(src, p);
  const n = actionsPerUserHour(p);
  const hours = users * p.averageToPeak * 24 * 30;
  const asFigures = (a: ActionFigures): Figures => ({ ops: {}, requests: a.requests, rcu: a.rcu, wcu: 0, wcuIndexes: 0, wruBilled: a.wruBilled, postToConnection: a.postToConnection });
  const measured = Object.fromEntries(MEASURED.map((a) => [a, asFigures(fig[a])])) as unknown as Accounting;
  let units: Units = scaleUnits(unitsOf('ping', measured, prices), 0);
  for (const a of [...MEASURED, 'ping'] as ModelAction[]) units = add(units, scaleUnits(unitsOf(a, measured, prices), n[a] * hours));
  // typing: a two-way route (1 frame in, 1 reply) plus its push; one Lambda (wsTyping, default 256 MB).
  const typing: Units = {
    rru: TYPING_FIGURES.rcu,
    wru: TYPING_FIGURES.wruBilled,
    wsMessages: 2 + TYPING_FIGURES.postToConnection,
    httpRequests: 0,
    lambdaInvocations: 1,
    lambdaGbSeconds: (256 / 1024) * (p.typingLambdaMs / 1000),
    events: 0,
    logBytes: prices.assumptions.lambdaLogBytesPerInvocation,
  };
  units = add(units, scaleUnits(typing, n.typing * hours));
  const connectionMinutes = hours * 60 * p.tabsPerUser;
  return { connectedUserHours: hours, connectionMinutes, units, usd: costOf(units, prices, connectionMinutes) };
}

// ---------- the reconnect storm ----------

export interface StormOptions {
  clients: number;
  /** New connections API Gateway accepts per second (the account's quota, all WebSocket APIs). */
  quotaPerSecond: number;
  backoff?: BackoffOptions;
  /** The delay function: the web client's (default). */
  delay?: (attempt: number, opts: BackoffOptions, random: () => number) => number;
  stepMs?: number;
  /** Points of the jitter distribution each group of refused clients is spread over (the delay function at r = (j+½)/q). */
  quantiles?: number;
  /** Give up after this long (simulated seconds). */
  maxSeconds?: number;
  /**
   * Share of the waiting clients per second that try at once, out of turn: a tab becoming visible calls
   * `reconnectNow()` (web/src/session.ts), which skips the wait but keeps the attempt count. Default 0. (The other
   * prompt retry, the browser's `online` event, resets the count, but a regional blip leaves devices online.)
   */
  promptRetryPerSecond?: number;
}

export interface StormResult {
  clients: number;
  quotaPerSecond: number;
  /** Seconds from the drop until that share of clients is connected again; NaN if not within maxSeconds. */
  t50: number;
  t99: number;
  t100: number;
  peakAttemptsPerSecond: number;
  attempts: number;
  /** Attempts refused by the quota (each one a handshake API Gateway answered 429). */
  refused: number;
  /** Accepted connections in each whole second. */
  acceptedPerSecond: number[];
  attemptsPerSecond: number[];
}

/**
 * N clients lose their connection at t = 0 and reconnect as web/src/api/socket.ts does: wait backoffDelay(0), try;
 * refused, wait backoffDelay(1), try; … (attempt index capped where the delay stops growing). API Gateway accepts at
 * most quotaPerSecond × step per step, spread evenly over everyone trying in that step.
 *
 * An expected-value ("fluid") simulation in `stepMs` steps: clients are bucketed by (backoff attempt, next-attempt
 * step) and a refused bucket is spread over the jitter distribution of the real delay function, sampled at `quantiles`
 * evenly spaced random values. Deterministic, O(steps × attempt levels × quantiles) whatever the number of clients.
 * The last client counts as reconnected when fewer than half a client remains.
 */
export function simulateStorm(o: StormOptions): StormResult {
  const stepMs = o.stepMs ?? 100;
  const q = o.quantiles ?? 64;
  const opts = o.backoff ?? DEFAULT_BACKOFF;
  const delay = o.delay ?? backoffDelay;
  const maxSteps = Math.ceil(((o.maxSeconds ?? 4 * 3600) * 1000) / stepMs);

  // Attempt levels until the delay distribution stops changing (the cap), at most 31 (backoffDelay's own cap).
  const offsets: number[][] = [];
  for (let k = 0; k <= 31; k++) {
    const row: number[] = [];
    for (let j = 0; j < q; j++) row.push(Math.max(1, Math.round(delay(k, opts, () => (j + 0.5) / q) / stepMs)));
    offsets.push(row);
    if (k > 0 && row.every((v, j) => v === offsets[k - 1][j])) {
      offsets.pop();
      break;
    }
  }
  const levels = offsets.length;
  const maxOffset = Math.max(...offsets.flat());
  const ring = maxOffset + 1;
  const pending = Array.from({ length: levels }, () => new Float64Array(ring));

  // The drop: every client schedules attempt 0's delay; if refused, its next delay is attempt 1's.
  const schedule = (count: number, delayLevel: number, now: number) => {
    const next = Math.min(delayLevel + 1, levels - 1);
    const share = count / q;
    for (const off of offsets[delayLevel]) pending[next][(now + off) % ring] += share;
  };
  schedule(o.clients, 0, 0);

  const capacityPerStep = (o.quotaPerSecond * stepMs) / 1000;
  const stepsPerSecond = 1000 / stepMs;
  let connected = 0;
  let attemptsTotal = 0;
  let refusedTotal = 0;
  let t50 = NaN;
  let t99 = NaN;
  let t100 = NaN;
  const acceptedPerSecond: number[] = [];
  const attemptsPerSecond: number[] = [];
  const promptShare = Math.min(1, ((o.promptRetryPerSecond ?? 0) * stepMs) / 1000);
  const trying = new Float64Array(levels);
  for (let step = 1; step <= maxSteps; step++) {
    const slot = step % ring;
    let attempts = 0;
    for (let k = 0; k < levels; k++) {
      trying[k] = pending[k][slot];
      pending[k][slot] = 0;
      if (promptShare > 0) {
        for (let i = 0; i < ring; i++) {
          const early = pending[k][i] * promptShare;
          pending[k][i] -= early;
          trying[k] += early;
        }
      }
      attempts += trying[k];
    }
    const sec = Math.floor((step - 1) / stepsPerSecond);
    if (attempts > 0) {
      const accepted = Math.min(attempts, capacityPerStep);
      const refusedShare = 1 - accepted / attempts;
      connected += accepted;
      attemptsTotal += attempts;
      refusedTotal += attempts - accepted;
      acceptedPerSecond[sec] = (acceptedPerSecond[sec] ?? 0) + accepted;
      attemptsPerSecond[sec] = (attemptsPerSecond[sec] ?? 0) + attempts;
      for (let k = 0; k < levels; k++) {
        // A client at level k used delay k-1 to get here; refused, it waits delay k (schedule() moves it to k+1).
        if (trying[k] > 0 && refusedShare > 0) schedule(trying[k] * refusedShare, Math.min(k, levels - 1), step);
      }
    } else {
      acceptedPerSecond[sec] = acceptedPerSecond[sec] ?? 0;
      attemptsPerSecond[sec] = attemptsPerSecond[sec] ?? 0;
    }
    const t = (step * stepMs) / 1000;
    if (Number.isNaN(t50) && connected >= 0.5 * o.clients) t50 = t;
    if (Number.isNaN(t99) && connected >= 0.99 * o.clients) t99 = t;
    if (o.clients - connected < 0.5) {
      t100 = t;
      break;
    }
  }
  return {
    clients: o.clients,
    quotaPerSecond: o.quotaPerSecond,
    t50,
    t99,
    t100,
    peakAttemptsPerSecond: Math.max(0, ...attemptsPerSecond),
    attempts: attemptsTotal,
    refused: refusedTotal,
    acceptedPerSecond,
    attemptsPerSecond,
  };
}

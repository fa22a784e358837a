/**
 * Scale model, part 2 (re-exported by bench/lib/scale.ts): one user's load × N users against each AWS quota (and
 * Parley's own stage throttle), the first one to break, and the hottest DynamoDB keys.
 */
import type { Prices } from './cost';
import { adjustedFigures, lambdaMs, loadPerUserHour, type FigureSource, type Load } from './scale-load';
import { PARTITION_LIMITS, QUOTAS, SEND_LIMIT_PER_USER_PER_SECOND, type Quota, type QuotaKey, type UsageProfile } from './scale-profile';

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
    /**
     * The popular user's hottest key: since issue #15 no item of theirs is written per inbound chat message (each
     * conversation has its own pair item); what is, is their list partition `USER#<u>` in the side indexes — one key
     * move (2 index WRU) per inbound message (before: the COUNTS item's transactional update, also 2 WRU).
     */
    counterWru: number;
    counterUtilisation: number;
    /** Every online friend at the per-user send limit (30/10 s) at once. */
    worstInboundPerSecond: number;
    worstCounterUtilisation: number;
    /** Inbound messages per second that partition can take: 1,000 WCU ÷ 2. */
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

  // A conversation's partitions: the message put in CONV#a#b and the pair item's update in PAIR#a#b (2 WRU each,
  // transactional, each its own partition); both senders at the limit.
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

/**
 * Inputs of the scale model (issue #15, part 3): the usage profile, the AWS quotas with their sources, and — only
 * when no recorded `npm run bench:calls` result exists — the per-action figures to fall back on.
 *
 * Everything here is an input: change a number, re-run `npm run bench:scale`, and the tables follow. The per-action
 * DynamoDB/PostToConnection figures normally come from bench/results/calls.json (the latest recorded measurement), so
 * re-running `npm run bench:calls` after a handler optimisation updates the model without touching this file.
 */

/** What one action costs, as `npm run bench:calls` measures it (bench/lib/calls.ts `Figures`, the fields used). */
export interface ActionFigures {
  /** DynamoDB requests (HTTP requests to DynamoDB, retries included). */
  requests: number;
  /** Read request units, AWS minimums applied. */
  rcu: number;
  /** Write request units by AWS's billing rules (transactions doubled, index writes included). */
  wruBilled: number;
  postToConnection: number;
}

export type MeasuredAction =
  | 'connect'
  | 'disconnect'
  | 'sendMessage'
  | 'markRead'
  | 'historyPage'
  | 'conversationList'
  | 'unreadCount'
  | 'notify1'
  | 'notify1000';

/**
 * ============================ FALLBACK per-action figures ============================
 * Used ONLY when bench/results/calls.json is missing. Copied from docs/PERFORMANCE.md §1 (the bench:calls run of
 * 2026-11-24, 10,000 other users stored, the actor with ONE friend holding one connected tab). `npm run bench:scale`
 * prints which source it used. Replace by re-running `npm run bench:calls`, not by editing, when handlers change.
 */
export const FALLBACK_FIGURES: { source: string; figures: Record<MeasuredAction, ActionFigures> } = {
  source: 'bench/lib/scale-profile.ts FALLBACK_FIGURES (docs/PERFORMANCE.md §1, bench:calls of 2026-11-30, issue #15 part 2)',
  figures: {
    connect: { requests: 4, rcu: 1.5, wruBilled: 2, postToConnection: 1 },
    disconnect: { requests: 3, rcu: 1.5, wruBilled: 1, postToConnection: 1 },
    sendMessage: { requests: 3, rcu: 2, wruBilled: 10, postToConnection: 1 },
    markRead: { requests: 5, rcu: 3, wruBilled: 5, postToConnection: 2 },
    historyPage: { requests: 2, rcu: 1, wruBilled: 0, postToConnection: 0 },
    conversationList: { requests: 5, rcu: 2.5, wruBilled: 0, postToConnection: 0 },
    unreadCount: { requests: 3, rcu: 1.5, wruBilled: 0, postToConnection: 0 },
    notify1: { requests: 2, rcu: 1, wruBilled: 7, postToConnection: 1 },
    notify1000: { requests: 42, rcu: 6, wruBilled: 7000, postToConnection: 1 },
  },
};

/**
 * Not measured by bench:calls (typing is not one of its actions): from docs/DATA.md "typing | 1 TransactWriteItems
 * (friendship check + rate window) + 1 BatchGetItem" — 2 items × 2 WRU, one strongly consistent read (1 RRU), one
 * push to the peer's tab. An estimate; marked so in the output.
 */
export const TYPING_FIGURES: ActionFigures = { requests: 2, rcu: 1, wruBilled: 4, postToConnection: 1 };

/**
 * What the measured figures leave out because the benchmark's actor has exactly one friend with one connected tab:
 * `connect` and `disconnect` read their friends' connections and push presence to each online friend's tabs. The
 * model adds (friends − 1) × these to the measured connect/disconnect. Since issue #15 the lookups are batched:
 * bench:calls measures a connect with 1,000 friends at 13 requests against 4 with one friend — 10 BatchGetItem,
 * 0.01 a friend. Read units: strongly consistent, billed per key by AWS's rules (≤ 4 KB: 1 each) — an upper bound of
 * 100 a request (DynamoDB Local reports ~2 for the benchmark's mostly absent items).
 */
export const PER_FRIEND = {
  queriesPerFriend: 0.01,
  /** Read units of one such lookup: a BatchGetItem of 100 keys, 1 unit each (strongly consistent). */
  rcuPerQuery: 100,
};

/** The usage profile: what one connected ("concurrent") user does in an hour, and the shape around it. */
export interface UsageProfile {
  perConnectedUserHour: {
    sendMessage: number;
    markRead: number;
    typing: number;
    /** New WebSocket connections: token renewal (make-before-break, once an hour) + new sessions / network changes. */
    connect: number;
    historyPage: number;
    conversationList: number;
    unreadCount: number;
    /** System notifications received (one recipient each). */
    notify1: number;
  };
  /** Open WebSocket connections per connected user (tabs, devices): pings and connection minutes scale with it. */
  tabsPerUser: number;
  /** The web client's ping interval (web/src/api/socket.ts, 270 000 ms). */
  pingIntervalSeconds: number;
  friendsPerUser: { mean: number; p99: number };
  /** Fraction of a user's friends online at the same time (presence pushes at connect/disconnect). */
  friendsOnlineFraction: number;
  /** 1,000-recipient task notifications per hour, per 10,000 connected users. */
  tasks1000PerHourPer10kUsers: number;
  /** Fraction of a task's recipients connected when it is delivered. */
  taskRecipientsOnlineFraction: number;
  /** The popular user: friends as a share of connected users (capped by maxFriends) and the share of their messages to them. */
  popularUser: { friendsShareOfConnected: number; maxFriends: number; shareOfFriendsMessagesToThem: number };
  /** Average connected users over a month ÷ the peak the scale names (for the monthly bill). */
  averageToPeak: number;
  /** Billed Lambda ms for typing (not in bench/prices.json). */
  typingLambdaMs: number;
}

export const PROFILE: UsageProfile = {
  perConnectedUserHour: {
    sendMessage: 30,
    markRead: 15,
    typing: 30,
    connect: 1.5,
    historyPage: 3,
    conversationList: 1,
    unreadCount: 1,
    notify1: 2,
  },
  tabsPerUser: 1.2,
  pingIntervalSeconds: 270,
  friendsPerUser: { mean: 50, p99: 500 },
  friendsOnlineFraction: 0.2,
  tasks1000PerHourPer10kUsers: 1,
  taskRecipientsOnlineFraction: 0.2,
  popularUser: { friendsShareOfConnected: 0.005, maxFriends: 50_000, shareOfFriendsMessagesToThem: 0.1 },
  averageToPeak: 0.4,
  typingLambdaMs: 25,
};

/** The scales the model prints (concurrent = connected at the peak). */
export const SCALES = [10_000, 100_000, 1_000_000];

/** New-connection quotas the reconnect storm is simulated against: AWS's default and a raised one. */
export const STORM_QUOTAS = [500, 5_000];

/**
 * For the storm's second variant: the share of waiting clients per second whose tab becomes visible and so retries at
 * once (web/src/session.ts → socket.reconnectNow()): 1 % a second = a user looks at the tab about every 100 s.
 */
export const STORM_PROMPT_RETRY_PER_SECOND = 0.01;

export interface Quota {
  key: QuotaKey;
  name: string;
  limit: number;
  unit: string;
  adjustable: string;
  source: string;
  /** Not a ceiling: a level the service grows past by itself (shown, never reported as "breaking"). */
  soft?: boolean;
}

export type QuotaKey =
  | 'wsNewConnections'
  | 'apiGatewayAccountRps'
  | 'parleyWsStageRps'
  | 'parleyHttpStageRps'
  | 'lambdaConcurrency'
  | 'dynamoTableWru'
  | 'dynamoTableRru'
  | 'dynamoWarmWru'
  | 'eventBridgePutEvents';

/**
 * AWS quotas (us-east-1 where regional), each as stated on the AWS page named, read 2026-11-30 through the docs search
 * (this machine cannot reach aws.amazon.com directly). Re-check them in Service Quotas for the real account.
 */
export const QUOTAS: Quota[] = [
  {
    key: 'wsNewConnections',
    name: 'API Gateway WebSocket new connections / s (account, region, all WebSocket APIs)',
    limit: 500,
    unit: 'connects/s',
    adjustable: 'yes (Service Quotas L-9ED1E49A)',
    source: 'Quotas for configuring and running a WebSocket in API Gateway — https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html',
  },
  {
    key: 'apiGatewayAccountRps',
    name: 'API Gateway throttle, account & region, across HTTP, REST, WebSocket and WebSocket callback (@connections) APIs',
    limit: 10_000,
    unit: 'requests/s (+ token bucket burst 5,000)',
    adjustable: 'yes (L-8A5B8E43); burst not customer-controlled',
    source: 'Amazon API Gateway quotas — https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html',
  },
  {
    key: 'parleyWsStageRps',
    name: "Parley's own WebSocket stage throttle (connects + frames in)",
    limit: 1_000,
    unit: 'requests/s (burst 2,000)',
    adjustable: 'yes: -c throttleRateLimit / throttleBurstLimit',
    source: 'lib/config.ts throttleRateLimit default (docs/DEPLOY.md "Context options")',
  },
  {
    key: 'parleyHttpStageRps',
    name: "Parley's own HTTP API stage throttle",
    limit: 1_000,
    unit: 'requests/s (burst 2,000)',
    adjustable: 'yes: -c throttleRateLimit / throttleBurstLimit',
    source: 'lib/config.ts throttleRateLimit default (docs/DEPLOY.md "Context options")',
  },
  {
    key: 'lambdaConcurrency',
    name: 'Lambda concurrent executions (account, region)',
    limit: 1_000,
    unit: 'executions',
    adjustable: 'yes, to tens of thousands; scaling rate 1,000 environments / 10 s per function (not adjustable)',
    source: 'Lambda quotas — https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ; Lambda scaling behavior — https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html',
  },
  {
    key: 'dynamoTableWru',
    name: 'DynamoDB on-demand table-level write throughput (per table)',
    limit: 40_000,
    unit: 'WRU/s',
    adjustable: 'yes (service quota)',
    source: 'DynamoDB maximum throughput for on-demand tables — https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html ; Quotas in Amazon DynamoDB — https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
  },
  {
    key: 'dynamoTableRru',
    name: 'DynamoDB on-demand table-level read throughput (per table)',
    limit: 40_000,
    unit: 'RRU/s',
    adjustable: 'yes (service quota)',
    source: 'DynamoDB maximum throughput for on-demand tables — https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html',
  },
  {
    key: 'dynamoWarmWru',
    name: 'DynamoDB new on-demand table warm throughput, soft (a new table takes 4,000 WRU/s, 12,000 RRU/s at once; more after it grows or is pre-warmed)',
    limit: 4_000,
    unit: 'WRU/s',
    adjustable: 'grows with traffic, or pre-warm (warm throughput)',
    soft: true,
    source: 'Understanding DynamoDB warm throughput in different scenarios — https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
  },
  {
    key: 'eventBridgePutEvents',
    name: 'EventBridge PutEvents (account, us-east-1)',
    limit: 10_000,
    unit: 'requests/s',
    adjustable: 'yes',
    source: 'Amazon EventBridge quotas — https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html (us-east-1: 10,000/s; 2,400/s in us-east-2; lower elsewhere)',
  },
];

/** Per-partition (and so per-item) throughput: every partition, on-demand or provisioned. */
export const PARTITION_LIMITS = {
  wcu: 1_000,
  rcu: 3_000,
  source:
    'Understanding DynamoDB warm throughput in different scenarios ("each individual partition is limited to 1,000 write units per second and 3,000 read units per second") — https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html ; Key range throughput exceeded (hot partitions) — https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/throttling-key-range-limit-exceeded-mitigation.html',
  transactionsNote:
    'Transactional writes cost 2 WRU per item (prepare + commit): "Capacity management for transactions" in Amazon DynamoDB Transactions: How it works — https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html (section located; its wording read only through secondary sources — treat as verified-by-secondary). bench:calls bills WRU by this rule.',
};

/** Parley's per-user send limit (lib/config.ts rateLimitSend default "30/10"): bounds any one sender. */
export const SEND_LIMIT_PER_USER_PER_SECOND = 30 / 10;

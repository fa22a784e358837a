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
    | 'cloudWatchLogsIngestedGb',
    Price
  >;
  assumptions: {
    lambdaBilledMs: Record<string, number>;
    lambdaLogBytesPerInvocation: number;
    scenario: Scenario;
  };
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
export type ModelAction = Exclude<Action, 'connect1000Friends'> | 'ping';

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

/**
 * Scale model, part 1 (re-exported by bench/lib/scale.ts): the per-action figures (recorded bench:calls results, or the
 * fallback table) and what one connected user puts on each service in an hour. Pure: no clock, no randomness, no I/O.
 */
import type { Figures } from './calls';
import type { Prices } from './cost';
import { FALLBACK_FIGURES, PER_FRIEND, TYPING_FIGURES, type ActionFigures, type MeasuredAction, type UsageProfile } from './scale-profile';

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

export const MEASURED: MeasuredAction[] = ['connect', 'disconnect', 'sendMessage', 'markRead', 'historyPage', 'conversationList', 'unreadCount', 'notify1', 'notify1000'];

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

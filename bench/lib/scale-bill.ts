/** Scale model, part 3 (re-exported by bench/lib/scale.ts): the monthly bill at a peak, reusing bench/lib/cost.ts. */
import { NO_S3, type Accounting, type Figures } from './calls';
import { add, costOf, scale as scaleUnits, unitsOf, type CostLines, type ModelAction, type Prices, type Units } from './cost';
import { actionsPerUserHour, adjustedFigures, MEASURED, type FigureSource } from './scale-load';
import { TYPING_FIGURES, type ActionFigures, type UsageProfile } from './scale-profile';

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
  const asFigures = (a: ActionFigures): Figures => ({ ops: {}, requests: a.requests, rcu: a.rcu, wcu: 0, wcuIndexes: 0, wruBilled: a.wruBilled, postToConnection: a.postToConnection, ...NO_S3 });
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

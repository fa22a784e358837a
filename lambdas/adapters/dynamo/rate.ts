/**
 * Per-user rate limits as a GCRA (the generic cell rate algorithm, a token bucket kept as one timestamp), so a client
 * can predict them: with "30 per 10 s", a burst of 30 goes through and the 31st is refused; after that one more is
 * allowed every 10/30 s — whatever window boundaries fall in between (fixed windows let 60 through across one, and
 * refused at random points of a burst).
 *
 * State: one item `RATE#<user>` / `<kind>` holding `tat`, the theoretical arrival time (epoch ms). A hit is allowed
 * when `max(tat, now) - now <= tolerance` (tolerance = window - interval, interval = window / limit) and moves `tat` to
 * `max(tat, now) + interval`. DynamoDB can't compute max() in an update, so a hit is one of two conditional updates:
 *   idle  (`tat <= now` or none): SET tat = now + interval
 *   busy  (now < tat <= now + tolerance): SET tat = tat + interval
 * The caller tries the likelier one (a hint of this user's last `tat` in this container); a failed condition returns
 * the stored `tat` (ReturnValuesOnConditionCheckFailure), which says whether to try the other one or refuse — so a
 * refusal or a wrong guess costs at most one more request, and concurrent hits never over-admit (each is conditional).
 */
import type { RateRule } from '../../core/ports';
import { ratePk } from './keys';
import type { TxItem } from './transact';

export type RateBranch = 'idle' | 'busy';

export const interval = (rule: RateRule) => (rule.windowSeconds * 1000) / rule.limit;
// Plus 1 ms: interval and tolerance are fractions of a millisecond (10 s / 30), and the last hit of a full burst must
// not be lost to rounding (29 × 333.33… against 10,000 − 333.33…). It can't admit an extra hit: that needs 333 ms.
export const tolerance = (rule: RateRule) => rule.windowSeconds * 1000 - interval(rule) + 1;

/** Last `tat` this container wrote per user and kind: only a hint for which branch to try first. */
const hints = new Map<string, number>();
const MAX_HINTS = 10_000;

export function firstBranch(userId: string, rule: RateRule, now: number): RateBranch {
  const tat = hints.get(`${rule.kind}#${userId}`);
  return tat !== undefined && tat > now ? 'busy' : 'idle';
}

export function remember(userId: string, rule: RateRule, now: number, branch: RateBranch, storedTat?: number): void {
  if (hints.size > MAX_HINTS) hints.clear();
  const base = branch === 'busy' && storedTat !== undefined ? storedTat : now;
  hints.set(`${rule.kind}#${userId}`, base + interval(rule));
}

/** The conditional update of one branch, as a transaction item (Update) with the old item returned on failure. */
export function rateUpdate(table: string, userId: string, rule: RateRule, branch: RateBranch, now: number): TxItem {
  const step = interval(rule);
  const common = {
    TableName: table,
    Key: { pk: ratePk(userId), sk: rule.kind },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  // The row outlives its last hit by a window, then TTL removes it (an idle user's row means "idle" anyway).
  const expiresAt = Math.ceil((now + rule.windowSeconds * 2000) / 1000) + 60;
  return branch === 'idle'
    ? {
        Update: {
          ...common,
          UpdateExpression: 'SET tat = :next, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(tat) OR tat <= :now',
          ExpressionAttributeValues: { ':next': now + step, ':now': now, ':exp': expiresAt },
        },
      }
    : {
        Update: {
          ...common,
          UpdateExpression: 'SET tat = tat + :step, expiresAt = :exp',
          ConditionExpression: 'tat > :now AND tat <= :limit',
          ExpressionAttributeValues: { ':step': step, ':now': now, ':limit': now + tolerance(rule), ':exp': expiresAt + Math.ceil(tolerance(rule) / 1000) },
        },
      };
}

/**
 * After `tried`'s condition failed with this stored item: the branch to try next, or 'limited'. (A branch can't fail
 * into itself; if the answer says so anyway, it is read as a refusal rather than tried for ever.)
 */
export function nextBranch(tried: RateBranch, stored: Record<string, unknown> | undefined, rule: RateRule, now: number, attr = 'tat'): RateBranch | 'limited' {
  const tat = storedTat(stored, attr);
  const next: RateBranch | 'limited' = tat === undefined || tat <= now ? 'idle' : tat - now <= tolerance(rule) ? 'busy' : 'limited';
  return next === tried ? 'limited' : next;
}

export const storedTat = (stored: Record<string, unknown> | undefined, attr = 'tat') => (typeof stored?.[attr] === 'number' ? (stored[attr] as number) : undefined);

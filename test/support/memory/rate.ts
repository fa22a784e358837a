/** In-memory RateLimiter (lambdas/core/ports.ts); see test/support/memory-ports.ts for the rules all fakes follow. */
import { rateLimited } from '../../../lambdas/core/errors';
import type { Clock, RateLimiter, RateRule } from '../../../lambdas/core/ports';

/**
 * The GCRA of lambdas/adapters/dynamo/rate.ts on the Clock: with "30 per 10 s" a burst of 30 passes, the 31st is
 * refused, then one more every 10/30 s. One state per (user, kind), shared by the MessageStore (sendMessage, typing)
 * and the RateLimiter (markRead), as the adapters share the table's RATE# rows.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly tat = new Map<string, number>();
  constructor(private readonly clock: Clock) {}

  /** Whether one more hit is allowed now, and the state it would leave; changes nothing. */
  private judge(userId: string, rule: RateRule): { key: string; allowed: boolean; next: number } {
    const key = `${rule.kind}#${userId}`;
    const now = this.clock.now();
    const interval = (rule.windowSeconds * 1000) / rule.limit;
    const tolerance = rule.windowSeconds * 1000 - interval + 1;
    const base = Math.max(this.tat.get(key) ?? now, now);
    return { key, allowed: base - now <= tolerance, next: base + interval };
  }

  /** Throws RATE_LIMITED without counting, or returns the commit that counts the hit (for use inside one step). */
  check(userId: string, rule: RateRule): () => void {
    const { key, allowed, next } = this.judge(userId, rule);
    if (!allowed) throw rateLimited();
    return () => void this.tat.set(key, next);
  }

  async hit(userId: string, rule: RateRule): Promise<void> {
    this.check(userId, rule)();
  }
}

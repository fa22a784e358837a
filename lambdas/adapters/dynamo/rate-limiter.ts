/** A rate limit on its own: one conditional UpdateItem (two when the guess of the row's state was wrong). rate.ts. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RateLimiter, RateRule } from '../../core/ports';
import { rateLimited } from '../../core/errors';
import { documentClient } from './client';
import { firstBranch, nextBranch, rateUpdate, remember } from './rate';

export class DynamoRateLimiter implements RateLimiter {
  constructor(private readonly table: string) {}

  async hit(userId: string, rule: RateRule): Promise<void> {
    const now = Date.now();
    let branch = firstBranch(userId, rule, now);
    for (let attempt = 0; attempt < 2; attempt++) {
      const update = rateUpdate(this.table, userId, rule, branch, now).Update as NonNullable<ReturnType<typeof rateUpdate>['Update']>;
      try {
        await documentClient().send(new UpdateCommand(update));
        remember(userId, rule, now, branch);
        return;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
        const item = (err as ConditionalCheckFailedException).Item;
        const stored = item && typeof item.tat === 'object' && 'N' in item.tat ? { tat: Number(item.tat.N) } : undefined;
        const next = nextBranch(branch, stored, rule, now);
        if (next === 'limited') break;
        branch = next;
      }
    }
    throw rateLimited();
  }
}

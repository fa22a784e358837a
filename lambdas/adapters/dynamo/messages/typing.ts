/** The typing window: a friendship check and a hit on the sender's typing rate window, in one transaction. */
import type { RateRule } from '../../../core/ports';
import { notFriends, rateLimited } from '../../../core/errors';
import { firstBranch, nextBranch, rateUpdate, remember } from '../rate';
import { transact } from '../transact';
import { friendCheck } from './items';

/** Throws NOT_FRIENDS / RATE_LIMITED. */
export async function allowTyping(table: string, from: string, to: string, rate: RateRule): Promise<void> {
  const now = Date.now();
  let branch = firstBranch(from, rate, now);
  for (let attempt = 0; attempt < 2; attempt++) {
    const result = await transact([
      { name: 'friendship', item: friendCheck(table, from, to) },
      { name: 'rate', item: rateUpdate(table, from, rate, branch, now) },
    ]);
    if (result.ok) {
      remember(from, rate, now, branch);
      return;
    }
    if (result.failed.has('friendship')) throw notFriends();
    const next = nextBranch(branch, result.failed.get('rate')?.item, rate, now);
    if (next === 'limited') break;
    branch = next;
  }
  throw rateLimited();
}

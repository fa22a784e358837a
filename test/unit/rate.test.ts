/**
 * The GCRA rate limit (lambdas/adapters/dynamo/rate.ts) against a DynamoDB-like row that applies its conditional
 * updates, with a fake clock: what a client can count on, at any time and across any boundary.
 */
import type { RateRule } from '../../lambdas/core/ports';
import { nextBranch, rateUpdate, type RateBranch } from '../../lambdas/adapters/dynamo/rate';

const RULE: RateRule = { kind: 'send', limit: 30, windowSeconds: 10 };

/** One row, conditions evaluated as DynamoDB would for the two update shapes rate.ts writes. */
function row() {
  let tat: number | undefined;
  const apply = (branch: RateBranch, now: number): boolean => {
    const u = rateUpdate('t', 'alice', RULE, branch, now).Update!;
    const v = u.ExpressionAttributeValues as Record<string, number>;
    if (branch === 'idle') {
      if (!(tat === undefined || tat <= v[':now'])) return false;
      tat = v[':next'];
    } else {
      if (!(tat !== undefined && tat > v[':now'] && tat <= v[':limit'])) return false;
      tat += v[':step'];
    }
    return true;
  };
  /** A hit as the adapters make it: a guess, then at most the other branch; true when allowed. */
  const hit = (now: number, guess: RateBranch = 'idle'): boolean => {
    let branch = guess;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (apply(branch, now)) return true;
      const next = nextBranch(branch, tat === undefined ? undefined : { tat }, RULE, now);
      if (next === 'limited') return false;
      branch = next;
    }
    return false;
  };
  return { hit };
}

it('a burst gets exactly the limit, whatever the starting time (no window boundary to straddle)', () => {
  for (const start of [0, 9_999, 10_000, 123_456_789]) {
    const r = row();
    const results = Array.from({ length: 40 }, () => r.hit(start));
    expect(results.filter(Boolean)).toHaveLength(30);
    expect(results.slice(0, 30).every(Boolean)).toBe(true);
  }
});

it('after a full burst, one more is allowed per window/limit (333 ms) — not 30 more at the next boundary', () => {
  const r = row();
  for (let i = 0; i < 30; i++) r.hit(9_900);
  expect(r.hit(10_000)).toBe(false); // a fixed window would open a fresh 30 here
  expect(r.hit(9_900 + 332)).toBe(false);
  expect(r.hit(9_900 + 334)).toBe(true);
  expect(r.hit(9_900 + 334)).toBe(false);
  expect(r.hit(9_900 + 667)).toBe(true);
});

it('in any 10 s, at most 30 + the 10 s worth of refill — never twice the limit within moments of each other', () => {
  const r = row();
  let allowed = 0;
  for (let t = 0; t < 10_000; t += 50) for (let k = 0; k < 5; k++) if (r.hit(t)) allowed++;
  expect(allowed).toBeLessThanOrEqual(30 + 30);
  const burstAt = row();
  const twice = [...Array.from({ length: 40 }, () => burstAt.hit(9_990)), ...Array.from({ length: 40 }, () => burstAt.hit(10_010))];
  expect(twice.filter(Boolean)).toHaveLength(30);
});

it('an idle user is back to a full burst after one window', () => {
  const r = row();
  for (let i = 0; i < 30; i++) r.hit(0);
  expect(Array.from({ length: 40 }, () => r.hit(10_000)).filter(Boolean)).toHaveLength(30);
});

it('a wrong guess of the row’s state costs one more try, never a wrong answer', () => {
  const r = row();
  expect(r.hit(0, 'busy')).toBe(true); // no row yet: busy fails, idle succeeds
  expect(r.hit(0, 'idle')).toBe(true); // row ahead of now: idle fails, busy succeeds
});

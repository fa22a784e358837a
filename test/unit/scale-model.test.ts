/**
 * The scale model (bench/lib/scale.ts, `npm run bench:scale`): deterministic checks of what its conclusions rest on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Prices } from '../../bench/lib/cost';
import {
  figuresFrom,
  firstToBreak,
  hotKeys,
  loadPerUserHour,
  monthlyBill,
  quotaRows,
  simulateStorm,
  type CallsFile,
  type Load,
} from '../../bench/lib/scale';
import { FALLBACK_FIGURES, PER_FRIEND, PROFILE } from '../../bench/lib/scale-profile';
import { backoffDelay, DEFAULT_BACKOFF } from '../../web/src/api/backoff';

const prices = JSON.parse(fs.readFileSync(path.join(__dirname, '../../bench/prices.json'), 'utf8')) as Prices;
const zero: Load = { connects: 0, wsFramesIn: 0, httpRequests: 0, postToConnection: 0, ddbRequests: 0, rru: 0, wru: 0, lambdaInvocations: 0, lambdaSeconds: 0, putEvents: 0 };

describe('reconnect storm', () => {
  it('recovers within the first backoff window when the quota admits everyone at once', () => {
    const s = simulateStorm({ clients: 1000, quotaPerSecond: 100_000 });
    // attempt 0 waits backoffDelay(0): 500–1000 ms
    expect(s.t100).toBeLessThanOrEqual(DEFAULT_BACKOFF.baseMs / 1000 + 0.1);
    expect(s.t50).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.baseMs / 2000);
    expect(s.refused).toBeCloseTo(0, 9);
    expect(s.attempts).toBeCloseTo(1000, 6);
  });

  it('never reconnects more than the quota allows, in any second or in total', () => {
    for (const [clients, quota] of [
      [10_000, 500],
      [100_000, 5_000],
    ]) {
      const s = simulateStorm({ clients, quotaPerSecond: quota });
      let total = 0;
      s.acceptedPerSecond.forEach((a, sec) => {
        expect(a).toBeLessThanOrEqual(quota + 1e-6);
        total += a;
        expect(total).toBeLessThanOrEqual(quota * (sec + 1) + 1e-6);
      });
      // done when fewer than half a client is left (an expected-value simulation)
      expect(total).toBeGreaterThan(clients - 0.5);
      expect(total).toBeLessThanOrEqual(clients + 1e-6);
      expect(s.t100).toBeGreaterThanOrEqual(clients / quota);
      expect(s.t50).toBeLessThanOrEqual(s.t99);
      expect(s.t99).toBeLessThanOrEqual(s.t100);
      expect(s.attempts).toBeCloseTo(total + s.refused, 3);
    }
  });

  it('1M clients against the default 500/s: bounded by the quota (≥ 2,000 s), computed in well under a second, same result twice', () => {
    const t0 = Date.now();
    const a = simulateStorm({ clients: 1_000_000, quotaPerSecond: 500 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(a.t100).toBeGreaterThanOrEqual(2000);
    expect(a.t100).toBeLessThan(2000 * 1.05);
    const b = simulateStorm({ clients: 1_000_000, quotaPerSecond: 500 });
    expect(b).toEqual(a);
  });

  it('tabs retrying early (reconnectNow on visibility) still get no more than the quota, and nobody is lost', () => {
    const plain = simulateStorm({ clients: 100_000, quotaPerSecond: 500 });
    const s = simulateStorm({ clients: 100_000, quotaPerSecond: 500, promptRetryPerSecond: 0.05 });
    s.acceptedPerSecond.forEach((a) => expect(a).toBeLessThanOrEqual(500 + 1e-6));
    expect(s.acceptedPerSecond.reduce((x, y) => x + y, 0)).toBeGreaterThan(100_000 - 0.5);
    expect(s.t100).toBeGreaterThanOrEqual(200);
    // more attempts, no faster than the quota allows
    expect(s.attempts).toBeGreaterThan(plain.attempts);
  });

  it("uses the web client's backoff: the default is backoffDelay, and a different delay function changes the result", () => {
    const calls: number[] = [];
    const spy = (attempt: number, o = DEFAULT_BACKOFF, r = Math.random) => {
      calls.push(attempt);
      return backoffDelay(attempt, o, r);
    };
    const viaSpy = simulateStorm({ clients: 50_000, quotaPerSecond: 2_000, delay: spy });
    expect(simulateStorm({ clients: 50_000, quotaPerSecond: 2_000 })).toEqual(viaSpy);
    // attempt 0, then growing until the 10 s cap stops the growth
    expect([...new Set(calls)]).toEqual([0, 1, 2, 3, 4, 5]);
    const fixed = simulateStorm({ clients: 50_000, quotaPerSecond: 2_000, delay: () => 1000 });
    expect(fixed.t100).not.toEqual(viaSpy.t100);
  });
});

describe('quotas', () => {
  it('names the limit a constructed profile breaks first, and ignores soft levels', () => {
    // one new connection per user per second: 1,000 users = 1,000/s against 500/s
    const connecty = quotaRows({ ...zero, connects: 3600 }, 1000);
    const f = firstToBreak(connecty);
    expect(f.row.quota.key).toBe('wsNewConnections');
    expect(f.broken).toBe(true);
    expect(f.row.utilisation).toBeCloseTo(2, 9);
    expect(f.row.breaksAtUsers).toBeCloseTo(500, 9);

    // writes only: past the 4,000 WRU/s warm level (soft) but under the 40,000 table quota → nothing broken
    const writes = firstToBreak(quotaRows({ ...zero, wru: 36 * 3600 }, 1000));
    expect(writes.row.quota.key).toBe('dynamoTableWru');
    expect(writes.broken).toBe(false);
    expect(writes.brokenRows).toEqual([]);

    // Lambda: 2 billed seconds per user per second = 2 executions per user; 600 users = 1,200 of 1,000
    const lambda = firstToBreak(quotaRows({ ...zero, lambdaSeconds: 2 * 3600, connects: 0.1 }, 600));
    expect(lambda.row.quota.key).toBe('lambdaConcurrency');
    expect(lambda.broken).toBe(true);
  });

  it('every rate is linear in users', () => {
    const load = loadPerUserHour(FALLBACK_FIGURES, PROFILE, prices);
    const a = quotaRows(load, 10_000);
    const b = quotaRows(load, 1_000_000);
    a.forEach((r, i) => expect(b[i].rate).toBeCloseTo(r.rate * 100, 6));
  });
});

describe('per-action figures', () => {
  it('come from the recorded bench:calls result when there is one (and say so), else from the marked fallback', () => {
    expect(figuresFrom(undefined)).toBe(FALLBACK_FIGURES);
    const calls: CallsFile = {
      ranAt: '2027-01-01T00:00:00.000Z',
      scales: [10, 10_000],
      byScale: {
        '10': {},
        '10000': Object.fromEntries(Object.entries(FALLBACK_FIGURES.figures).map(([a, f]) => [a, { ...f, ops: {}, wcu: 0, wcuIndexes: 0 }])),
      },
    };
    // an optimised sendMessage (≤ 10 WRU) changes the model without touching the profile
    calls.byScale['10000'].sendMessage = { requests: 3, rcu: 2, wruBilled: 10, postToConnection: 1 };
    const src = figuresFrom(calls);
    expect(src.source).toContain('bench/results/calls.json');
    expect(src.source).toContain('2027-01-01');
    expect(src.figures.sendMessage.wruBilled).toBe(10);
    const before = loadPerUserHour(FALLBACK_FIGURES, PROFILE, prices);
    const after = loadPerUserHour(src, PROFILE, prices);
    expect(before.wru - after.wru).toBeCloseTo(PROFILE.perConnectedUserHour.sendMessage * (FALLBACK_FIGURES.figures.sendMessage.wruBilled - 10), 9);

    // an action the file lacks falls back, and the source says which
    delete calls.byScale['10000'].notify1000;
    expect(figuresFrom(calls).source).toContain('fallback for notify1000');
  });

  it('connect grows with the number of friends (PER_FRIEND lookups per friend: one BatchGetItem per 100 since issue #15)', () => {
    const few = loadPerUserHour(FALLBACK_FIGURES, { ...PROFILE, friendsPerUser: { mean: 1, p99: 1 } }, prices);
    const many = loadPerUserHour(FALLBACK_FIGURES, { ...PROFILE, friendsPerUser: { mean: 101, p99: 101 } }, prices);
    // connect and disconnect each: 100 more friends, one more lookup
    expect(PER_FRIEND.queriesPerFriend).toBe(0.01);
    expect(many.ddbRequests - few.ddbRequests).toBeCloseTo(2 * PROFILE.perConnectedUserHour.connect * 100 * PER_FRIEND.queriesPerFriend, 9);
  });
});

describe('monthly bill and hot keys', () => {
  it('scales linearly with users', () => {
    const one = monthlyBill(FALLBACK_FIGURES, PROFILE, prices, 10_000).usd;
    const hundred = monthlyBill(FALLBACK_FIGURES, PROFILE, prices, 1_000_000).usd;
    for (const k of Object.keys(one) as (keyof typeof one)[]) expect(hundred[k]).toBeCloseTo(one[k] * 100, 6);
    expect(one.total).toBeGreaterThan(0);
  });

  it("a popular user's list partition tops out at 500 inbound messages/s (2 index WRU each of 1,000), a conversation stays cool", () => {
    const h = hotKeys(FALLBACK_FIGURES, PROFILE, prices, 1_000_000);
    expect(h.popularUser.counterMaxInboundPerSecond).toBe(500);
    expect(h.popularUser.worstCounterUtilisation).toBeGreaterThan(1);
    expect(h.busyConversation.utilisation).toBeLessThan(0.05);
    // 7,000 WRU per 1,000-recipient task, as measured
    expect(h.task1000.wru).toBe(FALLBACK_FIGURES.figures.notify1000.wruBilled);
  });
});

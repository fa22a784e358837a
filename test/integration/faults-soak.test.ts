/**
 * A short run of the soak (bench/soak.ts; `npm run soak` runs it for minutes): friend pairs sending, marking read
 * and reconnecting at random — dropping sockets before acks arrive, resending — on the real local stack; then every
 * acked message must be in both histories exactly once and in order, and every unread counter must equal what it
 * counts. The figures differ run to run; the invariants may not.
 */
import { runSoak, stackTarget } from '../../bench/soak';
import { startTestStack, type TestStack } from '../support/stack';

// Bounded by work (minAcked), not by speed: on a busy machine the run takes longer instead of failing.
jest.setTimeout(400_000);

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

it('a few seconds of random chatting, reading and reconnecting lose and duplicate nothing; counters stay exact', async () => {
  const report = await runSoak(stackTarget(stack), { seconds: 6, minAcked: 24, maxSeconds: 180, pairs: 4, seed: 20261124 });

  expect(report.violations).toEqual([]);
  expect(report.messagesAcked).toBeGreaterThan(20);
  expect(report.verified.messagesInHistories).toBe(report.messagesAcked);
  expect(report.verified.conversations).toBe(4);
  expect(report.verified.counters).toBe(40);
  expect(report.reconnects.clean + report.reconnects.abrupt + report.reconnects.beforeAck).toBeGreaterThan(0);
  expect(report.unackedAtEnd).toBe(0);
});

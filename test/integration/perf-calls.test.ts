/**
 * Issue #6 call budgets, asserted: every action's DynamoDB requests, consumed capacity and PostToConnection calls
 * are the same with 10 and with 10,000 other users (and their connections) stored; no Scan; sendMessage makes at
 * most 5 DynamoDB requests. `npm run bench:calls` runs the same measurement and prints the table.
 */
import { Population, differences, measureActions, type Accounting } from '../../bench/lib/calls';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
let population: Population;
const byScale: Record<string, Accounting> = {};
/** The extremes of `npm run bench:calls`'s 10 / 1,000 / 10,000 (each scale's measurement takes seconds; the bench does all three). */
const SCALES = [10, 10000];

beforeAll(async () => {
  stack = await startTestStack({ countCalls: true });
  population = new Population(stack);
  for (const n of SCALES) {
    await population.growTo(n);
    byScale[String(n)] = await measureActions(stack);
  }
}, 120000);

afterAll(async () => {
  population?.close();
  await stack?.stop();
});

it('every action costs the same with 10 and with 10,000 other users stored', () => {
  expect(differences(byScale)).toEqual([]);
});

it('no action makes a Scan', () => {
  for (const acc of Object.values(byScale)) for (const f of Object.values(acc)) expect(f.ops.Scan ?? 0).toBe(0);
});

it('sendMessage makes at most 5 DynamoDB requests and pushes once per recipient connection', () => {
  const send = byScale['10000'].sendMessage;
  expect(send.requests).toBeLessThanOrEqual(5);
  expect(send.postToConnection).toBe(1); // the recipient's one tab; the sender has no other tab
});

it('no action costs more requests than it does today (a ratchet; lower these when they fall)', () => {
  const acc = byScale['10000'];
  const ceilings: Record<keyof Accounting, number> = {
    connect: 5,
    sendMessage: 3,
    markRead: 5, // +1 in v1.1: the markRead frame's rate limit (one conditional UpdateItem), which the contract requires
    historyPage: 1,
    conversationList: 1,
    unreadCount: 1,
    notify1: 2,
    notify1000: 1031, // ceil(1000/33) transactions + 1 connection Query per recipient
    disconnect: 4,
  };
  const over = Object.entries(ceilings)
    .filter(([action, ceiling]) => acc[action as keyof Accounting].requests > ceiling)
    .map(([action, ceiling]) => `${action}: ${acc[action as keyof Accounting].requests} > ${ceiling}`);
  expect(over).toEqual([]);
});

/**
 * Hardening round 2 (issue #10, 7 and 9): rate limits a client can predict. A burst of 40 back-to-back frames gets
 * exactly the limit (30) through and 10 RATE_LIMITED — never more across a window boundary. The window here is an
 * hour (30 per 3,600 s), so no token refills while a busy machine works through the burst and the count is exact;
 * the refill itself (one more per window/limit, whatever the clock) is unit-tested with a fake clock
 * (unit/rate.test.ts). Frames of one connection run concurrently (as on API Gateway): which 30 is up to the arrival
 * order; how many is not.
 */
import { api, uid } from '../support/clients';
import { useStack } from './session';

const session = useStack({ env: { RATE_LIMIT_SEND: '30/3600', RATE_LIMIT_MARK_READ: '30/3600' } });
const { connect, friends } = session;

it('40 back-to-back sendMessage frames: exactly 30 acked, 10 RATE_LIMITED, each acked one stored once', async () => {
  const [a, b] = [uid('a'), uid('b')];
  await friends(a, b);
  const wa = await connect(a);
  for (let i = 1; i <= 40; i++) wa.send({ action: 'sendMessage', to: b, content: `m${i}`, clientMessageId: `burst-${i}` });
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) => wa.next('ack', (f) => f.clientMessageId === `burst-${i + 1}`, 20_000).catch(() => wa.next('error', (f) => f.clientMessageId === `burst-${i + 1}`, 1))),
  );
  const acked = answers.filter((f) => f.type === 'ack');
  const limited = answers.filter((f) => f.type === 'error');
  expect(acked).toHaveLength(30);
  expect(limited.map((f) => f.code)).toEqual(Array(10).fill('RATE_LIMITED'));
  const history = (await api(session.stack, b).get(`/api/messages/${a}?limit=100`)).body.items as { content: string }[];
  expect(history.map((m) => m.content).sort()).toEqual(acked.map((f) => f.message.content).sort());
}, 60_000);

it('markRead frames are limited too: 35 back-to-back give 30 conversationRead and 5 RATE_LIMITED', async () => {
  const [a, b] = [uid('a'), uid('b')];
  await friends(a, b);
  const wa = await connect(a);
  for (let i = 0; i < 35; i++) wa.send({ action: 'markRead', peerId: b });
  const errors = await Promise.all(Array.from({ length: 5 }, () => wa.next('error', undefined, 20_000)));
  expect(errors.map((f) => f.code)).toEqual(Array(5).fill('RATE_LIMITED'));
  await Promise.all(Array.from({ length: 30 }, () => wa.next('conversationRead', undefined, 20_000)));
  await wa.expectNoFrame('conversationRead', 300);
}, 60_000);

/**
 * Hardening round 2 (issue #10, 8): a connection lives no longer than the token it was opened with (contract v1.1).
 * After expiry a frame gets `UNAUTHORIZED` and the server closes the connection; no push goes to it meanwhile; nothing
 * is stored. The dev issuer's `expiresIn` (5–86,400 s) makes a short-lived token; the test waits for the clock to
 * pass its `exp` (a condition, about 6 s), never a guessed sleep.
 */
import { partition, tableClient, convPk } from '../support/attack-clients';
import { uid, WsClient } from '../support/clients';
import { useStack } from './session';

const session = useStack();
const { connect, friends } = session;

async function shortToken(userId: string, expiresIn: number): Promise<{ token: string; exp: number }> {
  const res = await fetch(`${session.stack.url}/dev/token`, { method: 'POST', body: JSON.stringify({ userId, expiresIn }) });
  const body = (await res.json()) as { token: string; expiresIn: number };
  expect(body.expiresIn).toBe(expiresIn);
  const exp = JSON.parse(Buffer.from(body.token.split('.')[1], 'base64url').toString()).exp as number;
  return { token: body.token, exp };
}
const pastExp = async (exp: number) => {
  while (Date.now() < exp * 1000 + 50) await new Promise((r) => setTimeout(r, Math.max(20, exp * 1000 + 50 - Date.now())));
};

it('after its token expires, a frame gets UNAUTHORIZED, the server closes the socket, nothing is stored, and no push reached it', async () => {
  const [me, friend] = [uid('exp'), uid('friend')];
  await friends(me, friend);
  const { token, exp } = await shortToken(me, 5);
  const mine = await WsClient.openWithToken(session.stack, me, token);
  mine.send({ action: 'ping' });
  await mine.next('pong');

  await pastExp(exp);
  // A push while the token is expired: none reaches the old connection.
  const other = await connect(friend);
  other.send({ action: 'sendMessage', to: me, content: 'for you', clientMessageId: 'to-expired' });
  await other.next('ack');

  mine.send({ action: 'sendMessage', to: friend, content: 'too late', clientMessageId: 'late-1' });
  expect(await mine.next('error')).toEqual({ type: 'error', code: 'UNAUTHORIZED', message: expect.any(String) });
  expect((await mine.closed).code).toBe(1000);
  expect(mine.frames.filter((f) => f?.type === 'message')).toEqual([]);
  const stored = await partition(tableClient(session.stack.dynamoEndpoint), session.stack.tables.main, 'pk', convPk(me, friend));
  expect(stored.map((m) => m.content)).toEqual(['for you']);
}, 30_000);

it('a token valid for longer works as before; expiresIn outside 5–86,400 is refused', async () => {
  const { token } = await shortToken(uid('long'), 86_400);
  const c = await WsClient.openWithToken(session.stack, 'long', token);
  c.send({ action: 'ping' });
  await c.next('pong');
  await c.close();
  for (const expiresIn of [4, 86_401, 1.5, '60']) {
    const res = await fetch(`${session.stack.url}/dev/token`, { method: 'POST', body: JSON.stringify({ userId: 'x', expiresIn }) });
    expect({ expiresIn, status: res.status }).toEqual({ expiresIn, status: 400 });
  }
});

/**
 * Hardening round 2, connections and cost (issue #10, 7): one user may hold at most MAX_CONNECTIONS_PER_USER live
 * connections (contract: 10 by default, configurable); the next handshake is refused with 429 and stores nothing.
 * Rows a lost $disconnect left behind do not count (the gateway is asked), so they can't lock a user out.
 * This file runs with a cap of 3.
 */
import { connectionRows, plantConnection, tableClient, tryHandshake } from '../support/attack-clients';
import { uid } from '../support/clients';
import { useStack } from './session';

const CAP = 3;
const session = useStack({ env: { MAX_CONNECTIONS_PER_USER: String(CAP) } });
const { connect } = session;
const rows = async (u: string) => connectionRows(tableClient(session.stack.dynamoEndpoint), session.stack.tables.connections, u);

it(`the ${CAP + 1}th live connection of a user is refused with 429 and stores nothing; closing one frees a slot`, async () => {
  const u = uid('tabs');
  const open = [];
  for (let i = 0; i < CAP; i++) open.push(await connect(u));
  const token = await session.stack.token(u);

  const refused = await tryHandshake(session.stack.wsUrl, token);
  expect(refused.status).toBe(429);
  expect(await rows(u)).toHaveLength(CAP);
  // Another user is not affected.
  expect((await tryHandshake(session.stack.wsUrl, await session.stack.token(uid('other')))).status).toBe(101);

  await open[0].close();
  // The close's $disconnect runs after the close handshake: wait for its row to go (a condition, bounded generously).
  const until = Date.now() + 20_000;
  while ((await rows(u)).length >= CAP && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const again = await tryHandshake(session.stack.wsUrl, token);
  expect(again.status).toBe(101);
  if ('socket' in again) again.socket.close();
});

it('rows a lost $disconnect left behind do not count against the cap: the gateway says they are gone, they are removed', async () => {
  const u = uid('stale');
  const db = tableClient(session.stack.dynamoEndpoint);
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < CAP; i++) await plantConnection(db, session.stack.tables.connections, u, `lost-${i}`, expiresAt);

  await connect(u);
  const left = (await rows(u)).map((r) => String(r.connectionId));
  expect(left).toHaveLength(1);
  expect(left[0]).not.toMatch(/^lost-/);
});

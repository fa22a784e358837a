/**
 * Auth and authorization attacks, black-box against the real local stack (gateway, authorizer, handlers,
 * DynamoDB Local).
 *
 * The handlers' JWKS_URI points at a counting JWKS server that publishes the dev issuer's real key (the one
 * `POST /dev/token` signs with) plus one "issuer key" this test holds. Holding an issuer key lets us mint tokens that
 * are correctly signed but carry bad claims (expired, not yet valid, wrong issuer or audience) — an attacker can't;
 * the attacker's forgeries use keys that are not published. A control test proves a good token from the test key is
 * accepted, so each refusal is about the claim under test.
 */
import { createPublicKey } from 'node:crypto';
import { handshakeStatus, partition, rawRest, tableClient, convPk } from '../support/attack-clients';
import {
  claims,
  hs256WithPublicKey,
  rsaKey,
  signJwt,
  startJwksServer,
  swapPayload,
  unsignedJwt,
  type JwksServer,
} from '../support/attack-tokens';
import { api, sendEvent, uid, type WsClient } from '../support/clients';
import type { TestStack } from '../support/stack';
import { useStack } from './session';

const AUD = 'parley-local';
const issuerKey = rsaKey('security-test-issuer-key');
const attacker = rsaKey('attacker-key');
let devKeys: { kid?: string }[] = [];
let jwks: JwksServer;
let stack: TestStack;
let ISS = '';

const session = useStack(async () => {
  jwks = await startJwksServer(() => [...devKeys, issuerKey.jwk] as never);
  return { env: { JWKS_URI: jwks.url } };
});
const { connect, friends } = session;
beforeAll(() => {
  stack = session.stack;
  devKeys = stack.local.issuer.jwks.keys as { kid?: string }[];
  ISS = stack.local.issuer.issuer;
});
afterAll(async () => {
  await jwks?.stop();
});
async function sendAndAck(c: WsClient, frame: Record<string, unknown>) {
  const clientMessageId = (frame.clientMessageId as string) ?? uid('c');
  c.send({ action: 'sendMessage', clientMessageId, ...frame });
  return (await c.next('ack', (f) => f.clientMessageId === clientMessageId)).message;
}

function forgedTokens(): Array<[string, () => string]> {
  const now = () => Math.floor(Date.now() / 1000);
  const devPublic = () => createPublicKey({ key: devKeys[0] as never, format: 'jwk' });
  const devKid = () => String(devKeys[0].kid);
  return [
    ['a malformed token', () => 'not.a.jwt'],
    ['random bytes', () => Buffer.from('garbage garbage garbage').toString('base64url')],
    ['an expired token (valid signature)', () => signJwt(issuerKey, claims(ISS, AUD, 'alice', { iat: now() - 7200, exp: now() - 30 }))],
    ['a token not yet valid (valid signature)', () => signJwt(issuerKey, claims(ISS, AUD, 'alice', { nbf: now() + 600 }))],
    ['a wrong issuer (valid signature)', () => signJwt(issuerKey, claims('https://evil.example/dev', AUD, 'alice'))],
    ['a wrong audience (valid signature)', () => signJwt(issuerKey, claims(ISS, 'another-app', 'alice'))],
    ['alg none', () => unsignedJwt(claims(ISS, AUD, 'alice'), devKid())],
    ['HS256 signed with the dev issuer public key', () => hs256WithPublicKey(devPublic(), devKid(), claims(ISS, AUD, 'alice'))],
    ['an unknown kid', () => signJwt(attacker, claims(ISS, AUD, 'alice'))],
    ["the dev issuer's kid signed with the attacker's key", () => signJwt(attacker, claims(ISS, AUD, 'alice'), { kid: devKid() })],
  ];
}

describe('handshake and bearer attacks', () => {
  it('control: a well-formed token from a published key opens a socket and reads REST', async () => {
    const token = signJwt(issuerKey, claims(ISS, AUD, uid('ctl')));
    expect(await handshakeStatus(stack.wsUrl, token)).toBe(101);
    expect((await rawRest(stack.url, 'GET', '/api/messages/unread/count', `Bearer ${token}`)).status).toBe(200);
  });

  it('refuses a handshake without a token with 401, and REST without a token with 401', async () => {
    expect(await handshakeStatus(stack.wsUrl, undefined)).toBe(401);
    expect(await handshakeStatus(stack.wsUrl, '')).toBe(401);
    expect(await rawRest(stack.url, 'GET', '/api/friends')).toEqual({ status: 401, body: { message: 'Unauthorized' } });
  });

  it.each(forgedTokens())("refuses %s: handshake 403, REST 401 with API Gateway's body", async (_name, make) => {
    const token = make();
    expect(await handshakeStatus(stack.wsUrl, token)).toBe(403);
    const res = await rawRest(stack.url, 'GET', '/api/messages/unread/count', `Bearer ${token}`);
    expect(res).toEqual({ status: 401, body: { message: 'Unauthorized' } });
  });

  it('refuses a dev token whose sub was swapped for another user', async () => {
    const token = swapPayload(await stack.token(uid('mallory')), (c) => ({ ...c, sub: 'alice' }));
    expect(await handshakeStatus(stack.wsUrl, token)).toBe(403);
    expect((await rawRest(stack.url, 'GET', '/api/friends', `Bearer ${token}`)).status).toBe(401);
  });

  it('refuses a disallowed browser Origin with 403 even with a valid token; no Origin is judged by the token', async () => {
    const token = await stack.token(uid('o'));
    expect(await handshakeStatus(stack.wsUrl, token, 'https://evil.example')).toBe(403);
    expect(await handshakeStatus(stack.wsUrl, token, `${stack.url}.evil.example`)).toBe(403);
    expect(await handshakeStatus(stack.wsUrl, token, 'null')).toBe(403);
    expect(await handshakeStatus(stack.wsUrl, token, stack.url)).toBe(101);
    expect(await handshakeStatus(stack.wsUrl, token)).toBe(101);
  });

  it('a flood of unknown kids does not storm the JWKS endpoint', async () => {
    jwks.reset();
    const tokens = Array.from({ length: 30 }, (_, i) => signJwt(attacker, claims(ISS, AUD, 'alice'), { kid: `flood-${i}` }));
    const statuses = await Promise.all(tokens.slice(0, 15).map((t) => handshakeStatus(stack.wsUrl, t)));
    for (const t of tokens.slice(15)) statuses.push((await rawRest(stack.url, 'GET', '/api/friends', `Bearer ${t}`)).status);

    expect(statuses.slice(0, 15).every((s) => s === 403)).toBe(true);
    expect(statuses.slice(15).every((s) => s === 401)).toBe(true);
    expect(jwks.fetches).toBeLessThanOrEqual(1);
    // Good tokens still work during the penalty window.
    expect(await handshakeStatus(stack.wsUrl, await stack.token(uid('ok')))).toBe(101);
  });
});

describe('one user acting on another user’s data', () => {
  it('A cannot read the B↔C history, by path, by cursor or through the conversation list', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    await friends(b, c);
    const bc = await connect(b);
    const secret = await sendAndAck(bc, { to: c, content: 'for C only' });

    const asA = api(stack, a);
    const viaB = await asA.get(`/api/messages/${c}`);
    const viaC = await asA.get(`/api/messages/${b}`);
    const viaCursor = await asA.get(`/api/messages/${c}?before=${'Z'.repeat(26)}`);
    const viaAfter = await asA.get(`/api/messages/${b}?after=00000000000000000000000000`);
    const list = await asA.get('/api/messages/conversations/list');
    const pathTricks = await Promise.all(
      [`${b}%23${c}`, `${encodeURIComponent(convPk(b, c))}`, `..%2F${c}`].map((p) => asA.get(`/api/messages/${p}`)),
    );

    for (const r of [viaB, viaC, viaCursor, viaAfter]) expect(r).toEqual({ status: 200, body: { items: [], hasMore: false } });
    expect(list.body.items).toEqual([]);
    for (const r of pathTricks) expect(r.status === 400 || (r.status === 200 && r.body.items.length === 0)).toBe(true);
    expect(JSON.stringify([viaB, viaC, viaCursor, viaAfter, list, ...pathTricks])).not.toContain(secret.id);
  });

  it('A cannot delete B’s message (nor can its recipient); the answer is the same 404 as for an unknown id', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    await friends(b, c);
    await friends(a, b);
    const bc = await connect(b);
    const msg = await sendAndAck(bc, { to: c, content: 'keep me' });
    const seen = await connect(c);

    const byA = await api(stack, a).del(`/api/messages/${msg.id}`);
    const byRecipient = await api(stack, c).del(`/api/messages/${msg.id}`);
    const unknown = await api(stack, a).del(`/api/messages/${'0'.repeat(10)}${msg.id.slice(10)}`);

    expect(byA.status).toBe(404);
    expect(byRecipient).toEqual(byA);
    expect(unknown).toEqual(byA);
    await seen.expectNoFrame('messageDeleted', 200);
    const history = await api(stack, c).get(`/api/messages/${b}`);
    expect(history.body.items.map((m: { id: string }) => m.id)).toEqual([msg.id]);
  });

  it('guessing message ids: neighbours of a real id and random ids are all 404, revealing nothing', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    await friends(b, c);
    const bc = await connect(b);
    const msg = await sendAndAck(bc, { to: c, content: 'x' });
    const ulidChars = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    const neighbours = [1, 2, 3].map((d) => msg.id.slice(0, 25) + ulidChars[(ulidChars.indexOf(msg.id[25]) + d) % 32]);
    const random = Array.from({ length: 3 }, () => msg.id.slice(0, 10) + Array.from({ length: 16 }, () => ulidChars[Math.floor(Math.random() * 32)]).join(''));

    const results = await Promise.all([...neighbours, ...random, msg.id].map((id) => api(stack, a).del(`/api/messages/${id}`)));
    const markRead = await api(stack, a).post('/api/messages/system/mark-read', { messageIds: [msg.id, ...neighbours] });

    for (const r of results) expect(r).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: results[0].body.error.message } } });
    expect(markRead).toEqual({ status: 200, body: { updated: 0 } });
  });

  it('A cannot mark B’s system messages read, by id or with all:true', async () => {
    const [a, b] = [uid('a'), uid('b')];
    await sendEvent(stack, 'AchievementUnlocked', { userId: b, achievement: { id: 'x', name: 'First steps' } });
    await stack.drainEvents();
    const [mine] = (await api(stack, b).get('/api/messages/system/list')).body.items;

    const byId = await api(stack, a).post('/api/messages/system/mark-read', { messageIds: [mine.id] });
    const all = await api(stack, a).post('/api/messages/system/mark-read', { all: true });
    const smuggled = await api(stack, a).post('/api/messages/system/mark-read', { messageIds: [mine.id], userId: b });

    expect(byId.body).toEqual({ updated: 0 });
    expect(all.body).toEqual({ updated: 0 });
    expect(smuggled.status).toBe(400);
    expect((await api(stack, b).get('/api/messages/unread/count')).body).toEqual({ chat: 0, system: 1, total: 1 });
    expect((await api(stack, b).get('/api/messages/system/list?unreadOnly=true')).body.items).toHaveLength(1);
  });

  it('A cannot mark the B→C conversation read for C (REST or frame), nor send B a read receipt', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    await friends(b, c);
    await friends(a, b);
    const bc = await connect(b);
    await sendAndAck(bc, { to: c, content: 'unread' });
    const wa = await connect(a);

    const rest = await api(stack, a).post(`/api/messages/${b}/read`);
    wa.send({ action: 'markRead', peerId: b, userId: c, by: c });
    await wa.next('conversationRead', (f) => f.peerId === b);

    expect(rest.body).toEqual({ updated: 0 });
    await bc.expectNoFrame('read', 200);
    expect((await api(stack, c).get('/api/messages/unread/count')).body.chat).toBe(1);
  });

  it('ids in frames are ignored: fromUserId/userId/from in a sendMessage cannot make A speak as B', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    await friends(a, c);
    await friends(b, c);
    const wa = await connect(a);
    const wc = await connect(c);

    const sent = await sendAndAck(wa, { to: c, content: 'it is me, B', fromUserId: b, userId: b, from: b, sender: b, id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    const got = await wc.next('message', (f) => f.message.id === sent.id);
    wa.send({ action: 'typing', to: c, from: b, userId: b });
    const typing = await wc.next('typing');

    expect(sent.fromUserId).toBe(a);
    expect(sent.id).not.toBe('01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(got.message.fromUserId).toBe(a);
    expect(typing.from).toBe(a);
    expect((await api(stack, c).get(`/api/messages/${b}`)).body.items).toEqual([]);
    const db = tableClient(stack.dynamoEndpoint);
    expect(await partition(db, stack.tables.main, 'pk', convPk(b, c))).toEqual([]);
  });

  it('reusing another user’s clientMessageId gets a new message of one’s own, never theirs', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    await friends(b, c);
    await friends(a, c);
    const wb = await connect(b);
    const wa = await connect(a);
    const cmid = uid('shared');

    const theirs = await sendAndAck(wb, { to: c, content: 'B private', clientMessageId: cmid });
    const mine = await sendAndAck(wa, { to: c, content: 'A public', clientMessageId: cmid });

    expect(mine.id).not.toBe(theirs.id);
    expect(mine).toMatchObject({ fromUserId: a, content: 'A public' });
  });

  it('A sending to a non-friend B gets NOT_FRIENDS and nothing is stored', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const wa = await connect(a);
    wa.send({ action: 'sendMessage', to: b, content: 'hi', clientMessageId: 'nf-1' });
    wa.send({ action: 'typing', to: b });
    expect(await wa.next('error', (f) => f.clientMessageId === 'nf-1')).toMatchObject({ code: 'NOT_FRIENDS' });
    expect(await wa.next('error', (f) => f.code === 'NOT_FRIENDS' && !f.clientMessageId)).toBeTruthy();
    const db = tableClient(stack.dynamoEndpoint);
    expect(await partition(db, stack.tables.main, 'pk', convPk(a, b))).toEqual([]);
  });
});

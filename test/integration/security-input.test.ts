/**
 * Bad input and rate limits through the real local stack. Every refusal must be a clear error on a connection
 * that stays open, with nothing written to DynamoDB (checked by reading the tables directly). Text must
 * round-trip byte-exact through frame → DynamoDB → push → REST.
 *
 * Rate limits are set low for this file (RATE_LIMIT_SEND=8/3600, RATE_LIMIT_TYPING=3/3600): a burst of 8 (3), then
 * one per 450 s (1,200 s) — nothing refills during a test.
 */
import { partition, tableClient, convPk } from '../support/attack-clients';
import { pairPk } from '../../lambdas/adapters/dynamo/keys';
import { api, uid } from '../support/clients';
import type { TestStack } from '../support/stack';
import { useStack } from './session';

const SEND_LIMIT = 8;
const TYPING_LIMIT = 3;
const WINDOW = 3600;
const session = useStack({ env: { RATE_LIMIT_SEND: `${SEND_LIMIT}/${WINDOW}`, RATE_LIMIT_TYPING: `${TYPING_LIMIT}/${WINDOW}` } });
const { connect, friends } = session;
let stack: TestStack;
beforeAll(() => {
  stack = session.stack;
});
const db = () => tableClient(stack.dynamoEndpoint);
/** Everything the send path could have written for a sender/recipient pair. */
async function written(from: string, to: string) {
  const main = stack.tables.main;
  const [messages, cmids, fromUser, toUser, pair] = await Promise.all([
    partition(db(), main, 'pk', convPk(from, to)),
    partition(db(), main, 'pk', `CMID#${from}`),
    partition(db(), main, 'pk', `USER#${from}`),
    partition(db(), main, 'pk', `USER#${to}`),
    partition(db(), main, 'pk', pairPk(from, to)),
  ]);
  const notFriendRow = (r: Record<string, unknown>) => !String(r.sk).startsWith('FRIEND#') && r.sk !== 'PROFILE';
  // The send rate state: the sender's profile item (`sendTat`, lambdas/adapters/dynamo/messages/claim.ts).
  const sendTat = fromUser.find((r) => r.sk === 'PROFILE')?.sendTat as number | undefined;
  return { messages, cmids, sendTat, pair, userRows: [...fromUser, ...toUser].filter(notFriendRow) };
}
/** The rate state is the theoretical arrival time: a full burst put it one whole window ahead of now. */
const fullBurst = (tat: number | undefined) => Number(tat) - Date.now() > (WINDOW - 120) * 1000 && Number(tat) - Date.now() <= WINDOW * 1000;

describe('bad frames: clear error, connection kept, nothing stored', () => {
  it('refuses every malformed frame with the right code and leaves no trace in the tables', async () => {
    const [a, b] = [uid('a'), uid('b')];
    await friends(a, b);
    const wa = await connect(a);
    const before = await written(a, b);
    const unreadBefore = (await api(stack, b).get('/api/messages/unread/count')).body;
    const send = (over: Record<string, unknown>) => ({ action: 'sendMessage', to: b, content: 'hi', clientMessageId: uid('c'), ...over });
    const cases: Array<[string, unknown, string]> = [
      ['non-JSON', '{"action":"sendMessage", to:', 'BAD_REQUEST'],
      ['a JSON string', '"sendMessage"', 'BAD_REQUEST'],
      ['JSON null', 'null', 'BAD_REQUEST'],
      ['an array', '[{"action":"sendMessage"}]', 'BAD_REQUEST'],
      ['no action', { to: b, content: 'x' }, 'BAD_REQUEST'],
      ['an unknown action', { action: 'deleteEverything' }, 'BAD_REQUEST'],
      ['a $-route as action', { action: '$connect' }, 'BAD_REQUEST'],
      ['a non-string action', { action: ['sendMessage'] }, 'BAD_REQUEST'],
      ['missing to', send({ to: undefined }), 'BAD_REQUEST'],
      ['to of the wrong type', send({ to: { id: b } }), 'BAD_REQUEST'],
      ['to with a key delimiter', send({ to: `${b}#x` }), 'BAD_REQUEST'],
      ['to = myself', send({ to: a }), 'BAD_REQUEST'],
      ['missing content', send({ content: undefined }), 'BAD_REQUEST'],
      ['content of the wrong type', send({ content: 42 }), 'BAD_REQUEST'],
      ['empty content', send({ content: '' }), 'BAD_REQUEST'],
      ['whitespace content', send({ content: ' \t\n\u00a0\u3000 ' }), 'BAD_REQUEST'],
      ['content of 4,001 characters', send({ content: 'x'.repeat(4001) }), 'TOO_LARGE'],
      ['content of 4,001 astral characters', send({ content: '𝔸'.repeat(4001) }), 'TOO_LARGE'],
      ['a lone surrogate', send({ content: 'ab\ud800cd' }), 'BAD_REQUEST'],
      ['missing clientMessageId', send({ clientMessageId: undefined }), 'BAD_REQUEST'],
      ['a clientMessageId with a delimiter', send({ clientMessageId: 'c#1' }), 'BAD_REQUEST'],
      ['a clientMessageId of 65 characters', send({ clientMessageId: 'c'.repeat(65) }), 'BAD_REQUEST'],
      ['metadata as an array', send({ metadata: [1, 2] }), 'BAD_REQUEST'],
      ['metadata over 4 KB', send({ metadata: { x: 'y'.repeat(4100) } }), 'TOO_LARGE'],
      ['markRead without peerId', { action: 'markRead' }, 'BAD_REQUEST'],
      ['markRead of myself', { action: 'markRead', peerId: a }, 'BAD_REQUEST'],
      ['typing without to', { action: 'typing' }, 'BAD_REQUEST'],
      ['typing to a bad id', { action: 'typing', to: '../../etc' }, 'BAD_REQUEST'],
    ];

    const replies: unknown[] = [];
    for (const [name, frame, code] of cases) {
      wa.send(frame);
      const err = await wa.next('error');
      replies.push({ name, code: err.code, hasText: typeof err.message === 'string' && err.message.length > 5 });
      expect({ name, code: err.code }).toEqual({ name, code });
    }
    wa.send({ action: 'ping' });

    expect(await wa.next('pong')).toEqual({ type: 'pong' });
    expect(replies.every((r) => (r as { hasText: boolean }).hasText)).toBe(true);
    const after = await written(a, b);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ messages: [], cmids: [] });
    // No rate hit was counted either: the sender's rate state is still what $connect wrote.
    expect(after.sendTat).toBe(0);
    // b's only unread item is the SYSTEM_FRIEND notice from becoming friends; no chat message was counted.
    expect(unreadBefore).toEqual({ chat: 0, system: 1, total: 1 });
    expect((await api(stack, b).get('/api/messages/unread/count')).body).toEqual(unreadBefore);
  });

  it('errors never leak internals (no stack traces, table names or SDK error names)', async () => {
    const a = uid('a');
    const wa = await connect(a);
    wa.send('{"action":"sendMessage","to":"x","content":"' + '\\u'.padEnd(3, 'q') + '"}');
    wa.send({ action: 'sendMessage', to: 'x', content: 'y', clientMessageId: 'ok-1', metadata: { toJSON: 1 } });
    const errors = [await wa.next('error'), await wa.next('error')];
    for (const e of errors) expect(JSON.stringify(e)).not.toMatch(/at \w+ \(|\.ts:|Exception|parley-|dynamo|TransactWrite/i);
  });

  it('a frame over 32 KB closes with 1009 (as API Gateway) and stores nothing; a new connection works', async () => {
    const [a, b] = [uid('a'), uid('b')];
    await friends(a, b);
    const wa = await connect(a);
    wa.send({ action: 'sendMessage', to: b, content: 'x'.repeat(33 * 1024), clientMessageId: 'big-1' });

    expect((await wa.closed).code).toBe(1009);
    const again = await connect(a);
    again.send({ action: 'ping' });
    await again.next('pong');
    expect((await written(a, b)).messages).toEqual([]);
  });
});

describe('text round-trips byte-exact; markup stays literal', () => {
  const samples: Array<[string, string]> = [
    ['emoji with ZWJ, skin tone and flags', '👨‍👩‍👧‍👦 👍🏽 🇯🇵🇺🇦 🏳️‍🌈'],
    ['RTL with bidi controls', 'مرحبا بالعالم — שלום עולם \u202Eevil.exe\u202C \u200F'],
    ['astral plane text', '𝕳𝖊𝖑𝖑𝖔 𓀀𓁐 𠜎𠜱 🀄 \u{1F9EA}'],
    ['combining marks and zero-width characters', 'e\u0301 n\u0303 Z\u0351\u0352\u0353 a\u200Bb\u200Dc\uFEFFd'],
    ['markup and injection strings', `<script>alert(1)</script><img src=x onerror=alert(1)> {{7*7}} \${jndi:ldap://x} '; DROP TABLE m;-- &amp; &lt;b&gt;`],
    ['inner whitespace and line breaks', 'line 1\r\nline 2\n\n\tindented   spaced'],
    ['exactly 4,000 astral characters', '𝔸'.repeat(4000)],
  ];

  it('every sample is stored, acked, pushed and listed exactly as sent (after trimming the ends)', async () => {
    const [a, b] = [uid('a'), uid('b')];
    await friends(a, b);
    const wa = await connect(a);
    const wb = await connect(b);
    const metadata = { html: '<b onclick="x()">', nested: { emoji: '🧪', rtl: 'שלום' }, n: 1.5, list: [null, true] };

    const acked: Array<{ id: string; content: string }> = [];
    for (const [, text] of samples) {
      const clientMessageId = uid('rt');
      wa.send({ action: 'sendMessage', to: b, content: ` \n${text}\t `, clientMessageId, metadata });
      acked.push((await wa.next('ack', (f) => f.clientMessageId === clientMessageId)).message);
    }
    const pushed = await Promise.all(acked.map((m) => wb.next('message', (f) => f.message.id === m.id)));
    const history = (await api(stack, b).get(`/api/messages/${a}?limit=100`)).body.items as Array<{ id: string; content: string; metadata: unknown }>;
    const stored = await partition(db(), stack.tables.main, 'pk', convPk(a, b));

    samples.forEach(([name, text], i) => {
      const expected = Buffer.from(text, 'utf8');
      for (const [where, got] of [
        ['ack', acked[i].content],
        ['push', pushed[i].message.content],
        ['history', history[i].content],
        ['table', stored[i].content as string],
      ] as const) {
        expect({ name, where, equal: Buffer.from(got, 'utf8').equals(expected) }).toEqual({ name, where, equal: true });
      }
      expect(history[i].metadata).toEqual(metadata);
    });
  });
});

describe('bad ids, limits and cursors on REST', () => {
  it('answers 400 BAD_REQUEST with the contract body for each, and 404 only for well-formed ids', async () => {
    const me = api(stack, uid('a'));
    const ulid = '01JAAAAAAAAAAAAAAAAAAAAAAA';
    const cases: Array<[string, () => ReturnType<typeof me.get>]> = [
      ['history of a user id with #', () => me.get('/api/messages/bob%23x')],
      ['limit=0', () => me.get('/api/messages/bob?limit=0')],
      ['limit=-1', () => me.get('/api/messages/bob?limit=-1')],
      ['limit=1.5', () => me.get('/api/messages/bob?limit=1.5')],
      ['limit=1e2', () => me.get('/api/messages/bob?limit=1e2')],
      ['limit=101', () => me.get('/api/messages/bob?limit=101')],
      ['limit= (empty)', () => me.get('/api/messages/bob?limit=')],
      ['before=lower-case ulid', () => me.get(`/api/messages/bob?before=${ulid.toLowerCase()}`)],
      ['after=25 characters', () => me.get(`/api/messages/bob?after=${ulid.slice(1)}`)],
      ['after=ULID with I/L/O/U', () => me.get('/api/messages/bob?after=01JAAAAAAAAAAAAAAAAAAAAAAI')],
      ['before and after together', () => me.get(`/api/messages/bob?before=${ulid}&after=${ulid}`)],
      ['conversations before=not-an-id', () => me.get('/api/messages/conversations/list?before=CONV%23x')],
      ['conversations limit=1000', () => me.get('/api/messages/conversations/list?limit=1000')],
      ['system list unreadOnly=yes', () => me.get('/api/messages/system/list?unreadOnly=yes')],
      ['system list before=junk', () => me.get('/api/messages/system/list?before=junk')],
      ['mark-read with no body', () => me.post('/api/messages/system/mark-read')],
      ['mark-read with 101 ids', () => me.post('/api/messages/system/mark-read', { messageIds: Array(101).fill(ulid) })],
      ['mark-read with no ids', () => me.post('/api/messages/system/mark-read', { messageIds: [] })],
      ['mark-read with all:false', () => me.post('/api/messages/system/mark-read', { all: false })],
      ['mark-read with a bad id', () => me.post('/api/messages/system/mark-read', { messageIds: ['x'] })],
      ['mark-read with ids as a string', () => me.post('/api/messages/system/mark-read', { messageIds: ulid })],
      ['delete a malformed id', () => me.del('/api/messages/not-an-id')],
      ['delete a key-shaped id', () => me.del(`/api/messages/MSG%23${ulid}`)],
    ];
    for (const [name, call] of cases) {
      const res = await call();
      expect({ name, status: res.status, body: res.body }).toEqual({
        name,
        status: 400,
        body: { error: { code: 'BAD_REQUEST', message: expect.any(String) } },
      });
    }
    expect((await me.del(`/api/messages/${ulid}`)).status).toBe(404);
  });
});

describe('rate limits (stored windows shared by every connection of a user)', () => {
  it(`two connections of one user share ${SEND_LIMIT} sendMessage per window; the rest are RATE_LIMITED and store nothing`, async () => {
    const [a, b, other] = [uid('a'), uid('b'), uid('o')];
    await friends(a, b);
    await friends(other, b);
    // Two connections of the same user: on AWS these may well be served by two Lambda instances.
    const tab1 = await connect(a);
    const tab2 = await connect(a);
    const wo = await connect(other);

    const results: Array<{ tab: number; type: string; code?: string }> = [];
    for (let i = 0; i < SEND_LIMIT + 4; i++) {
      const tab = i % 2 === 0 ? tab1 : tab2;
      const clientMessageId = `rl-${i}`;
      tab.send({ action: 'sendMessage', to: b, content: `n${i}`, clientMessageId });
      const reply = await Promise.race([
        tab.next('ack', (f) => f.clientMessageId === clientMessageId),
        tab.next('error', (f) => f.clientMessageId === clientMessageId),
      ]);
      results.push({ tab: i % 2, type: reply.type, ...(reply.code ? { code: reply.code } : {}) });
    }
    // A resend of an accepted message is still acked with the original while limited; another user is unaffected.
    tab2.send({ action: 'sendMessage', to: b, content: 'n1', clientMessageId: 'rl-1' });
    const resent = await tab2.next('ack', (f) => f.clientMessageId === 'rl-1');
    wo.send({ action: 'sendMessage', to: b, content: 'not limited', clientMessageId: 'o-1' });
    await wo.next('ack', (f) => f.clientMessageId === 'o-1');

    expect(results.slice(0, SEND_LIMIT).every((r) => r.type === 'ack')).toBe(true);
    expect(results.slice(SEND_LIMIT)).toEqual(Array.from({ length: 4 }, (_, i) => ({ tab: (SEND_LIMIT + i) % 2, type: 'error', code: 'RATE_LIMITED' })));
    expect(new Set(results.slice(0, SEND_LIMIT).map((r) => r.tab))).toEqual(new Set([0, 1]));
    expect(resent.message.content).toBe('n1');
    const w = await written(a, b);
    expect(w.messages).toHaveLength(SEND_LIMIT);
    expect(w.cmids).toHaveLength(SEND_LIMIT);
    // The limit lives in DynamoDB (the sender's profile item), not in a process: any instance sees the same state.
    expect(fullBurst(w.sendTat)).toBe(true);
    expect((await api(stack, b).get(`/api/messages/${a}`)).body.items).toHaveLength(SEND_LIMIT);
  });

  it(`typing is limited to ${TYPING_LIMIT} per window across connections, answered RATE_LIMITED`, async () => {
    const [a, b] = [uid('a'), uid('b')];
    await friends(a, b);
    const tab1 = await connect(a);
    const tab2 = await connect(a);
    const wb = await connect(b);

    for (let i = 0; i < TYPING_LIMIT + 2; i++) (i % 2 ? tab2 : tab1).send({ action: 'typing', to: b });
    // Frames of one user run concurrently (as on Lambda), so which tab is refused is not fixed: count both.
    const errors = () => [...tab1.frames, ...tab2.frames].filter((f) => f?.type === 'error');
    for (let waited = 0; errors().length < 2 && waited < 5000; waited += 25) await new Promise((r) => setTimeout(r, 25));
    for (let i = 0; i < TYPING_LIMIT; i++) await wb.next('typing');

    expect(errors().map((e) => e.code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    await wb.expectNoFrame('typing', 200);
    const rate = await partition(db(), stack.tables.main, 'pk', `RATE#${a}`);
    expect(rate).toEqual([expect.objectContaining({ sk: 'typing' })]);
    expect(fullBurst(rate[0].tat as number)).toBe(true);
  });
});

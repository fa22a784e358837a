/**
 * Sending (lambdas/adapters/dynamo/messages/): the chat message's claim+rate PartiQL batch and its 2-item transaction,
 * the typing window and system messages, against a mocked DynamoDB — transaction items asserted by their keys and
 * contents, never their positions, batch statements by their text, and failures decided by which item failed
 * (transaction cancellation reasons are read by item name, lambdas/adapters/dynamo/transact.ts). Reading, read state
 * and deletion: dynamo-messages-read.test.ts.
 */
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BatchExecuteStatementCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { appendChat } from '../../lambdas/adapters/dynamo/messages/append-chat';
import { appendSystem } from '../../lambdas/adapters/dynamo/messages/append-system';
import { allowTyping } from '../../lambdas/adapters/dynamo/messages/typing';
import { transact, type TxItem } from '../../lambdas/adapters/dynamo/transact';
import type { Message } from '../../lambdas/contract/messages';
import type { RateRule } from '../../lambdas/core/ports';
import { fingerprint } from '../../lambdas/core/same-message';
import { MAIN_TABLE } from '../../lib/wiring';
import { at, cancelWhere, claimBatch, getFrom, isRelease, keyOf, plainBatch, only, releaseStatements, statementsOf, writesOf, type Row, aliceToBob } from '../support/main-table-mock';

const ddb = mockClient(DynamoDBDocumentClient);
const TABLE = 'parley-Main-test';
const SEND: RateRule = { kind: 'send', limit: 30, windowSeconds: 10 };
const TYPING: RateRule = { kind: 'typing', limit: 10, windowSeconds: 10 };

const itemsOf = (call = 0) => ddb.commandCalls(TransactWriteCommand)[call].args[0].input.TransactItems ?? [];
const find = only;
/** Every index key attribute of the main table (lib/wiring.ts). */
const INDEX_KEYS = MAIN_TABLE.globalSecondaryIndexes.flatMap((g) => [g.partitionKey.name, ...(g.sortKey ? [g.sortKey.name] : [])]);
const PAIR = 'Update PAIR#alice#bob|PAIR';

const chat = aliceToBob;
const pairRow = (over: Row = {}): Row => ({ pk: 'PAIR#alice#bob', sk: 'PAIR', lo: 'alice', hi: 'bob', friend: true, ...over });

const STEP = (SEND.windowSeconds * 1000) / SEND.limit;
const TOLERANCE = SEND.windowSeconds * 1000 - STEP + 1;
const batchInputs = () => ddb.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input);
/** The claim+rate batches (and their retries): every batch but a release. */
const batches = () => batchInputs().filter((b) => !isRelease(b)).map(statementsOf);
const releases = () => batchInputs().filter(isRelease).map((b) => plainBatch(b).Statements ?? []);
const IDLE = `UPDATE "${TABLE}" SET sendTat = ? WHERE pk = ? AND sk = ? AND (sendTat IS MISSING OR sendTat <= ?)`;
const BUSY = `UPDATE "${TABLE}" SET sendTat = sendTat + ? WHERE pk = ? AND sk = ? AND sendTat > ? AND sendTat <= ?`;
/**
 * ONE release batch: the claim of `m` deleted (only while it holds this message's id; null: the claim is not this frame's)
 * and, if it was counted, the rate hit given back.
 */
function expectReleased(m: Message | null, refunded: boolean) {
  const expected = releaseStatements(TABLE, {
    ...(m ? { claim: { pk: 'CMID#alice', sk: m.clientMessageId as string, id: m.id } } : {}),
    ...(refunded ? { refund: { userId: 'alice', stepMs: STEP } } : {}),
  });
  expect(releases()).toHaveLength(1);
  expect(releases()[0]).toHaveLength(expected.length);
  expect(releases()[0]).toEqual(expect.arrayContaining(expected));
  // Nothing of it as single-item writes.
  expect(ddb.commandCalls(DeleteCommand)).toEqual([]);
  expect(ddb.commandCalls(UpdateCommand)).toEqual([]);
}

beforeEach(() => {
  ddb.reset();
  ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch());
  ddb.on(DeleteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
});

describe('append chat', () => {
  // A frozen clock an hour later for each test: the rate hint this container keeps (../rate.ts) has always expired,
  // so the first rate UPDATE is always the idle branch.
  let clock = Date.now();
  beforeEach(() => {
    clock += 3_600_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
  });
  afterEach(() => jest.restoreAllMocks());

  it('claims the clientMessageId and counts the rate in ONE PartiQL batch, then stores the message and the pair item in ONE transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const m = chat();
    const before = Math.floor(Date.now() / 1000);

    await expect(appendChat(TABLE, m, SEND)).resolves.toEqual({ status: 'stored', message: m });

    // 1. The batch: the claim INSERT (fails on an existing key) and the sender's rate UPDATE on the profile.
    expect(batches()).toHaveLength(1);
    const { inserts, updates, count } = batches()[0];
    expect(count).toBe(2);
    // The claim holds the message's id, time and fingerprint — not the message.
    expect(inserts[0].Statement).toBe(`INSERT INTO "${TABLE}" VALUE {'pk': ?, 'sk': ?, 'id': ?, 'createdAt': ?, 'fp': ?, 'expiresAt': ?}`);
    const [pk, sk, id, createdAt, fp, expiresAt] = inserts[0].Parameters ?? [];
    expect([pk, sk, id, createdAt, fp]).toEqual(['CMID#alice', 'c-1', m.id, m.createdAt, fingerprint(m)]);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 24 * 3600);
    // The idle branch (the rate state at or before now, or none yet): sendTat moves to now + one interval.
    expect(updates[0].Statement).toBe(IDLE);
    expect(updates[0].Parameters).toEqual([clock + STEP, 'USER#alice', 'PROFILE', clock]);
    expect(updates[0].ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');

    // 2. The transaction: exactly the message and the pair item.
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const items = itemsOf();
    expect(items.map(keyOf).sort()).toEqual([`Put CONV#alice#bob|MSG#${m.id}`, PAIR].sort());
    const message = find(items, `Put CONV#alice#bob|MSG#${m.id}`).Put;
    expect(message?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(message?.Item).toMatchObject({ id: m.id, fromUserId: 'alice', toUserId: 'bob', content: 'hi bob', clientMessageId: 'c-1' });
    // No index holds a chat message (no unread key, no list key, no tag): its only write is the item itself.
    for (const attr of INDEX_KEYS) expect(message?.Item).not.toHaveProperty(attr);

    // The pair item: the friendship is its condition (old item returned on failure); newest message, both list keys,
    // one more unread for bob (the hi side); alice (lo) had nothing unread, so her entry is read.
    const pair = find(items, PAIR).Update;
    expect(pair?.ConditionExpression).toMatch(/^friend = :yes AND /);
    expect(pair?.ExpressionAttributeValues?.[':yes']).toBe(true);
    expect(pair?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    const { set, add } = writesOf(pair);
    // Only the newest message's id and time — not the message: the pair item (and its two index entries) stays small.
    expect(pair?.UpdateExpression).toBe('SET updatedAt = :at, lastId = :id, #ssk = :ssk, #rsk = :rsk ADD #ru :one');
    expect(pair?.ExpressionAttributeValues).not.toHaveProperty(':last');
    expect(set).toEqual({ lastId: m.id, updatedAt: m.createdAt, gLoSk: `R#${m.id}`, gHiSk: `U#${m.id}` });
    // The list partitions (USER#<owner>) were written with the friendship; a message moves only the sort keys.
    expect(Object.keys(set)).not.toEqual(expect.arrayContaining(['gLoPk']));
    expect(Object.keys(set)).not.toEqual(expect.arrayContaining(['gHiPk']));
    expect(add).toEqual({ unreadHi: 1 });
    // Nothing to undo: no release batch.
    expect(releases()).toEqual([]);
  });

  it('a 4,000-character message: its claim INSERT carries no content (one small item, parameters well under 1 KB)', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const m = chat({ content: 'x'.repeat(4000) });

    await expect(appendChat(TABLE, m, SEND)).resolves.toEqual({ status: 'stored', message: m });

    const [insert] = batches()[0].inserts;
    const params = insert.Parameters ?? [];
    expect(params).toEqual(['CMID#alice', 'c-1', m.id, m.createdAt, fingerprint(m), expect.any(Number)]);
    expect(params.some((p) => typeof p === 'string' && p.includes('xxxx'))).toBe(false);
    const bytes = params.reduce<number>((n, p) => n + Buffer.byteLength(String(p)), 0);
    expect(bytes).toBeLessThan(200);
    // The message itself is stored once, in its own item.
    expect(find(itemsOf(), `Put CONV#alice#bob|MSG#${m.id}`).Put?.Item).toMatchObject({ content: m.content });
  });

  it('attachments: the message item keeps the list (no URLs) and each attachment is claimed by a named item in the same transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const list = [
      { id: 'att_AAAAAAAAAAAAAAAAAAAAAAAAAA', contentType: 'image/png' as const, size: 10, width: 2, height: 3 },
      { id: 'att_BBBBBBBBBBBBBBBBBBBBBBBBBB', contentType: 'image/jpeg' as const, size: 20, width: 4, height: 5 },
    ];
    const m = chat({ content: '', attachments: list as Message['attachments'] });

    await appendChat(TABLE, m, SEND);

    const items = itemsOf();
    expect(items).toHaveLength(4); // the message and the pair item + 2 claims
    expect(find(items, `Put CONV#alice#bob|MSG#${m.id}`).Put?.Item?.attachments).toEqual(list);
    for (const a of list) {
      const claim = find(items, `Update ATT#${a.id}|ATT`).Update;
      expect(claim?.ConditionExpression).toBe('ownerId = :from AND #status = :ready AND attribute_not_exists(messageId)');
      expect(claim?.UpdateExpression).toBe('SET messageId = :mid REMOVE expiresAt');
      expect(claim?.ExpressionAttributeValues).toEqual({ ':mid': m.id, ':from': 'alice', ':ready': 'ready' });
    }
  });

  it('a failed attachment claim is BAD_REQUEST (nothing stored, the claim released, the rate given back); a plain message has no attachment item', async () => {
    const m = chat({ attachments: [{ id: 'att_AAAAAAAAAAAAAAAAAAAAAAAAAA', contentType: 'image/png', size: 1, width: 1, height: 1 }] as Message['attachments'] });
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Update ATT#att_AAAAAAAAAAAAAAAAAAAAAAAAAA|ATT')));
    await expect(appendChat(TABLE, m, SEND)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'an attachment is not yours, not ready or already sent' });
    expectReleased(m, true);

    ddb.reset();
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch());
    ddb.on(TransactWriteCommand).resolves({});
    await appendChat(TABLE, chat(), SEND);
    expect(itemsOf().map(keyOf).filter((k) => k.includes('ATT#'))).toEqual([]);
    expect(find(itemsOf(), `Put CONV#alice#bob|MSG#01JBBBBBBBBBBBBBBBBBBBBBBB`).Put?.Item).not.toHaveProperty('attachments');
  });

  describe('a claimed clientMessageId', () => {
    const original = chat({ id: '01JAAAAAAAAAAAAAAAAAAAAAAA' });
    // What the first attempt claimed: its id, time and fingerprint (not the message).
    const claim = { pk: 'CMID#alice', sk: 'c-1', id: original.id, createdAt: original.createdAt, fp: fingerprint(original), expiresAt: 1_900_000_000 };
    const stored = { pk: 'CONV#alice#bob', sk: `MSG#${original.id}`, ...original };
    // The resend: the same message, made again (a new id and time of its own).
    const resend = chat({ id: '01JCCCCCCCCCCCCCCCCCCCCCCC', createdAt: '2026-11-24T10:00:05.000Z' });
    beforeEach(() => ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ claim: 'taken' })));

    it('answers the stored ORIGINAL (with its read state) and stores nothing; the resend does not count', async () => {
      ddb.on(GetCommand).callsFake(getFrom({ 'CMID#alice|c-1': claim, [`CONV#alice#bob|MSG#${original.id}`]: stored, 'PAIR#alice#bob|PAIR': pairRow({ readHi: original.id }) }));

      // The resend under the claim's id and time: the original as the recipient has it.
      await expect(appendChat(TABLE, resend, SEND)).resolves.toEqual({ status: 'duplicate', message: { ...resend, id: claim.id, createdAt: claim.createdAt, isRead: true } });

      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
      // Read (consistent): the claim, then the stored message and the pair item (its read state).
      const reads = ddb.commandCalls(GetCommand).map((c) => c.args[0].input);
      expect(reads.map((r) => `${String(r.Key?.pk)}|${String(r.Key?.sk)}`).sort()).toEqual(['CMID#alice|c-1', `CONV#alice#bob|MSG#${original.id}`, 'PAIR#alice#bob|PAIR'].sort());
      expect(reads.every((r) => r.ConsistentRead === true)).toBe(true);
      // The claim is the original's: never deleted by a resend; the hit the batch counted is given back.
      expectReleased(null, true);
    });

    it('resume: the original not stored (its attempt was cut short) and the same content → the ORIGINAL is committed with its id', async () => {
      ddb.on(GetCommand).callsFake(getFrom({ 'CMID#alice|c-1': claim, 'PAIR#alice#bob|PAIR': pairRow() }));
      ddb.on(TransactWriteCommand).resolves({});

      await expect(appendChat(TABLE, resend, SEND)).resolves.toEqual({ status: 'stored', message: { ...resend, id: claim.id, createdAt: claim.createdAt } });

      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
      const items = itemsOf();
      expect(items.map(keyOf).sort()).toEqual([`Put CONV#alice#bob|MSG#${original.id}`, PAIR].sort());
      expect(find(items, `Put CONV#alice#bob|MSG#${original.id}`).Put?.Item).toMatchObject({ id: original.id, createdAt: original.createdAt });
      expect(writesOf(find(items, PAIR).Update).set.lastId).toBe(original.id);
      expect(releases()).toEqual([]); // stored: the claim stays and this frame's hit stands
    });

    it('other content (another fingerprint) → BAD_REQUEST from the store itself, nothing stored, the hit given back', async () => {
      ddb.on(GetCommand).callsFake(getFrom({ 'CMID#alice|c-1': claim, [`CONV#alice#bob|MSG#${original.id}`]: stored, 'PAIR#alice#bob|PAIR': pairRow() }));

      await expect(appendChat(TABLE, chat({ content: 'something else' }), SEND)).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('already used for a different message'),
      });

      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
      // Only the claim is read (consistent): its fingerprint decides; the original is never looked up.
      const reads = ddb.commandCalls(GetCommand).map((c) => c.args[0].input);
      expect(reads.map((r) => `${String(r.Key?.pk)}|${String(r.Key?.sk)}`)).toEqual(['CMID#alice|c-1']);
      expect(reads[0].ConsistentRead).toBe(true);
      expectReleased(null, true); // not this frame's claim: kept; the hit given back (nothing stored)
    });
  });

  it('NOT_FRIENDS when the pair item says so (its old item in the cancellation reason): the claim released, the rate given back', async () => {
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at(PAIR), pairRow({ friend: false })));
    const m = chat();
    await expect(appendChat(TABLE, m, SEND)).rejects.toMatchObject({ code: 'NOT_FRIENDS' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expectReleased(m, true);

    // No pair item at all (never friends): the same.
    ddb.resetHistory();
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at(PAIR)));
    await expect(appendChat(TABLE, m, SEND)).rejects.toMatchObject({ code: 'NOT_FRIENDS' });
    expectReleased(m, true);
  });

  it('RATE_LIMITED when the stored sendTat is over the limit: no transaction, the claim released, nothing to give back', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ rate: { sendTat: Date.now() + 60_000 } }));
    ddb.on(TransactWriteCommand).resolves({});
    const m = chat({ clientMessageId: 'c-2' });

    await expect(appendChat(TABLE, m, SEND)).rejects.toMatchObject({ code: 'RATE_LIMITED' });

    // The stored state the failed UPDATE returned is past both branches: no second try.
    expect(batches()).toHaveLength(1);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expectReleased(m, false);
  });

  it('a profile without rate state yet (no sendTat) counts as idle: the UPDATE of the batch succeeds, no other write, and the message is stored', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ rate: {} }));
    ddb.on(TransactWriteCommand).resolves({});
    const m = chat({ clientMessageId: 'c-3' });

    await expect(appendChat(TABLE, m, SEND)).resolves.toMatchObject({ status: 'stored' });

    expect(batches()).toHaveLength(1);
    expect(batches()[0].updates.map((u) => u.Statement)).toEqual([IDLE]);
    expect(ddb.commandCalls(UpdateCommand)).toEqual([]);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(releases()).toEqual([]);
  });

  it('a busy rate state (the idle UPDATE fails, the old sendTat returned): ONE more batch with only the busy UPDATE, and the message is stored', async () => {
    const tat = Date.now() + 1_000;
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ rate: { sendTat: tat } }));
    ddb.on(TransactWriteCommand).resolves({});
    const m = chat({ clientMessageId: 'c-4' });

    await expect(appendChat(TABLE, m, SEND)).resolves.toEqual({ status: 'stored', message: m });

    expect(batches()).toHaveLength(2);
    expect(batches()[0]).toMatchObject({ count: 2, inserts: [expect.anything()], updates: [{ Statement: IDLE }] });
    // The retry: the claim is decided (no INSERT), only the other branch — sendTat + one interval, if still busy.
    expect(batches()[1]).toEqual({ count: 1, inserts: [], deletes: [], updates: [expect.objectContaining({ Statement: BUSY, Parameters: [STEP, 'USER#alice', 'PROFILE', clock, clock + TOLERANCE] })] });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(releases()).toEqual([]);
  });

  it('…and busy past the limit on the retry is RATE_LIMITED (the claim released, nothing to give back)', async () => {
    // The idle UPDATE sees a busy state, the busy one (a concurrent frame got there first) one over the limit.
    ddb
      .on(BatchExecuteStatementCommand)
      .callsFakeOnce(claimBatch({ rate: { sendTat: Date.now() + 1_000 } }))
      .callsFakeOnce(claimBatch({ rate: { sendTat: Date.now() + 60_000 } }))
      .callsFake(claimBatch());
    ddb.on(TransactWriteCommand).resolves({});
    const m = chat({ clientMessageId: 'c-5' });

    await expect(appendChat(TABLE, m, SEND)).rejects.toMatchObject({ code: 'RATE_LIMITED' });

    expect(batches()).toHaveLength(2);
    expect(batches()[1].updates.map((u) => u.Statement)).toEqual([BUSY]);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expectReleased(m, false);
  });

  it('a failed rate UPDATE with no old item (the sender has no profile) is an error, not a guess: nothing stored', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ rate: 'no profile' }));
    ddb.on(TransactWriteCommand).resolves({});

    await expect(appendChat(TABLE, chat({ clientMessageId: 'c-6' }), SEND)).rejects.toThrow('rate update failed: ConditionalCheckFailed');
    expect(batches()).toHaveLength(1);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('a newer message already reached the pair item: the retry leaves its last message and counts this one for the recipient only', async () => {
    const newer = '01ZZZZZZZZZZZZZZZZZZZZZZZZ';
    ddb.on(TransactWriteCommand).callsFakeOnce(cancelWhere(at(PAIR), pairRow({ lastId: newer, unreadHi: 1, readHi: '01J0000000000000000000000A' }))).resolves({});
    const m = chat();

    await expect(appendChat(TABLE, m, SEND)).resolves.toMatchObject({ status: 'stored' });

    const retry = itemsOf(1);
    expect(retry.map(keyOf).sort()).toEqual([`Put CONV#alice#bob|MSG#${m.id}`, PAIR].sort());
    const pair = find(retry, PAIR).Update;
    expect(writesOf(pair)).toEqual({ set: { gHiSk: `U#${newer}` }, add: { unreadHi: 1 }, remove: [] });
    // Only if the pair item is still as seen: the same last message and bob's watermark.
    expect(pair?.ConditionExpression).toBe('friend = :yes AND lastId = :last AND #rr = :read');
    expect(pair?.ExpressionAttributeNames?.['#rr']).toBe('readHi');
    expect(pair?.ExpressionAttributeValues).toMatchObject({ ':last': newer, ':read': '01J0000000000000000000000A', ':yes': true });
  });

  it('…and one the recipient has already read past is stored as read: nothing more unread, the list entry stays read', async () => {
    const newer = '01ZZZZZZZZZZZZZZZZZZZZZZZZ';
    ddb.on(TransactWriteCommand).callsFakeOnce(cancelWhere(at(PAIR), pairRow({ lastId: newer, readHi: newer }))).resolves({});
    const m = chat();

    await expect(appendChat(TABLE, m, SEND)).resolves.toMatchObject({ status: 'stored' });

    const retry = itemsOf(1);
    expect(retry.map(keyOf).sort()).toEqual([`Put CONV#alice#bob|MSG#${m.id}`, PAIR].sort());
    // The same Update as above, adding 0: bob's count stays 0, so his entry is read at the newer last message.
    const pair = find(retry, PAIR).Update;
    expect(pair?.UpdateExpression).toBe('SET #rsk = :rsk ADD #ru :d');
    expect(writesOf(pair)).toEqual({ set: { gHiSk: `R#${newer}` }, add: { unreadHi: 0 }, remove: [] });
    expect(pair?.ConditionExpression).toBe('friend = :yes AND lastId = :last AND #rr = :read');
    expect(pair?.ExpressionAttributeValues).toMatchObject({ ':last': newer, ':read': newer, ':yes': true });
  });

  it('a sender with unread messages keeps an unread list entry (the plan follows the pair item the condition returned)', async () => {
    ddb.on(TransactWriteCommand).callsFakeOnce(cancelWhere(at(PAIR), pairRow({ lastId: '01J0000000000000000000000A', unreadLo: 2 }))).resolves({});
    const m = chat();

    await appendChat(TABLE, m, SEND);

    const pair = find(itemsOf(1), PAIR).Update;
    expect(writesOf(pair).set).toMatchObject({ lastId: m.id, gLoSk: `U#${m.id}`, gHiSk: `U#${m.id}` });
    expect(pair?.ConditionExpression).toContain('#su > :zero');
    expect(pair?.ExpressionAttributeNames?.['#su']).toBe('unreadLo');
  });
});

describe('transact', () => {
  it('reports a cancellation by the names of the items whose condition failed', async () => {
    const put = (pk: string): TxItem => ({ Put: { TableName: TABLE, Item: { pk, sk: 'x' }, ConditionExpression: 'attribute_not_exists(pk)' } });
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Put B|x'), { pk: 'B', sk: 'x', n: 1 }));

    const forward = await transact([{ name: 'a', item: put('A') }, { name: 'b', item: put('B') }, { name: 'c', item: put('C') }]);
    const backward = await transact([{ name: 'c', item: put('C') }, { name: 'b', item: put('B') }, { name: 'a', item: put('A') }]);

    for (const result of [forward, backward]) {
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect([...result.failed.keys()]).toEqual(['b']);
      expect(result.failed.get('b')).toEqual({ code: 'ConditionalCheckFailed', item: { pk: 'B', sk: 'x', n: 1 } });
    }
  });

  it('retries a conflict with no failed condition, then commits', async () => {
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelWhere(() => true, undefined, 'TransactionConflict'))
      .resolves({});

    await expect(transact([{ name: 'a', item: { Put: { TableName: TABLE, Item: { pk: 'A', sk: 'x' } } } }])).resolves.toEqual({ ok: true });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });
});

describe('typing window', () => {
  it('is a friendship check and a hit on the typing rate window, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await allowTyping(TABLE, 'alice', 'bob', TYPING);

    expect(itemsOf().map(keyOf).sort()).toEqual(['ConditionCheck PAIR#alice#bob|PAIR', 'Update RATE#alice|typing']);
    expect(find(itemsOf(), 'ConditionCheck PAIR#alice#bob|PAIR').ConditionCheck).toMatchObject({ ConditionExpression: 'friend = :yes', ExpressionAttributeValues: { ':yes': true } });
  });

  it('a failed friendship check is NOT_FRIENDS; a full window RATE_LIMITED', async () => {
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('ConditionCheck PAIR#alice#bob|PAIR')));
    await expect(allowTyping(TABLE, 'alice', 'bob', TYPING)).rejects.toMatchObject({ code: 'NOT_FRIENDS' });

    ddb.reset();
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Update RATE#carol|typing'), { pk: 'RATE#carol', sk: 'typing', tat: Date.now() + 60_000 }));
    await expect(allowTyping(TABLE, 'carol', 'bob', TYPING)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});

describe('append system', () => {
  const notice = (to: string, id: string): Message => ({ ...chat({ id, toUserId: to, fromUserId: null, messageType: 'SYSTEM_TASK', clientMessageId: null }) });

  it('holds, per recipient, the (event, recipient) claim, the message and its counter', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const messages = [notice('bob', '01JC0000000000000000000001'), notice('carol', '01JC0000000000000000000002')];

    await expect(appendSystem(TABLE, 'evt-1', messages)).resolves.toEqual(messages);

    const items = itemsOf();
    expect(items.map(keyOf).sort()).toEqual(
      [
        'Put EVT#evt-1|bob',
        'Put EVT#evt-1|carol',
        'Put SYS#bob|MSG#01JC0000000000000000000001',
        'Put SYS#carol|MSG#01JC0000000000000000000002',
        'Update USER#bob|COUNTS',
        'Update USER#carol|COUNTS',
      ].sort(),
    );
    expect(find(items, 'Put EVT#evt-1|bob').Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(find(items, 'Put SYS#bob|MSG#01JC0000000000000000000001').Put?.Item).toMatchObject({ gsi1pk: 'UNREAD#bob#SYSTEM' });
    expect(find(items, 'Update USER#carol|COUNTS').Update?.ExpressionAttributeNames).toEqual({ '#f': 'system' });
  });

  it('a recipient whose claim is taken is dropped with its message and counter; the rest are stored', async () => {
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelWhere(at('Put EVT#evt-1|bob')))
      .resolves({});
    const carol = notice('carol', '01JC0000000000000000000002');

    await expect(appendSystem(TABLE, 'evt-1', [notice('bob', '01JC0000000000000000000001'), carol])).resolves.toEqual([carol]);

    expect(itemsOf(1).map(keyOf).sort()).toEqual(['Put EVT#evt-1|carol', 'Put SYS#carol|MSG#01JC0000000000000000000002', 'Update USER#carol|COUNTS']);
  });
});

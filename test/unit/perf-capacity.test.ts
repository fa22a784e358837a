/**
 * The cost model bills write request units by AWS's rules from the requests themselves (DynamoDB Local
 * under-reports transactions). These are the rules it applies.
 */
import { billedIndexWrites, billedReadFloor, billedTableWrites, isWriteRequest } from '../../bench/lib/calls';
import { MAIN_TABLE } from '../../lib/wiring';

const S = (s: string) => ({ S: s });

it('a transaction is billed 2 write units per item, condition checks included', () => {
  const input = { TransactItems: [{ ConditionCheck: {} }, { Put: {} }, { Update: {} }] };
  expect(billedTableWrites('TransactWriteItems', input)).toBe(6);
});

it('a batch write is billed 1 unit per item across tables, a single write 1', () => {
  expect(billedTableWrites('BatchWriteItem', { RequestItems: { a: [{}, {}], b: [{}] } })).toBe(3);
  expect(billedTableWrites('PutItem', {})).toBe(1);
});

/** The key attributes of a MAIN_TABLE index, by name (lib/wiring.ts). */
const indexKeys = (name: string) => {
  const gsi = MAIN_TABLE.globalSecondaryIndexes.find((g) => g.indexName === name);
  if (!gsi) throw new Error(`no index ${name}`);
  return { pk: gsi.partitionKey.name, sk: gsi.sortKey?.name };
};
const unread = indexKeys('unread');
const sideLo = indexKeys('sideLo');
const sideHi = indexKeys('sideHi');
const byTag = indexKeys('byTag');

it('a new chat message item carries no index key (0 index writes); an unread system message writes its unread entry (1)', () => {
  // The chat message item as stored (lambdas/adapters/dynamo/messages/items.ts): its read state is the pair item's
  // watermark, and it is found by id through its pair's tag, so no index holds it.
  const chatItem = { pk: S('CONV#a#b'), sk: S('MSG#1'), id: S('1'), fromUserId: S('a'), toUserId: S('b'), content: S('hi'), createdAt: S('t') };
  expect(billedIndexWrites('PutItem', { TableName: 't1-Main', Item: chatItem })).toBe(0);
  const system = { pk: S('SYS#b'), sk: S('MSG#2'), id: S('2'), [unread.pk]: S('UNREAD#b#SYSTEM'), [String(unread.sk)]: S('2') };
  expect(billedIndexWrites('PutItem', { TableName: 't1-Main', Item: system })).toBe(1);
  // The pair item written with the friendship: found by its tag (keys-only), no list entry before a message.
  expect(billedIndexWrites('PutItem', { TableName: 't1-Main', Item: { pk: S('PAIR#a#b'), sk: S('PAIR'), friend: { BOOL: true }, [byTag.pk]: S('TAG') } })).toBe(1);
});

it('an update that moves an index key rewrites the entry; one that removes it deletes it; a counter writes none', () => {
  // A chat message's pair update: lastMessage, and both sides' list keys (named by placeholders) move: 2 + 2.
  const pair = {
    TableName: 't1-Main',
    UpdateExpression: 'SET lastMessage = :last, updatedAt = :at, lastId = :id, #spk = :spk, #ssk = :ssk, #rpk = :rpk, #rsk = :rsk ADD #ru :one',
    ExpressionAttributeNames: { '#spk': sideLo.pk, '#ssk': String(sideLo.sk), '#rpk': sideHi.pk, '#rsk': String(sideHi.sk), '#ru': 'unreadHi' },
  };
  // The recipient's side only (an older message, or mark-read): its sort key moves, 2.
  const oneSide = { TableName: 't1-Main', UpdateExpression: 'SET #rsk = :rsk ADD #ru :one', ExpressionAttributeNames: { '#rsk': String(sideHi.sk), '#ru': 'unreadHi' } };
  // A system message read: its unread entry deleted, 1.
  const removed = { TableName: 't1-Main', UpdateExpression: `REMOVE ${unread.pk}, ${unread.sk}` };
  const counter = { TableName: 't1-Main', UpdateExpression: 'ADD #f :d', ExpressionAttributeNames: { '#f': 'system' } };
  expect(billedIndexWrites('TransactWriteItems', { TransactItems: [{ Update: pair }] })).toBe(4);
  expect(billedIndexWrites('TransactWriteItems', { TransactItems: [{ Update: oneSide }] })).toBe(2);
  expect(billedIndexWrites('TransactWriteItems', { TransactItems: [{ Update: pair }, { Update: oneSide }, { Update: removed }, { Update: counter }] })).toBe(7);
  // A chat message's transaction (issue #15): 2 items (4) + the pair's index writes (4); with the claim+rate batch
  // (2, below) the 10 units of a message.
  const message = { TableName: 't1-Main', Item: { pk: S('CONV#a#b'), sk: S('MSG#1') }, ConditionExpression: 'attribute_not_exists(pk)' };
  const tx = { TransactItems: [{ Put: message }, { Update: pair }] };
  expect(billedTableWrites('TransactWriteItems', tx) + billedIndexWrites('TransactWriteItems', tx)).toBe(8);
});

it('tables without indexes never bill index writes', () => {
  expect(billedIndexWrites('PutItem', { TableName: 't1-Connections', Item: { userId: S('a'), connectionId: S('c') } })).toBe(0);
});

describe('a PartiQL BatchExecuteStatement is billed as the single writes it holds', () => {
  // sendMessage's clientMessageId claim and the sender's rate state, in one request (lambdas/adapters/dynamo/messages).
  const claim = { Statement: `INSERT INTO "t1-Main" VALUE {'pk': ?, 'sk': ?, 'message': ?, 'expiresAt': ?}`, Parameters: ['CMID#a', 'c1', {}, 1], ReturnValuesOnConditionCheckFailure: 'ALL_OLD' };
  const rate = { Statement: 'UPDATE "t1-Main" SET sendTat = ? WHERE pk = ? AND sk = ? AND sendTat <= ?', Parameters: [2, 'USER#a', 'PROFILE', 1], ReturnValuesOnConditionCheckFailure: 'ALL_OLD' };
  const rateBurst = { Statement: 'UPDATE "t1-Main" SET sendTat = sendTat + ? WHERE pk = ? AND sk = ? AND sendTat > ? AND sendTat <= ?', Parameters: [1, 'USER#a', 'PROFILE', 1, 2] };
  const indexKey = MAIN_TABLE.globalSecondaryIndexes[0].partitionKey.name;

  it('the claim INSERT and the rate UPDATE: 2 write units, no index writes', () => {
    for (const update of [rate, rateBurst]) {
      const input = { Statements: [claim, update] };
      expect(isWriteRequest('BatchExecuteStatement', input)).toBe(true);
      expect(billedTableWrites('BatchExecuteStatement', input)).toBe(2);
      expect(billedIndexWrites('BatchExecuteStatement', input)).toBe(0);
    }
  });

  it('a statement that writes an index key bills its index writes as PutItem / UpdateItem would', () => {
    const setsKey = { Statement: `UPDATE "t1-Main" SET lastMessage = ?, "${indexKey}" = ? WHERE pk = ? AND sk = ?` };
    const removesKey = { Statement: `UPDATE "t1-Main" SET n = n + ? REMOVE ${indexKey} WHERE pk = ? AND sk = ?` };
    const insertsKey = { Statement: `INSERT INTO "t1-Main" VALUE {'pk': ?, 'sk': ?, '${indexKey}': ?}` };
    expect(billedIndexWrites('BatchExecuteStatement', { Statements: [setsKey] })).toBe(2);
    expect(billedIndexWrites('BatchExecuteStatement', { Statements: [removesKey] })).toBe(1);
    expect(billedIndexWrites('BatchExecuteStatement', { Statements: [insertsKey] })).toBe(1);
    expect(billedIndexWrites('BatchExecuteStatement', { Statements: [claim, setsKey, insertsKey] })).toBe(3);
    // The key named only in the WHERE clause is not written.
    expect(billedIndexWrites('BatchExecuteStatement', { Statements: [{ Statement: `UPDATE "t1-Main" SET a = ? WHERE ${indexKey} = ?` }] })).toBe(0);
    // A table without indexes: none.
    expect(billedIndexWrites('BatchExecuteStatement', { Statements: [{ Statement: `INSERT INTO "t1-Connections" VALUE {'${indexKey}': ?}` }] })).toBe(0);
  });

  it('a DELETE statement is 1 write unit; a SELECT-only batch is a read of 1 (strong) or 0.5 units per statement', () => {
    expect(billedTableWrites('BatchExecuteStatement', { Statements: [{ Statement: 'DELETE FROM "t1-Main" WHERE pk = ? AND sk = ?' }] })).toBe(1);
    const reads = { Statements: [{ Statement: 'SELECT * FROM "t1-Main" WHERE pk = ? AND sk = ?', ConsistentRead: true }, { Statement: 'SELECT * FROM "t1-Main" WHERE pk = ? AND sk = ?' }] };
    expect(isWriteRequest('BatchExecuteStatement', reads)).toBe(false);
    expect(billedTableWrites('BatchExecuteStatement', reads)).toBe(0);
    expect(billedReadFloor('BatchExecuteStatement', reads)).toBe(1.5);
    expect(billedReadFloor('GetItem', { ConsistentRead: true })).toBe(1);
    expect(billedReadFloor('Query', {})).toBe(0.5);
  });
});

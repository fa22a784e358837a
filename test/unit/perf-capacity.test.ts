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

it('a new message carrying the unread and id index keys writes two index entries', () => {
  const put = { TableName: 't1-Main', Item: { pk: S('CONV#a#b'), sk: S('MSG#1'), id: S('1'), gsi1pk: S('UNREAD#b#a'), gsi1sk: S('1') } };
  expect(billedIndexWrites('PutItem', put)).toBe(2);
  // The same message already read: no unread key, so only the id index.
  const { gsi1pk: _pk, gsi1sk: _sk, ...read } = put.Item;
  expect(billedIndexWrites('PutItem', { ...put, Item: read })).toBe(1);
});

it('an update that moves an index key rewrites the entry; one that removes it deletes it', () => {
  const moved = { TableName: 't1-Main', UpdateExpression: 'SET peerId = :peer, lastMessage = :last, gsi2pk = :gpk, gsi2sk = :id ADD unread :d' };
  const removed = { TableName: 't1-Main', UpdateExpression: 'REMOVE gsi1pk, gsi1sk' };
  const counter = { TableName: 't1-Main', UpdateExpression: 'ADD #f :d', ExpressionAttributeNames: { '#f': 'chat' } };
  expect(billedIndexWrites('TransactWriteItems', { TransactItems: [{ Update: moved }, { Update: removed }, { Update: counter }] })).toBe(3);
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

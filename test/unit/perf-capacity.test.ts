/**
 * The cost model bills write request units by AWS's rules from the requests themselves (DynamoDB Local
 * under-reports transactions). These are the rules it applies.
 */
import { billedIndexWrites, billedTableWrites } from '../../bench/lib/calls';

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

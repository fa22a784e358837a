/**
 * The PartiQL statement reader shared by the bench's write accounting and the IAM grants test (bench/lib/partiql.ts).
 */
import { PARTIQL_ACTION, parseStatement, statementsOf } from '../../bench/lib/partiql';

it("reads sendMessage's claim INSERT: verb, table and the VALUE's top-level keys", () => {
  expect(parseStatement(`INSERT INTO "t1-Main" VALUE {'pk': ?, 'sk': ?, 'message': ?, 'expiresAt': ?}`)).toEqual({
    verb: 'INSERT',
    table: 't1-Main',
    inserted: ['pk', 'sk', 'message', 'expiresAt'],
    set: [],
    removed: [],
  });
  // Nested documents and string literals do not add keys; escaped quotes survive.
  const nested = parseStatement(`insert into Main value {'pk': 'a,b: {x}', 'doc': {'inner': 1, 'l': [1, 2]}, 'it''s': ?}`);
  expect(nested).toMatchObject({ verb: 'INSERT', table: 'Main', inserted: ['pk', 'doc', "it's"] });
});

it('reads the rate UPDATEs: only the SET targets, never the WHERE clause', () => {
  expect(parseStatement('UPDATE "t1-Main" SET sendTat = ? WHERE pk = ? AND sk = ? AND sendTat <= ?')).toEqual({
    verb: 'UPDATE',
    table: 't1-Main',
    inserted: [],
    set: ['sendTat'],
    removed: [],
  });
  expect(parseStatement('UPDATE "t1-Main" SET sendTat = sendTat + ? WHERE pk = ? AND sk = ? AND sendTat > ? AND sendTat <= ?').set).toEqual(['sendTat']);
});

it('reads several SET and REMOVE clauses, quoted names, paths and function calls', () => {
  const st = parseStatement(`UPDATE "t" SET a = ?, "b x".c = list_append(l, ?) SET d[0] = 'SET e = 1' REMOVE f, "g" WHERE h = ?`);
  expect(st).toMatchObject({ verb: 'UPDATE', table: 't', set: ['a', 'b x', 'd'], removed: ['f', 'g'] });
});

it('reads DELETE and SELECT tables (a SELECT from an index too); anything else is unknown', () => {
  expect(parseStatement('DELETE FROM "t1-Main" WHERE pk = ?')).toMatchObject({ verb: 'DELETE', table: 't1-Main' });
  expect(parseStatement('SELECT pk, sk FROM "t1-Main" WHERE pk = ?')).toMatchObject({ verb: 'SELECT', table: 't1-Main' });
  expect(parseStatement('SELECT * FROM "t1-Main"."unread" WHERE gsi1pk = ?')).toMatchObject({ verb: 'SELECT', table: 't1-Main', index: 'unread' });
  expect(parseStatement('EXISTS(SELECT * FROM t)')).toEqual({ inserted: [], set: [], removed: [] });
});

it('lists the statements of a BatchExecuteStatement or an ExecuteStatement, with their IAM actions', () => {
  const batch = statementsOf({ Statements: [{ Statement: 'INSERT INTO "t" VALUE {\'pk\': ?}' }, { Statement: 'SELECT * FROM t', ConsistentRead: true }] });
  expect(batch.map((s) => [s.parsed.verb && PARTIQL_ACTION[s.parsed.verb], s.consistentRead])).toEqual([
    ['dynamodb:PartiQLInsert', false],
    ['dynamodb:PartiQLSelect', true],
  ]);
  expect(statementsOf({ Statement: 'UPDATE t SET a = ?' }).map((s) => s.parsed.verb)).toEqual(['UPDATE']);
  expect(statementsOf({})).toEqual([]);
});

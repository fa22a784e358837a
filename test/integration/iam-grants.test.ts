/**
 * The IAM grants of the CDK stack against what the handlers really do. Every DynamoDB request a handler makes on
 * the local stack is recorded (an SDK middleware on the adapters' one document client, attributed to the function
 * through AsyncLocalStorage around each invocation) and mapped to the IAM action it needs — for a transaction, the
 * per-item actions (PutItem, UpdateItem, DeleteItem, ConditionCheckItem), as IAM authorises them.
 *
 * A full session touches every function, including the rare paths (a push that meets 410 Gone deletes the stale
 * connection row). Then:
 *  - every recorded action is granted to that function on that table (no AccessDenied outage in the cloud, which
 *    an offline synth cannot show);
 *  - every grant is used: a function with read (write) access to a table was seen reading (writing) it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { REPO_ROOT, type HandlerFn } from '../../local/functions';
import { TABLE_ACTIONS } from '../../lib/functions';
import { FUNCTIONS, type FunctionKey, type TableKey } from '../../lib/wiring';
import { documentClient } from '../../lambdas/adapters/dynamo/client';
import { plantConnection, tableClient } from '../support/attack-clients';
import { api, sendEvent, uid } from '../support/clients';
import { useStack } from './session';

jest.setTimeout(60000);

const current = new AsyncLocalStorage<FunctionKey>();
const seen = new Map<FunctionKey, Set<string>>(); // "table action", e.g. "main dynamodb:Query"
const unattributed: string[] = [];

// Each real handler, run inside its function's context.
const functions = Object.fromEntries(
  (Object.keys(FUNCTIONS) as FunctionKey[]).map((key) => {
    const run: HandlerFn = async (event, context) => {
      const mod = (await import(path.join(REPO_ROOT, FUNCTIONS[key].entry))) as { handler: HandlerFn };
      return current.run(key, () => mod.handler(event, context));
    };
    return [key, run];
  }),
);

const session = useStack({ functions });
const { connect, friends } = session;

const TRANSACT_PART: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };

/** The (table name, IAM action) pairs one request needs (command names as the DynamoDB client sees them). */
function actionsOf(commandName: string, input: Record<string, any>): Array<[string, string]> {
  const op = commandName.replace(/Command$/, '');
  if (op === 'TransactWriteItems') {
    return (input.TransactItems as Record<string, { TableName: string }>[]).map((item) => {
      const [part, body] = Object.entries(item)[0]!;
      return [body.TableName, `dynamodb:${TRANSACT_PART[part] ?? part}`];
    });
  }
  if (op === 'TransactGetItems') return (input.TransactItems as { Get: { TableName: string } }[]).map((i) => [i.Get.TableName, 'dynamodb:GetItem']);
  if (op === 'BatchGetItem' || op === 'BatchWriteItem') return Object.keys(input.RequestItems).map((t) => [t, `dynamodb:${op}`]);
  return [[input.TableName, `dynamodb:${op}`]];
}

beforeAll(() => {
  const tableKeyOf = (name: string): TableKey | undefined => (Object.keys(session.stack.tables) as TableKey[]).find((k) => session.stack.tables[k] === name);
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      const fn = current.getStore();
      for (const [table, action] of actionsOf(String(context.commandName), args.input as Record<string, any>)) {
        const entry = `${tableKeyOf(table) ?? table} ${action}`;
        if (fn) {
          if (!seen.has(fn)) seen.set(fn, new Set());
          seen.get(fn)!.add(entry);
        } else unattributed.push(entry);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordIamActions' },
  );
});

/** Stale rows (their sockets long gone) for each user, so the next push to them meets 410 Gone. */
async function plantStale(...users: string[]): Promise<void> {
  const db = tableClient(session.stack.dynamoEndpoint);
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  await Promise.all(users.map((u) => plantConnection(db, session.stack.tables.connections, u, `stale-${uid('c')}`, expiresAt)));
}

it("every DynamoDB action a handler performs is granted to its function, and every grant is used", async () => {
  const [a, b] = [uid('ann'), uid('ben')];
  await friends(a, b);

  // (Only the friend gets stale rows around a connect or disconnect: a stale row of the user's own would make this
  // connection not the first, or not the last, and hide the presence announcement.)
  await plantStale(b);
  const wa = await connect(a); // wsConnect: presence to b's (stale) connection
  const wb = await connect(b);

  await plantStale(a, b);
  wa.send({ action: 'typing', to: b });
  await wb.next('typing');

  await plantStale(a, b);
  const clientMessageId = uid('c');
  wa.send({ action: 'sendMessage', to: b, content: 'hello', clientMessageId });
  const { message } = await wa.next('ack', (f) => f.clientMessageId === clientMessageId);
  await wb.next('message', (f) => f.message.id === message.id);
  wa.send({ action: 'sendMessage', to: b, content: 'hello', clientMessageId }); // a resend: acked with the original
  expect((await wa.next('ack', (f) => f.clientMessageId === clientMessageId)).message.id).toBe(message.id);

  await plantStale(a, b);
  wb.send({ action: 'markRead', peerId: a });
  await wb.next('conversationRead');

  wa.send({ action: 'ping' });
  await wa.next('pong');
  wa.send({ action: 'noSuchAction' });
  await wa.next('error');

  await plantStale(b);
  await sendEvent(session.stack, 'AchievementUnlocked', { userId: b, achievement: { id: 'x', name: 'X' } });
  await session.stack.drainEvents();

  const rest = api(session.stack, b);
  expect((await rest.get(`/api/messages/${a}`)).status).toBe(200);
  expect((await rest.get('/api/messages/conversations/list')).status).toBe(200);
  expect((await rest.get('/api/messages/unread/count')).status).toBe(200);
  expect((await rest.get('/api/messages/system/list')).status).toBe(200);
  expect((await rest.get('/api/friends')).status).toBe(200);
  expect((await rest.post('/api/messages/system/mark-read', { all: true })).status).toBe(200);
  const second = uid('c');
  wa.send({ action: 'sendMessage', to: b, content: 'unread until the REST mark-read', clientMessageId: second });
  await wa.next('ack', (f) => f.clientMessageId === second);
  await plantStale(a, b);
  expect((await rest.post(`/api/messages/${a}/read`)).body).toEqual({ updated: 1 });
  await plantStale(a, b);
  expect((await api(session.stack, a).del(`/api/messages/${message.id}`)).status).toBe(204);

  await plantStale(b);
  await wa.close(); // wsDisconnect: presence offline to b
  await sendEvent(session.stack, 'FriendshipRemoved', { userIds: [a, b] });
  await session.stack.drainEvents();
  await wb.close();

  const granted = (fn: FunctionKey) =>
    new Set(
      Object.entries(FUNCTIONS[fn].tables as Partial<Record<TableKey, keyof typeof TABLE_ACTIONS>>).flatMap(([table, access]) =>
        TABLE_ACTIONS[access!].map((action) => `${table} ${action}`),
      ),
    );
  const denied = [...seen].flatMap(([fn, actions]) => [...actions].filter((x) => !granted(fn).has(x)).map((x) => `${fn}: ${x}`));
  expect(denied).toEqual([]);
  expect(unattributed).toEqual([]);

  const isWrite = (action: string) => TABLE_ACTIONS.write.includes(action);
  const unused: string[] = [];
  for (const fn of Object.keys(FUNCTIONS) as FunctionKey[]) {
    for (const [table, access] of Object.entries(FUNCTIONS[fn].tables) as [TableKey, keyof typeof TABLE_ACTIONS][]) {
      const used = [...(seen.get(fn) ?? [])].filter((x) => x.startsWith(`${table} `)).map((x) => x.slice(table.length + 1));
      if (access !== 'write' && !used.some((x) => !isWrite(x))) unused.push(`${fn}: reads of ${table} granted, none made`);
      if (access !== 'read' && !used.some(isWrite)) unused.push(`${fn}: writes to ${table} granted, none made`);
    }
  }
  expect(unused).toEqual([]);
});

/**
 * The IAM grants of the CDK stack against what the handlers really do. Every DynamoDB request a handler makes on
 * the local stack is recorded (an SDK middleware on the adapters' one document client, attributed to the function
 * through AsyncLocalStorage around each invocation) and mapped to the IAM action it needs — for a transaction, the
 * per-item actions (PutItem, UpdateItem, DeleteItem, ConditionCheckItem), as IAM authorises them; for a PartiQL
 * (Batch)ExecuteStatement, each statement's action by its verb (dynamodb:PartiQLInsert/Update/Delete/Select) on the
 * table it names (bench/lib/partiql.ts reads the statements, as the bench's write accounting does).
 *
 * A full session touches every function, including the rare paths (a push that meets 410 Gone deletes the stale
 * connection row) and an image's whole life (ticket, upload, check, send, read, delete). S3 calls made through the
 * adapters' S3 client are recorded the same way, as `uploads s3:<Action> <key prefix>`, against the wiring's
 * `uploads` grants; the requests signed for later use (the presigned POST, presigned GETs) and the hand-signed
 * ones (DeleteObjectTagging, PutObjectTagging) are recorded below. Then:
 *  - every recorded action is granted to that function on that table (no AccessDenied outage in the cloud, which
 *    an offline synth cannot show);
 *  - every grant is used: a function with read (write) access to a table was seen reading (writing) it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { REPO_ROOT, type HandlerFn } from '../../local/functions';
import { TABLE_ACTIONS } from '../../lib/functions';
import { FUNCTIONS, PARTIQL_ACTIONS, type FunctionKey, type PartiQLVerb, type TableKey } from '../../lib/wiring';
import { statementsOf } from '../../bench/lib/partiql';
import sharp from 'sharp';
import { documentClient } from '../../lambdas/adapters/dynamo/client';
import { s3Client } from '../../lambdas/adapters/s3/client';
import { plantConnection, tableClient } from '../support/attack-clients';
import { api, sendEvent, uid } from '../support/clients';
import { useStack } from './session';

jest.setTimeout(60000);

const current = new AsyncLocalStorage<FunctionKey>();
const seen = new Map<FunctionKey, Set<string>>(); // "table action", e.g. "main dynamodb:Query"
const unattributed: string[] = [];
/** An action seen during an invocation of `fn` (or outside any invocation). */
function record(fn: FunctionKey | undefined, entry: string): void {
  if (!fn) unattributed.push(entry);
  else seen.set(fn, (seen.get(fn) ?? new Set()).add(entry));
}

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
  if (op === 'BatchExecuteStatement' || op === 'ExecuteStatement') {
    // A statement this reader cannot place shows up as denied, with its text.
    return statementsOf(input).map(({ statement, parsed }): [string, string] =>
      parsed.verb && parsed.table ? [parsed.table, PARTIQL_ACTIONS[parsed.verb]] : ['?', `unreadable PartiQL: ${statement}`],
    );
  }
  return [[input.TableName, `dynamodb:${op}`]];
}

/** `files/att_x/image` -> `files/`: the prefix a grant names. */
const prefixOf = (key: string) => `${key.split('/')[0]}/`;
/** The IAM actions an S3 command needs (DeleteObjects is authorised per key as s3:DeleteObject). */
const S3_ACTION: Record<string, string> = {
  GetObjectCommand: 'GetObject',
  PutObjectCommand: 'PutObject',
  DeleteObjectCommand: 'DeleteObject',
  DeleteObjectsCommand: 'DeleteObject',
  DeleteObjectTaggingCommand: 'DeleteObjectTagging',
  PutObjectTaggingCommand: 'PutObjectTagging',
};

beforeAll(() => {
  s3Client().middlewareStack.add(
    (next, context) => async (args) => {
      const fn = current.getStore();
      const input = args.input as { Key?: string; Tagging?: string; Delete?: { Objects: { Key: string }[] } };
      const keys = input.Key ? [input.Key] : (input.Delete?.Objects ?? []).map((o) => o.Key);
      const action = S3_ACTION[String(context.commandName)] ?? String(context.commandName);
      for (const key of keys) {
        const entries = [`uploads s3:${action} ${prefixOf(key)}`];
        // PutObject with tags needs s3:PutObjectTagging too.
        if (action === 'PutObject' && input.Tagging) entries.push(`uploads s3:PutObjectTagging ${prefixOf(key)}`);
        for (const entry of entries) record(fn, entry);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordIamActions' },
  );
  const tableKeyOf = (name: string): TableKey | undefined => (Object.keys(session.stack.tables) as TableKey[]).find((k) => session.stack.tables[k] === name);
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      const fn = current.getStore();
      for (const [table, action] of actionsOf(String(context.commandName), args.input as Record<string, any>)) {
        record(fn, `${tableKeyOf(table) ?? table} ${action}`);
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

it("every DynamoDB and S3 action a handler performs is granted to its function, and every grant is used", async () => {
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

  // An image's life: ticket (httpCreateAttachment), browser upload, check (s3ProcessAttachment, whose push meets a
  // stale row), state (httpGetAttachment), send (wsSendMessage), history (httpHistory), delete (httpDeleteMessage).
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).png().toBuffer();
  const ticket = (await api(session.stack, a).post('/api/attachments', { contentType: 'image/png', size: png.length })).body;
  const form = new FormData();
  for (const [k, v] of Object.entries(ticket.upload.fields as Record<string, string>)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }));
  await plantStale(a);
  expect((await fetch(ticket.upload.url, { method: 'POST', body: form })).status).toBe(204);
  await wa.next('attachment', (f) => f.attachmentId === ticket.attachmentId, 20000);
  await session.stack.local.drainUploads();
  expect((await api(session.stack, a).get(`/api/attachments/${ticket.attachmentId}`)).body.status).toBe('ready');
  const withImage = uid('c');
  wa.send({ action: 'sendMessage', to: b, content: '', attachments: [ticket.attachmentId], clientMessageId: withImage });
  const imageMessage = (await wa.next('ack', (f) => f.clientMessageId === withImage)).message;
  expect((await rest.get(`/api/messages/${a}`)).body.items.at(-1).attachments).toHaveLength(1);
  expect((await api(session.stack, a).del(`/api/messages/${imageMessage.id}`)).status).toBe(204);
  // A send that fails after the tag came off puts it back (wsSendMessage's PutObjectTagging): a second ready image
  // sent with a reused clientMessageId.
  const again = (await api(session.stack, a).post('/api/attachments', { contentType: 'image/png', size: png.length })).body;
  const form2 = new FormData();
  for (const [k, v] of Object.entries(again.upload.fields as Record<string, string>)) form2.append(k, v);
  form2.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }));
  expect((await fetch(again.upload.url, { method: 'POST', body: form2 })).status).toBe(204);
  await wa.next('attachment', (f) => f.attachmentId === again.attachmentId, 20000);
  await session.stack.local.drainUploads(); // the processor's invocation is over (as for the first image)
  wa.send({ action: 'sendMessage', to: b, content: '', attachments: [again.attachmentId], clientMessageId: withImage });
  expect((await wa.next('error', (f) => f.clientMessageId === withImage)).code).toBe('BAD_REQUEST');
  // A message refused after its claim (not friends) releases the claim and gives the rate hit back (PartiQL DELETE
  // and UPDATE).
  wa.send({ action: 'sendMessage', to: uid('stranger'), content: 'hello?', clientMessageId: 'to-a-stranger' });
  expect((await wa.next('error', (f) => f.clientMessageId === 'to-a-stranger')).code).toBe('NOT_FRIENDS');
  // Requests signed with a function's role for later use need the role's permission when used; so do the requests
  // the adapters sign by hand (no SDK command, so the middleware above does not see them): sendMessage's
  // DeleteObjectTagging and PutObjectTagging — integration/attachments.test.ts checks the tags really change.
  for (const [fn, entry] of [
    ['httpCreateAttachment', 'uploads s3:PutObject uploads/'],
    ['httpGetAttachment', 'uploads s3:GetObject files/'],
    ['httpHistory', 'uploads s3:GetObject files/'],
    ['httpConversations', 'uploads s3:GetObject files/'],
    ['wsSendMessage', 'uploads s3:GetObject files/'],
    ['wsSendMessage', 'uploads s3:PutObjectTagging files/'],
    ['wsSendMessage', 'uploads s3:DeleteObjectTagging files/'],
  ] as const) {
    record(fn, entry);
  }

  await plantStale(b);
  await wa.close(); // wsDisconnect: presence offline to b
  await sendEvent(session.stack, 'FriendshipRemoved', { userIds: [a, b] });
  await session.stack.drainEvents();
  await wb.close();

  const partiqlOf = (fn: FunctionKey) =>
    Object.entries((FUNCTIONS[fn] as { partiql?: Partial<Record<TableKey, readonly PartiQLVerb[]>> }).partiql ?? {}).flatMap(([table, verbs]) =>
      (verbs ?? []).map((verb) => `${table} ${PARTIQL_ACTIONS[verb]}`),
    );
  const granted = (fn: FunctionKey) =>
    new Set([
      ...Object.entries(FUNCTIONS[fn].tables as Partial<Record<TableKey, keyof typeof TABLE_ACTIONS>>).flatMap(([table, access]) =>
        TABLE_ACTIONS[access!].map((action) => `${table} ${action}`),
      ),
      ...partiqlOf(fn),
    ]);
  const denied = [...seen].flatMap(([fn, actions]) =>
    [...actions].filter((x) => !x.startsWith('uploads ') && !granted(fn).has(x)).map((x) => `${fn}: ${x}`),
  );
  expect(denied).toEqual([]);
  expect(unattributed).toEqual([]);

  const isWrite = (action: string) =>
    TABLE_ACTIONS.write.includes(action) || [PARTIQL_ACTIONS.INSERT, PARTIQL_ACTIONS.UPDATE, PARTIQL_ACTIONS.DELETE].includes(action);
  const unused: string[] = [];
  for (const fn of Object.keys(FUNCTIONS) as FunctionKey[]) {
    for (const [table, access] of Object.entries(FUNCTIONS[fn].tables) as [TableKey, keyof typeof TABLE_ACTIONS][]) {
      const used = [...(seen.get(fn) ?? [])].filter((x) => x.startsWith(`${table} `)).map((x) => x.slice(table.length + 1));
      if (access !== 'write' && !used.some((x) => !isWrite(x))) unused.push(`${fn}: reads of ${table} granted, none made`);
      if (access !== 'read' && !used.some(isWrite)) unused.push(`${fn}: writes to ${table} granted, none made`);
    }
  }
  // Every PartiQL grant is used: each verb wiring grants was seen in a statement on that table.
  for (const fn of Object.keys(FUNCTIONS) as FunctionKey[]) {
    for (const entry of partiqlOf(fn)) if (!seen.get(fn)?.has(entry)) unused.push(`${fn}: ${entry} granted, not used`);
  }
  expect(unused).toEqual([]);

  // S3: every action made is granted on its prefix, and every grant is used.
  const grantedS3 = (fn: FunctionKey) =>
    new Set(((FUNCTIONS[fn] as { uploads?: { actions: string[]; prefixes: string[] }[] }).uploads ?? []).flatMap((g) => g.actions.flatMap((x) => g.prefixes.map((p) => `uploads s3:${x} ${p}`))));
  const s3Seen = (fn: FunctionKey) => [...(seen.get(fn) ?? [])].filter((x) => x.startsWith('uploads '));
  const s3Denied = (Object.keys(FUNCTIONS) as FunctionKey[]).flatMap((fn) => s3Seen(fn).filter((x) => !grantedS3(fn).has(x)).map((x) => `${fn}: ${x}`));
  expect(s3Denied).toEqual([]);
  const s3Unused = (Object.keys(FUNCTIONS) as FunctionKey[]).flatMap((fn) => [...grantedS3(fn)].filter((x) => !s3Seen(fn).includes(x)).map((x) => `${fn}: ${x} granted, not used`));
  expect(s3Unused).toEqual([]);
});

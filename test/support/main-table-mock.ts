import type { Message } from '../../lambdas/contract/messages';
/**
 * For adapter and handler tests with a mocked DynamoDB document client (aws-sdk-client-mock): how a chat message's
 * requests are read back — transaction items by kind and key (never by position), the claim+rate PartiQL batch by
 * statement text — and DynamoDB's answers to them (cancellation reasons in request order, batch statement errors).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { BatchExecuteStatementCommandInput as RawBatchInput } from '@aws-sdk/client-dynamodb';
import type { GetCommandInput, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * A PartiQL batch as sendMessage sends it (claim.ts: the client's own BatchExecuteStatementCommand, parameters in
 * DynamoDB's wire shape), with its parameters read back as plain strings and numbers.
 */
type BatchExecuteStatementCommandInput = {
  Statements?: Array<{ Statement?: string; Parameters?: Array<string | number>; ReturnValuesOnConditionCheckFailure?: string }>;
};
const plain = (input: RawBatchInput): BatchExecuteStatementCommandInput => ({
  Statements: (input.Statements ?? []).map((st) => ({
    ...st,
    Parameters: (st.Parameters ?? []).map((p) => (p.N !== undefined ? Number(p.N) : (p.S as string))),
  })),
});
export { plain as plainBatch };
import { marshall } from '@aws-sdk/util-dynamodb';

export type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type Row = Record<string, unknown>;

/** An item's kind and key, e.g. `Put CONV#alice#bob|MSG#01…` or `Update PAIR#alice#bob|PAIR`. */
export function keyOf(i: TxItem): string {
  const [kind, body] = Object.entries(i)[0] as [string, { Key?: Row; Item?: Row }];
  const key = body.Key ?? body.Item ?? {};
  return `${kind} ${String(key.pk)}|${String(key.sk)}`;
}
export const at = (key: string) => (i: TxItem) => keyOf(i) === key;
export const startingWith = (prefix: string) => (i: TxItem) => keyOf(i).startsWith(prefix);

/** The one item of `items` with this kind and key. */
export function only(items: TxItem[], key: string): TxItem {
  const found = items.filter((i) => keyOf(i) === key);
  if (found.length !== 1) throw new Error(`expected one ${key} in [${items.map(keyOf).join(', ')}], found ${found.length}`);
  return found[0];
}

/**
 * DynamoDB's answer when the items matching `fails` fail with `code`: one reason per item of the request, in its
 * order (as DynamoDB answers), the old item (wire shape) where given.
 */
export function cancelWhere(fails: (i: TxItem) => boolean, old?: Row, code = 'ConditionalCheckFailed') {
  return (input: TransactWriteCommandInput) => {
    throw new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: (input.TransactItems ?? []).map((i) =>
        fails(i) ? { Code: code, ...(old ? { Item: marshall(old, { removeUndefinedValues: true }) as never } : {}) } : { Code: 'None' },
      ),
    });
  };
}

/**
 * The answer to sendMessage's PartiQL batches (claim.ts), statement by statement as DynamoDB answers them — async,
 * like the SDK. The claim INSERT: `claim: 'taken'` — the key exists (DuplicateItem). The rate UPDATE (either branch,
 * idle or busy, its condition evaluated from its parameters): `rate: 'counted'` (default) — it succeeds;
 * `rate: { sendTat }` — the sender's profile holds this rate state (none: no `sendTat` yet, which the idle branch
 * takes), a failed condition returning the old item; `rate: 'no profile'` — it fails with no old item. The release's
 * DELETE and give-back UPDATE succeed.
 */
export function claimBatch(o: { claim?: 'new' | 'taken'; rate?: 'counted' | 'no profile' | { sendTat?: number } } = {}) {
  const failed = (item?: Row) => ({ Error: { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(item ? { Item: item } : {}) } });
  return async (raw: RawBatchInput) => ({
    Responses: (plain(raw).Statements ?? []).map((s) => {
      const text = s.Statement ?? '';
      if (/^INSERT INTO /.test(text)) return o.claim === 'taken' ? { Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table' } } : {};
      if (!/^UPDATE .* SET sendTat = (\?|sendTat \+ \?) /.test(text) || o.rate === undefined || o.rate === 'counted') return {};
      if (o.rate === 'no profile') return failed();
      const tat = o.rate.sendTat;
      const p = (s.Parameters ?? []) as number[];
      // idle: [next, pk, sk, now] — sendTat IS MISSING OR sendTat <= now; busy: [step, pk, sk, now, limit] — now < sendTat <= limit.
      const ok = / IS MISSING /.test(text) ? tat === undefined || tat <= p[3] : tat !== undefined && tat > p[3] && tat <= p[4];
      return ok ? {} : failed(marshall({ pk: p[1], sk: p[2], ...(tat !== undefined ? { sendTat: tat } : {}) }) as Row);
    }),
  });
}

/** A batch's statements by verb (by their text, never their position). */
export function statementsOf(raw: RawBatchInput) {
  const all = plain(raw).Statements ?? [];
  return {
    inserts: all.filter((s) => /^INSERT INTO /.test(s.Statement ?? '')),
    updates: all.filter((s) => /^UPDATE /.test(s.Statement ?? '')),
    deletes: all.filter((s) => /^DELETE FROM /.test(s.Statement ?? '')),
    count: all.length,
  };
}

/**
 * What a release batch (claim.ts `release`, after a refusal or a resend) holds: the claim's DELETE, only while it
 * holds the message id `id` (this frame's claim), and the rate hit given back (`sendTat` down one interval of `stepMs`).
 */
export function releaseStatements(table: string, o: { claim?: { pk: string; sk: string; id: string }; refund?: { userId: string; stepMs: number } }) {
  return [
    ...(o.claim ? [{ Statement: `DELETE FROM "${table}" WHERE pk = ? AND sk = ? AND id = ?`, Parameters: [o.claim.pk, o.claim.sk, o.claim.id] }] : []),
    ...(o.refund ? [{ Statement: `UPDATE "${table}" SET sendTat = sendTat - ? WHERE pk = ? AND sk = ?`, Parameters: [o.refund.stepMs, `USER#${o.refund.userId}`, 'PROFILE'] }] : []),
  ];
}
/** Whether a batch is a release (its statements the claim DELETE and/or the give-back UPDATE). */
export const isRelease = (raw: RawBatchInput) =>
  (raw.Statements ?? []).every((s) => /^DELETE FROM /.test(s.Statement ?? '') || / SET sendTat = sendTat - \? /.test(s.Statement ?? ''));

/** GetItem answered from `rows` by `pk|sk` (absent: no item). */
export function getFrom(rows: Record<string, Row>) {
  return (input: GetCommandInput) => {
    const k = input.Key as { pk: string; sk: string };
    const item = rows[`${k.pk}|${k.sk}`];
    return item ? { Item: item } : {};
  };
}

/**
 * What an Update item writes, by attribute name (placeholders resolved): `set` and `add` values, `remove` names.
 * Enough for Parley's update expressions (`SET a = :x, #b = :y ADD #c :z REMOVE d`), whose values are all placeholders.
 */
export function writesOf(u: { UpdateExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Row } | undefined) {
  const names = u?.ExpressionAttributeNames ?? {};
  const values = u?.ExpressionAttributeValues ?? {};
  const name = (n: string) => names[n] ?? n;
  const value = (v: string) => (v.startsWith(':') ? values[v] : v);
  const clauses: Record<string, string> = {};
  for (const m of String(u?.UpdateExpression ?? '').matchAll(/\b(SET|ADD|REMOVE|DELETE)\s+(.*?)(?=\s+(?:SET|ADD|REMOVE|DELETE)\s|$)/gs)) clauses[m[1]] = m[2];
  const set: Row = {};
  const add: Row = {};
  for (const part of (clauses.SET ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [attr, expr] = part.split(/\s*=\s*/);
    set[name(attr)] = value(expr.trim());
  }
  for (const part of (clauses.ADD ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [attr, v] = part.split(/\s+/);
    add[name(attr)] = value(v);
  }
  const remove = (clauses.REMOVE ?? '').split(',').map((p) => name(p.trim())).filter(Boolean);
  return { set, add, remove };
}

/** alice's chat message "hi bob" under clientMessageId c-1, as the domain hands it to the store (override any field). */
export const aliceToBob = (over: Partial<Message> = {}): Message => ({
  id: '01JBBBBBBBBBBBBBBBBBBBBBBB',
  fromUserId: 'alice',
  toUserId: 'bob',
  messageType: 'CHAT',
  content: 'hi bob',
  metadata: null,
  isRead: false,
  createdAt: '2026-11-24T10:00:00.000Z',
  clientMessageId: 'c-1',
  ...over,
});

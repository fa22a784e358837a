/**
 * Consumed capacity (bench/lib/calls.ts): a middleware on the handlers' own DynamoDB client that asks for and sums
 * the capacity every command consumed, beside the write units AWS would bill for the same requests.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { TABLES } from '../../lib/wiring';
import { statementsOf } from './partiql';

interface Meter {
  rcu: number;
  wcu: number;
  wcuIndexes: number;
  wruBilled: number;
  reset(): void;
}

let meter: Meter | undefined;

type Input = Record<string, unknown>;

/**
 * Whether a request writes: PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems, and a
 * BatchExecuteStatement / ExecuteStatement of INSERT, UPDATE or DELETE statements (AWS refuses a batch that mixes
 * reads and writes; a SELECT-only batch is a read).
 */
export function isWriteRequest(commandName: string, input: Input): boolean {
  if (/^(Batch)?ExecuteStatement/.test(commandName)) return statementsOf(input).some((s) => s.parsed.verb !== undefined && s.parsed.verb !== 'SELECT');
  return /Put|Update|Delete|BatchWrite|TransactWrite/.test(commandName);
}

/**
 * The least read units AWS bills a read request, whatever DynamoDB Local reports: 1 strongly consistent or 0.5
 * eventually consistent (even when nothing is found); for a batch of PartiQL SELECTs, that per statement.
 */
export function billedReadFloor(commandName: string, input: Input): number {
  if (/^(Batch)?ExecuteStatement/.test(commandName)) return statementsOf(input).reduce((n, s) => n + (s.consistentRead ? 1 : 0.5), 0);
  return input.ConsistentRead ? 1 : 0.5;
}

/**
 * Billable base-table write request units of one write request by AWS's rules (items <= 1 KB). A PartiQL
 * BatchExecuteStatement is billed as the single writes it holds: 1 per INSERT, UPDATE or DELETE statement.
 */
export function billedTableWrites(commandName: string, input: Input): number {
  if (/^TransactWrite/.test(commandName)) return 2 * ((input.TransactItems as unknown[] | undefined)?.length ?? 0);
  if (/^(Batch)?ExecuteStatement/.test(commandName)) return statementsOf(input).filter((s) => s.parsed.verb !== undefined && s.parsed.verb !== 'SELECT').length;
  if (/^BatchWrite/.test(commandName)) {
    return Object.values((input.RequestItems as Record<string, unknown[]> | undefined) ?? {}).reduce((n, reqs) => n + reqs.length, 0);
  }
  return 1;
}

/** Index key attributes of each table (wiring), matched by the physical table name's suffix. */
function indexKeysOf(tableName: string): string[][] {
  const def = Object.values(TABLES).find((t) => tableName === t.id || tableName.endsWith(`-${t.id}`));
  return (def?.globalSecondaryIndexes ?? []).map((g) => [g.partitionKey.name, ...(g.sortKey ? [g.sortKey.name] : [])]);
}

/**
 * Global secondary index writes of one write item, estimated from the request: a Put of an item carrying an
 * index's keys writes 1 index entry; an Update that SETs an index key rewrites the entry (2: delete + put); one that
 * REMOVEs it deletes the entry (1). PartiQL statements the same way: an INSERT as a Put of its VALUE's keys, an UPDATE
 * by the names it SETs / REMOVEs (bench/lib/partiql.ts). Deletes are not counted (Parley deletes only connection rows, which no index
 * holds; a deleted message is an Update). Updates that change
 * only projected attributes of an indexed item (e.g. a conversation row's unread counter) are not seen: a slight
 * under-estimate, stated in docs/PERFORMANCE.md.
 */
function indexWritesOfItem(kind: string, body: Input): number {
  const keys = indexKeysOf(String(body.TableName ?? ''));
  if (kind === 'PartiQL') {
    const { set = [], removed = [] } = body as { set?: string[]; removed?: string[] };
    return keys.reduce((n, k) => n + (k.some((a) => set.includes(a)) ? 2 : k.some((a) => removed.includes(a)) ? 1 : 0), 0);
  }
  if (kind === 'Put') {
    const item = (body.Item ?? {}) as Input;
    return keys.filter((k) => k[0] in item).length;
  }
  if (kind === 'Update') {
    const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const expr = String(body.UpdateExpression ?? '').replace(/#\w+/g, (n) => names[n] ?? n);
    const set = /SET\s(.*?)(?:\s(?:REMOVE|ADD|DELETE)\s|$)/s.exec(expr)?.[1] ?? '';
    const remove = /REMOVE\s(.*?)(?:\s(?:SET|ADD|DELETE)\s|$)/s.exec(expr)?.[1] ?? '';
    const mentions = (part: string, attr: string) => new RegExp(`(^|[\\s,])${attr}\\s*(=|,|$)`).test(part);
    return keys.reduce((n, k) => n + (k.some((a) => mentions(set, a)) ? 2 : k.some((a) => mentions(remove, a)) ? 1 : 0), 0);
  }
  return 0;
}

export function billedIndexWrites(commandName: string, input: Input): number {
  if (/^TransactWrite/.test(commandName)) {
    return ((input.TransactItems as Input[] | undefined) ?? []).reduce((n, item) => {
      const [kind, body] = Object.entries(item)[0] ?? [];
      return n + (kind ? indexWritesOfItem(kind, body as Input) : 0);
    }, 0);
  }
  if (/^BatchWrite/.test(commandName)) {
    let n = 0;
    for (const [table, reqs] of Object.entries((input.RequestItems as Record<string, Input[]> | undefined) ?? {})) {
      for (const r of reqs) if (r.PutRequest) n += indexWritesOfItem('Put', { TableName: table, ...(r.PutRequest as Input) });
    }
    return n;
  }
  if (/^(Batch)?ExecuteStatement/.test(commandName)) {
    return statementsOf(input).reduce((n, { parsed: st }) => {
      if (st.verb === 'INSERT') return n + indexWritesOfItem('Put', { TableName: st.table, Item: Object.fromEntries(st.inserted.map((k) => [k, true])) });
      if (st.verb === 'UPDATE') return n + indexWritesOfItem('PartiQL', { TableName: st.table, set: st.set, removed: st.removed });
      return n;
    }, 0);
  }
  const kind = /^(Put|Update|Delete)/.exec(commandName)?.[1];
  return kind ? indexWritesOfItem(kind, input) : 0;
}

/**
 * Installs (once per process) the capacity middleware on the handlers' DynamoDB client. Must run after the stack
 * has set the handlers' environment. The document client shares its middleware stack with the base client.
 */
export async function capacityMeter(): Promise<Meter> {
  if (meter) return meter;
  const { documentClient } = await import('../../lambdas/adapters/dynamo/client');
  const m: Meter = {
    rcu: 0,
    wcu: 0,
    wcuIndexes: 0,
    wruBilled: 0,
    reset() {
      m.rcu = 0;
      m.wcu = 0;
      m.wcuIndexes = 0;
      m.wruBilled = 0;
    },
  };
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const out = await next(args);
      const raw = (out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
      const name = context.commandName ?? '';
      const op = name.replace(/Command$/, '');
      const isWrite = isWriteRequest(op, input);
      let indexUnits = 0;
      let units = 0;
      for (const c of [raw ?? []].flat()) {
        units += c.CapacityUnits ?? (c.ReadCapacityUnits ?? 0) + (c.WriteCapacityUnits ?? 0);
        for (const gsi of Object.values(c.GlobalSecondaryIndexes ?? {})) indexUnits += gsi.CapacityUnits ?? 0;
      }
      if (isWrite) {
        m.wcu += units;
        m.wcuIndexes += indexUnits;
        // A transaction writes each of its items twice (prepare, commit); its index entries are propagated after the
        // commit as ordinary index writes ("Capacity management for transactions" / "Once a transaction completes …
        // its changes start propagating to global secondary indexes", transaction-apis.html). DynamoDB Local doubles
        // those too: halved here, so its figure still counts index entries over 1 KB, not the doubling.
        const localIndex = /^TransactWrite/.test(op) ? indexUnits / 2 : indexUnits;
        m.wruBilled += billedTableWrites(op, input) + Math.max(localIndex, billedIndexWrites(op, input));
      } else {
        m.rcu += Math.max(units, billedReadFloor(op, input));
      }
      return out;
    },
    { step: 'initialize', name: 'parleyBenchCapacityMeter', override: true },
  );
  meter = m;
  return m;
}

/**
 * Raw clients for the security and fault tests: a WebSocket handshake with any token/Origin (reporting the HTTP
 * status of a refusal), a REST call with any Authorization header, and direct DynamoDB access to the stack's tables
 * (to prove "nothing stored" and to plant rows a lost $disconnect would leave behind).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import WebSocket from 'ws';
import { testDynamoCredentials } from './dynamo-credentials';

export type HandshakeResult = { status: number; body: string } | { status: 101; socket: WebSocket };

/** Open `wsUrl` with `?token=` (omitted when undefined) and an optional Origin; resolves with the outcome. */
export function tryHandshake(wsUrl: string, token: string | undefined, origin?: string): Promise<HandshakeResult> {
  const url = token === undefined ? wsUrl : `${wsUrl}?token=${encodeURIComponent(token)}`;
  const socket = new WebSocket(url, origin ? { origin } : {});
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    socket.once('error', (err) => reject(err));
  });
}

/** The handshake status; an accepted socket is closed at once. */
export async function handshakeStatus(wsUrl: string, token: string | undefined, origin?: string): Promise<number> {
  const r = await tryHandshake(wsUrl, token, origin);
  if ('socket' in r) {
    r.socket.close(1000);
    await new Promise((resolve) => r.socket.once('close', resolve));
  }
  return r.status;
}

/** REST call with an arbitrary Authorization header (or none). */
export async function rawRest(
  baseUrl: string,
  method: string,
  path: string,
  authorization?: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(authorization === undefined ? {} : { authorization }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text || undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep text */
  }
  return { status: res.status, body: parsed };
}

/** A document client on the stack's DynamoDB (direct, not through the handlers). */
export function tableClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: testDynamoCredentials() }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

/** Every item of one partition (follows pages). */
export async function partition(db: DynamoDBDocumentClient, table: string, keyName: string, keyValue: string, extra: Partial<QueryCommandInput> = {}) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': keyName },
        ExpressionAttributeValues: { ':v': keyValue },
        ConsistentRead: extra.IndexName ? undefined : true,
        ...extra,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...((out.Items ?? []) as Record<string, unknown>[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Plant a connection row as $connect would have written it (e.g. one whose $disconnect was lost). */
export async function plantConnection(db: DynamoDBDocumentClient, table: string, userId: string, connectionId: string, expiresAt: number) {
  // The user's connection item (docs/DATA.md): one attribute per connection; the item's TTL is not touched.
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: { userId, connectionId: '#SET' },
      UpdateExpression: 'SET #c = :v',
      ExpressionAttributeNames: { '#c': `c:${connectionId}` },
      ExpressionAttributeValues: { ':v': { connectedAt: Date.now() - 3_600_000, expiresAt } },
    }),
  );
}

/** Every connection a user's item holds, expired or not, as rows: userId, connectionId, connectedAt, expiresAt. */
export async function connectionRows(db: DynamoDBDocumentClient, table: string, userId: string) {
  const out = await db.send(new GetCommand({ TableName: table, Key: { userId, connectionId: '#SET' }, ConsistentRead: true }));
  return Object.entries(out.Item ?? {})
    .filter(([name]) => name.startsWith('c:'))
    .map(([name, v]) => ({ userId, connectionId: name.slice(2), ...(v as { connectedAt: number; expiresAt: number }) }));
}

/** The conversation partition key for two users (sorted pair), as docs/DATA.md describes. */
export const convPk = (a: string, b: string) => (a < b ? `CONV#${a}#${b}` : `CONV#${b}#${a}`);

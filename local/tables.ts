/**
 * Tables from lib/wiring.ts (keys, GSIs with projections, TTL), created with the stock client. Idempotent: a
 * table that exists is left alone (its TTL setting is still ensured).
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDef, type TableKey } from '../lib/wiring';

export const DEFAULT_TABLE_PREFIX = 'parley-';

export type TableNames = Record<TableKey, string>;

export function tableNames(prefix = DEFAULT_TABLE_PREFIX): TableNames {
  return Object.fromEntries(Object.entries(TABLES).map(([key, def]) => [key, `${prefix}${def.id}`])) as TableNames;
}

/** The CreateTable input for a wiring table (on-demand billing, like the cloud stack). */
export function createTableInput(def: TableDef, name: string): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const add = (k: { name: string; type: 'S' | 'N' }) => attributes.set(k.name, { AttributeName: k.name, AttributeType: k.type });
  add(def.partitionKey);
  add(def.sortKey);
  for (const gsi of def.globalSecondaryIndexes) {
    add(gsi.partitionKey);
    if (gsi.sortKey) add(gsi.sortKey);
  }
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
    ],
    ...(def.globalSecondaryIndexes.length
      ? {
          GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((gsi) => ({
            IndexName: gsi.indexName,
            KeySchema: [
              { AttributeName: gsi.partitionKey.name, KeyType: 'HASH' as const },
              ...(gsi.sortKey ? [{ AttributeName: gsi.sortKey.name, KeyType: 'RANGE' as const }] : []),
            ],
            Projection: { ProjectionType: gsi.projection },
          })),
        }
      : {}),
  };
}

async function ensureTtl(client: DynamoDBClient, def: TableDef, name: string): Promise<void> {
  if (!def.ttlAttribute) return;
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  if ((status === 'ENABLED' || status === 'ENABLING') && current.TimeToLiveDescription?.AttributeName === def.ttlAttribute) return;
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true } }),
  );
}

/** Create every wiring table that doesn't exist yet. Returns the physical names and which were created. */
export async function ensureTables(client: DynamoDBClient, prefix = DEFAULT_TABLE_PREFIX): Promise<{ names: TableNames; created: string[] }> {
  const names = tableNames(prefix);
  const created: string[] = [];
  await Promise.all(
    (Object.keys(TABLES) as TableKey[]).map(async (key) => {
      const def = TABLES[key];
      try {
        await client.send(new CreateTableCommand(createTableInput(def, names[key])));
        created.push(names[key]);
      } catch (err) {
        if (!(err instanceof ResourceInUseException)) throw err;
      }
      await ensureTtl(client, def, names[key]);
    }),
  );
  return { names, created };
}

/** Delete the tables of a prefix (test clean-up). Missing tables are fine. */
export async function dropTables(client: DynamoDBClient, prefix: string): Promise<void> {
  const names = tableNames(prefix);
  await Promise.all(
    Object.values(names).map((TableName) =>
      client.send(new DeleteTableCommand({ TableName })).catch((err) => {
        if (!(err instanceof ResourceNotFoundException)) throw err;
      }),
    ),
  );
}

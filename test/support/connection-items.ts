/**
 * For adapter tests with a mocked DynamoDB client: the connections table's answer to a BatchGetItem — each asked
 * user's item (`userId` / `#SET`) holding the connections given for them, one `c:<id>` attribute each (docs/DATA.md).
 */
import type { BatchGetCommandInput } from '@aws-sdk/lib-dynamodb';

export interface PlantedConnection {
  id: string;
  connectedAt: number;
  expiresAt: number;
}

export const FAR_EXPIRY = Math.floor(Date.now() / 1000) + 3600;

export function connectionItems(table: string | undefined, conns: (user: string) => PlantedConnection[]) {
  return (input: BatchGetCommandInput) => {
    const keys = (input.RequestItems?.[table as string]?.Keys ?? []) as Array<{ userId: string }>;
    const items = keys.map((k) => ({
      userId: k.userId,
      connectionId: '#SET',
      ...Object.fromEntries(conns(k.userId).map((c) => [`c:${c.id}`, { connectedAt: c.connectedAt, expiresAt: c.expiresAt }])),
    }));
    return { Responses: { [table as string]: items } };
  };
}

/** Connections by id only (connected long ago, live for an hour). */
export const liveIds = (ids: string[]): PlantedConnection[] => ids.map((id) => ({ id, connectedAt: 1, expiresAt: FAR_EXPIRY }));

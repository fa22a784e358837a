/** State shared by globalSetup and globalTeardown (same jest parent process, so globalThis is shared). */
import type { DynamoLocal } from '../../local/dynamo';

export interface SharedDynamo {
  current?: { dynamo: DynamoLocal; runId: string; refs: number };
}

const KEY = Symbol.for('parley.test.sharedDynamo');

export function sharedDynamo(): SharedDynamo {
  const g = globalThis as unknown as Record<symbol, SharedDynamo | undefined>;
  return (g[KEY] ??= {});
}

/**
 * `npm run events:schemas` — writes docs/events/<DetailType>.schema.json, the JSON Schema (draft-07) of each event
 * detail, generated from the valibot schemas the handler validates with (lambdas/contract/events.ts), so the
 * published schemas cannot drift from what Parley accepts. test/unit/event-json-schemas.test.ts regenerates them in
 * memory and fails when the committed files are stale.
 *
 * A dev tool: @valibot/to-json-schema is a devDependency and never reaches a Lambda bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import { EVENT_DETAIL_TYPES, type EventDetailType } from '../lambdas/contract/event-types';
import { eventDetailSchemas, priceAmount } from '../lambdas/contract/events';
import { EVENT_LIMITS } from '../lambdas/contract/limits';

export const EVENT_SCHEMA_DIR = path.join(__dirname, '..', 'docs', 'events');

/** What each event does (CONTRACT.md "Events"), carried into the schema's description. */
export const EVENT_EFFECTS: Record<EventDetailType, string> = {
  AchievementUnlocked: 'A SYSTEM_ACHIEVEMENT notification to userId.',
  WorkPurchased: 'A SYSTEM_PURCHASE notification to sellerId.',
  UserFollowed: 'A SYSTEM_FOLLOW notification to userId.',
  FriendshipCreated: 'The two users become friends; a SYSTEM_FRIEND notification and a friendship frame to both.',
  FriendshipRemoved: 'The two users are no longer friends; no notification, a friendship "removed" frame to both.',
  TaskNotification: 'A SYSTEM_TASK notification to each listed user (1-1000).',
};

const COMMON =
  'Fields not named here are accepted and dropped (never stored). A string over its maxLength makes the event invalid: ' +
  'it is dead-lettered with the reason, and nobody is notified.';

export function eventJsonSchema(type: EventDetailType): JsonSchema {
  const schema = toJsonSchema(eventDetailSchemas[type], {
    errorMode: 'throw',
    // The amount is a valibot custom check (smaller in the bundle than a union); say in JSON Schema what it checks.
    overrideSchema: ({ valibotSchema }) =>
      valibotSchema === priceAmount ? { anyOf: [{ type: 'number' }, { type: 'string', minLength: 1, maxLength: EVENT_LIMITS.amount }] } : undefined,
  });
  // The handler refuses a pair naming one user twice (a check in code, not in the valibot schema): publish it too.
  if (type === 'FriendshipCreated' || type === 'FriendshipRemoved') {
    const userIds = schema.properties?.userIds;
    if (userIds && typeof userIds === 'object') userIds.uniqueItems = true;
  }
  const { $schema, ...rest } = schema;
  return { $schema, title: type, description: `Detail of the EventBridge detail-type "${type}". ${EVENT_EFFECTS[type]} ${COMMON}`, ...rest };
}

/** File name → content, exactly as committed. */
export function eventSchemaFiles(): Map<string, string> {
  return new Map(EVENT_DETAIL_TYPES.map((type) => [`${type}.schema.json`, `${JSON.stringify(eventJsonSchema(type), null, 2)}\n`]));
}

if (require.main === module) {
  fs.mkdirSync(EVENT_SCHEMA_DIR, { recursive: true });
  for (const [name, text] of eventSchemaFiles()) {
    fs.writeFileSync(path.join(EVENT_SCHEMA_DIR, name), text);
    process.stdout.write(`wrote docs/events/${name}\n`);
  }
}

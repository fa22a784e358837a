/**
 * The published event contract (docs/events/): the committed JSON Schemas are what `npm run events:schemas`
 * generates from the handler's valibot schemas today, and the examples mean what they say — each valid one is
 * accepted by the handler's schema and by the committed JSON Schema, each invalid one is refused by both, the handler
 * with the reason below. A publisher who validates with the JSON Schema gets the handler's verdict.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import type * as v from 'valibot';
import { EVENT_DETAIL_TYPES, type EventDetailType } from '../../lambdas/contract/event-types';
import { eventDetailSchemas } from '../../lambdas/contract/events';
import { check } from '../../lambdas/contract/validate';
import { EVENT_SCHEMA_DIR, eventSchemaFiles } from '../../local/event-schemas';

const EXAMPLES = path.join(EVENT_SCHEMA_DIR, 'examples');
const examples = (kind: 'valid' | 'invalid') =>
  fs
    .readdirSync(path.join(EXAMPLES, kind))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, type: file.split('.')[0] as EventDetailType, detail: JSON.parse(fs.readFileSync(path.join(EXAMPLES, kind, file), 'utf8')) as unknown }));

/** Each invalid example's reason, as the handler gives it (and as a dead letter carries it, after the detail-type). */
const REASONS: Record<string, string> = {
  'AchievementUnlocked.missing-userId.json': '"userId" is required',
  'AchievementUnlocked.name-too-long.json': '"achievement.name" must have at most 100 characters',
  'FriendshipCreated.one-user.json': '"userIds" must have exactly 2 items',
  'TaskNotification.content-too-long.json': '"content" must have at most 1000 characters',
  'TaskNotification.no-recipients.json': '"userIds" must have at least 1 items',
  'UserFollowed.bad-user-id.json': '"userId" has an invalid format',
  'WorkPurchased.missing-currency.json': '"price.currency" is required',
};

/** The handler's check (lambdas/events/notify.ts) of one detail-type. */
const handlerCheck = (type: EventDetailType, detail: unknown) => check(eventDetailSchemas[type] as v.GenericSchema<unknown, unknown>, detail);

const ajv = new Ajv({ allErrors: true });
const committed = (type: EventDetailType) => ajv.compile(JSON.parse(fs.readFileSync(path.join(EVENT_SCHEMA_DIR, `${type}.schema.json`), 'utf8')));

describe('docs/events JSON Schemas', () => {
  it('are current: regenerating them from the valibot schemas gives the committed files (else run npm run events:schemas)', () => {
    const generated = eventSchemaFiles();
    const onDisk = fs.readdirSync(EVENT_SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort();

    expect(onDisk).toEqual([...generated.keys()].sort());
    for (const [name, text] of generated) expect(`${name}\n${fs.readFileSync(path.join(EVENT_SCHEMA_DIR, name), 'utf8')}`).toBe(`${name}\n${text}`);
  });

  it('cover the six detail-types', () => {
    expect([...eventSchemaFiles().keys()]).toEqual(EVENT_DETAIL_TYPES.map((t) => `${t}.schema.json`));
  });
});

describe('docs/events examples', () => {
  const valid = examples('valid');
  const invalid = examples('invalid');

  it('has a valid example of every detail-type and an expected reason for every invalid one', () => {
    expect(new Set(valid.map((e) => e.type))).toEqual(new Set(EVENT_DETAIL_TYPES));
    expect(invalid.map((e) => e.file)).toEqual(Object.keys(REASONS).sort());
  });

  it.each(valid.map((e) => [e.file, e] as const))('valid/%s is accepted by the handler and by the JSON Schema', (_f, { type, detail }) => {
    expect(handlerCheck(type, detail)).toMatchObject({ success: true });
    const validate = committed(type);
    expect(validate(detail) ? 'valid' : ajv.errorsText(validate.errors)).toBe('valid');
  });

  it.each(invalid.map((e) => [e.file, e] as const))('invalid/%s is refused by the handler with its reason, and by the JSON Schema', (file, { type, detail }) => {
    expect(handlerCheck(type, detail)).toEqual({ success: false, reason: REASONS[file] });
    expect(committed(type)(detail)).toBe(false);
  });

  it('the handler keeps only contract fields of the extra-fields example', () => {
    const extra = valid.find((e) => e.file === 'AchievementUnlocked.extra-fields.json');
    expect(handlerCheck('AchievementUnlocked', extra?.detail)).toEqual({
      success: true,
      data: { userId: 'bob', achievement: { id: 'first-chat', name: 'First chat' } },
    });
  });
});

describe('docs/EVENTS.md', () => {
  const doc = fs.readFileSync(path.join(EVENT_SCHEMA_DIR, '..', 'EVENTS.md'), 'utf8');

  it('has a row for each detail-type linking its schema and a valid example', () => {
    for (const type of EVENT_DETAIL_TYPES) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${type}\` |`));
      expect(row).toContain(`(events/${type}.schema.json)`);
      expect(row).toContain(`(events/examples/valid/${type}.json)`);
    }
  });

  it('links only files that exist', () => {
    const links = [...doc.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]).filter((l) => !/^https?:/.test(l));
    expect(links.length).toBeGreaterThan(12);
    expect(links.filter((l) => !fs.existsSync(path.join(EVENT_SCHEMA_DIR, '..', l)))).toEqual([]);
  });
});

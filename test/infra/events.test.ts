/**
 * Issue #13's cloud half: the synthesized stack holds the schema registry with the six detail schemas (as
 * JSONSchemaDraft4 content the registry accepts, from the committed docs/events files), the bus archive, the catch-all
 * rule that dead-letters unknown detail-types with the reason, and its alarm.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { draft4 } from '../../lib/notifications';
import { EVENT_DETAIL_TYPES } from '../../lib/wiring';
import { cfn, logicalIdOf, removeTemporaryDirs, resourcesOfType, synth, type Synthesized } from './support';

let s: Synthesized;
beforeAll(() => {
  s = synth({ webBuildDir: '/nonexistent', alarmEmail: 'ops@example.com', eventArchiveDays: '14' });
});
afterAll(removeTemporaryDirs);

const NEWER_THAN_DRAFT4 = /"(const|contains|propertyNames|examples|if|then|else|\$comment|readOnly|writeOnly)":/;

test('a schema registry with the six detail schemas, each the committed schema as draft-04', () => {
  const [registryId] = resourcesOfType(s, 'AWS::EventSchemas::Registry')[0];
  const schemas = resourcesOfType(s, 'AWS::EventSchemas::Schema');
  expect(schemas.map(([, r]) => r.Properties.SchemaName).sort()).toEqual(EVENT_DETAIL_TYPES.map((t) => `parley@${t}`).sort());
  for (const [, r] of schemas) {
    expect(r.Properties.Type).toBe('JSONSchemaDraft4');
    expect(cfn(r.Properties.RegistryName)).toContain(registryId);
    const type = String(r.Properties.SchemaName).replace('parley@', '');
    const committed = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../docs/events', `${type}.schema.json`), 'utf8'));
    expect(JSON.parse(r.Properties.Content)).toEqual(draft4(committed));
    expect(r.Properties.Content).toContain('"$schema":"http://json-schema.org/draft-04/schema#"');
    expect(r.Properties.Content).not.toMatch(NEWER_THAN_DRAFT4);
  }
  expect(s.json.Outputs.SchemaRegistryName).toBeDefined();
});

test('draft4() keeps every constraint a draft-04 validator knows and drops only newer keywords', () => {
  const out = draft4({ $schema: 'x', type: 'object', properties: { const: { type: 'string', maxLength: 3 } }, propertyNames: { pattern: 'a' }, required: ['const'] });
  expect(out).toEqual({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', properties: { const: { type: 'string', maxLength: 3 } }, required: ['const'] });
});

test('an archive of the bus, with the configured retention', () => {
  const archives = resourcesOfType(s, 'AWS::Events::Archive');
  expect(archives).toHaveLength(1);
  const [, archive] = archives[0];
  expect(archive.Properties.RetentionDays).toBe(14);
  expect(cfn(archive.Properties.SourceArn)).toContain(logicalIdOf(s.stack.notifications.bus));
});

test('a catch-all rule sends every detail-type but the six to the dead-letter queue, with the reason', () => {
  const rule = s.json.Resources[logicalIdOf(s.stack.notifications.unknownEventsRule)].Properties;
  expect(rule.EventPattern).toEqual({ 'detail-type': [{ 'anything-but': [...EVENT_DETAIL_TYPES] }] });
  expect(cfn(rule.EventBusName)).toContain(logicalIdOf(s.stack.notifications.bus));
  const [target] = rule.Targets;
  expect(cfn(target.Arn)).toContain(logicalIdOf(s.stack.notifications.deadLetterQueue));
  expect(target.InputTransformer.InputTemplate).toContain('"reason":"no rule matches detail-type <detail-type>; Parley accepts: AchievementUnlocked');
  expect(target.InputTransformer.InputPathsMap).toMatchObject({ 'detail-type': '$.detail-type' });
});

test('an alarm fires on the first unknown detail-type', () => {
  const [, alarm] = resourcesOfType(s, 'AWS::CloudWatch::Alarm').find(([, a]) => String(a.Properties.AlarmName).endsWith('unknown-event-types'))!;
  expect(alarm.Properties).toMatchObject({ Namespace: 'AWS/Events', MetricName: 'TriggeredRules', Threshold: 1 });
  expect(cfn(alarm.Properties.Dimensions)).toContain(logicalIdOf(s.stack.notifications.unknownEventsRule));
  expect(alarm.Properties.AlarmActions).toHaveLength(1);
});

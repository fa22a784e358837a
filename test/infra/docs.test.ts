/**
 * docs/DEPLOY.md is the ops engineer's only source: it must name every context option the app reads, every stack
 * output, and every alarm, and the links the stack itself prints (alarm descriptions, config errors) must resolve.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../lib/config';
import { removeTemporaryDirs, resourcesOfType, synth } from './support';

const DEPLOY = fs.readFileSync(path.resolve(__dirname, '../../docs/DEPLOY.md'), 'utf8');
const headings = DEPLOY.split('\n')
  .filter((l) => /^#{1,3} /.test(l))
  .map((l) => l.replace(/^#+ /, '').trim());
/** GitHub's anchor for a heading. */
const anchor = (h: string) => h.toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

afterAll(removeTemporaryDirs);

/** Every context key parseConfig asks for, in both auth modes. */
function contextKeys(): string[] {
  const asked = new Set<string>();
  const record = (values: Record<string, string>) => (key: string) => {
    asked.add(key);
    return values[key];
  };
  parseConfig(record({}));
  parseConfig(record({ authMode: 'oidc', oidcIssuer: 'https://login.example.com', oidcAudience: 'a' }));
  return [...asked];
}

test('every context option the app reads has a row in "Context options"', () => {
  const section = DEPLOY.slice(DEPLOY.indexOf('## Context options'), DEPLOY.indexOf('### Bring your own OIDC issuer'));
  const keys = contextKeys();
  expect(keys.length).toBeGreaterThan(20);
  expect(keys.filter((k) => !section.includes(`| \`${k}\` |`))).toEqual([]);
});

test('every stack output and every alarm is explained', () => {
  const s = synth({ alarmEmail: 'ops@example.com', webBuildDir: '/nonexistent' });
  const outputs = Object.keys(s.json.Outputs);
  expect(outputs.filter((o) => !DEPLOY.includes(`\`${o}\``))).toEqual([]);

  const alarmSection = DEPLOY.slice(DEPLOY.indexOf('## Alarms'), DEPLOY.indexOf('## Cost'));
  const names = resourcesOfType(s, 'AWS::CloudWatch::Alarm').map(([, a]) =>
    String(a.Properties.AlarmName).replace(/^Parley-prod-/, '').replace(/^\w+-(errors|throttles)$/, '<function>-$1'),
  );
  expect([...new Set(names)].filter((n) => !alarmSection.includes(`\`${n}\``))).toEqual([]);
  // The alarm descriptions point here.
  for (const [, a] of resourcesOfType(s, 'AWS::CloudWatch::Alarm')) expect(a.Properties.AlarmDescription).toContain('docs/DEPLOY.md#alarms');
  expect(headings.map(anchor)).toContain('alarms');
});

test('the sections the code refers to exist', () => {
  expect(headings).toEqual(expect.arrayContaining(['Context options', 'Alarms', 'Cost', 'Teardown', 'Prerequisites']));
});

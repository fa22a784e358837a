/**
 * docs/DEPLOY.md is the ops engineer's only source: it must name every context option the app reads, every stack
 * output and every alarm, and what it tells ops to type must be true of the code — context keys in commands, output
 * names in placeholders, defaults, logical ids to import, npm scripts, links, and the retry numbers it quotes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig, type ParleyConfig } from '../../lib/config';
import { ASYNC_RETRY_ATTEMPTS } from '../../lib/notifications';
import { EVENT_RULES, FUNCTIONS } from '../../lib/wiring';
import { logicalIdOf, removeTemporaryDirs, resourcesOfType, synth, type Synthesized } from './support';

const ROOT = path.resolve(__dirname, '../..');
const DEPLOY = fs.readFileSync(path.join(ROOT, 'docs/DEPLOY.md'), 'utf8');
const headings = DEPLOY.split('\n')
  .filter((l) => /^#{1,3} /.test(l))
  .map((l) => l.replace(/^#+ /, '').trim());
/** GitHub's anchor for a heading. */
const anchor = (h: string) => h.toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
/** The text between a heading and the next heading of the same or a higher level. */
function section(title: string): string {
  const start = DEPLOY.search(new RegExp(`^#+ ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  if (start < 0) throw new Error(`DEPLOY.md has no section "${title}"`);
  const level = DEPLOY.slice(start).match(/^#+/)![0].length;
  const rest = DEPLOY.slice(DEPLOY.indexOf('\n', start) + 1);
  const next = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return next < 0 ? rest : rest.slice(0, next);
}
const codeBlocks = [...DEPLOY.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
/** Where the doc writes a value the operator must fill in from a stack output: `<OutputName>`. */
const NON_OUTPUT_PLACEHOLDERS = ['DetailType', 'Function', 'LogicalResourceId', 'OutputName'];

afterAll(removeTemporaryDirs);

/** Every context key parseConfig asks for, in both auth modes. */
function contextKeys(): string[] {
  const asked = new Set<string>();
  const record = (values: Record<string, string>) => (key: string) => {
    asked.add(key);
    return values[key];
  };
  parseConfig(record({}));
  parseConfig(record({ cognitoSesFromEmail: 'a@example.com' }));
  parseConfig(record({ authMode: 'oidc', oidcIssuer: 'https://login.example.com', oidcAudience: 'a' }));
  return [...asked];
}

let full: Synthesized;
beforeAll(() => {
  full = synth({ alarmEmail: 'ops@example.com', webBuildDir: '/nonexistent' });
});

describe('context options', () => {
  const table = () => DEPLOY.slice(DEPLOY.indexOf('## Context options'), DEPLOY.indexOf('### Bring your own OIDC issuer'));
  const row = (key: string) => table().split('\n').find((l) => l.startsWith(`| \`${key}\` |`));

  test('every context option the app reads has a row in "Context options"', () => {
    const keys = contextKeys();
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((k) => !row(k))).toEqual([]);
  });

  test('every -c key=value the doc tells ops to type, and every cdk.json context key it shows, is a real option', () => {
    const keys = contextKeys();
    const typed = [...DEPLOY.matchAll(/-c ([A-Za-z@][\w:/@-]*)=/g)].map((m) => m[1]);
    expect(typed.length).toBeGreaterThan(10);
    expect([...new Set(typed)].filter((k) => !keys.includes(k))).toEqual([]);
    const contextJson = codeBlocks.find((b) => b.trim().startsWith('"context"'))!;
    const shown = Object.keys(JSON.parse(`{${contextJson}}`).context as object);
    expect(shown.filter((k) => !k.startsWith('@aws-cdk/') && !keys.includes(k))).toEqual([]);
  });

  test("each row's default is the parser's default", () => {
    const defaults = parseConfig(() => undefined);
    const simple = (Object.keys(defaults) as (keyof ParleyConfig)[]).filter(
      (k) => ['string', 'number', 'boolean'].includes(typeof defaults[k]) && row(k) && k !== 'webBuildDir',
    );
    expect(simple.length).toBeGreaterThan(10);
    for (const key of simple) {
      const defaultCell = row(key)!.split(' | ')[1];
      expect([key, defaultCell.match(/`([^`]*)`/)?.[1]]).toEqual([key, String(defaults[key])]);
    }
  });
});

describe('stack outputs', () => {
  const outputTable = () => section('Stack outputs').split('\n').filter((l) => l.startsWith('| `'));
  const documented = () => outputTable().flatMap((l) => [...l.split(' | ')[0].matchAll(/`(\w+)`/g)].map((m) => m[1]));

  test('the outputs table lists exactly the outputs the stack has', () => {
    const oidc = synth({ authMode: 'oidc', oidcIssuer: 'https://login.example.com', oidcAudience: 'a', webBuildDir: '/nonexistent' });
    const outputs = new Set([...Object.keys(full.json.Outputs), ...Object.keys(oidc.json.Outputs)]);
    expect([...outputs].filter((o) => !documented().includes(o))).toEqual([]);
    expect(documented().filter((o) => !outputs.has(o))).toEqual([]);
  });

  test('every <Placeholder> the doc asks ops to fill in is an output (so they know where to find it)', () => {
    const outputs = Object.keys(full.json.Outputs);
    const placeholders = [...new Set([...DEPLOY.matchAll(/<([A-Z][a-z]+(?:[A-Z][a-z]*)*)>/g)].map((m) => m[1]))];
    expect(placeholders.length).toBeGreaterThan(5);
    expect(placeholders.filter((p) => !outputs.includes(p) && !NON_OUTPUT_PLACEHOLDERS.includes(p))).toEqual([]);
  });

  test('the logical ids the doc imports are the Main table and the user pool', () => {
    const importBlock = codeBlocks.find((b) => b.includes('cdk import'))!;
    const mapping = JSON.parse(importBlock.match(/\{[\s\S]*\}\s*\n/)![0]) as Record<string, Record<string, string>>;
    expect(mapping).toEqual({
      [logicalIdOf(full.stack.data.tables.main)]: { TableName: '<MainTableName>' },
      [logicalIdOf(full.stack.auth.userPool!)]: { UserPoolId: '<UserPoolId>' },
    });
    // Kept by `cdk destroy` (an import needs a DeletionPolicy) and independent of the stage.
    for (const id of Object.keys(mapping)) expect(full.json.Resources[id].DeletionPolicy).toBe('Retain');
    const staging = synth({ stage: 'staging', webBuildDir: '/nonexistent' });
    expect([logicalIdOf(staging.stack.data.tables.main), logicalIdOf(staging.stack.auth.userPool!)]).toEqual(Object.keys(mapping));
  });
});

describe('what the doc says the stack does', () => {
  test('every alarm is explained, and the alarm descriptions point at that section', () => {
    const alarmSection = section('Alarms');
    const names = resourcesOfType(full, 'AWS::CloudWatch::Alarm').map(([, a]) =>
      String(a.Properties.AlarmName).replace(/^Parley-prod-/, '').replace(/^\w+-(errors|throttles)$/, '<function>-$1'),
    );
    expect([...new Set(names)].filter((n) => !alarmSection.includes(`\`${n}\``))).toEqual([]);
    for (const [, a] of resourcesOfType(full, 'AWS::CloudWatch::Alarm')) expect(a.Properties.AlarmDescription).toContain('docs/DEPLOY.md#alarms');
    expect(headings.map(anchor)).toContain('alarms');
  });

  test('the retry numbers it quotes are the wiring’s: EventBridge attempts and maximum age, Lambda retries', () => {
    const [rule] = EVENT_RULES;
    const hours = rule.maxEventAgeSeconds / 3600;
    const events = section('Publishing events from your application');
    expect(events).toContain(`${rule.maxRetryAttempts} attempts within ${hours} hour`);
    expect(events).toMatch(new RegExp(`retries it ${['zero', 'once', 'twice'][ASYNC_RETRY_ATTEMPTS]}`));
    expect(events).toContain(`until the event is ${hours} hour old`);
    // Throttled notification events are Lambda's to retry, until they are that old; then the dead-letter queue.
    const throttles = section('Alarms').split('\n').find((l) => l.startsWith('| `<function>-throttles`'))!;
    expect(throttles).toContain(`until they are ${hours} hour old, then go to the dead-letter queue`);
    expect(throttles).not.toMatch(/drains? by itself/);
  });

  test('the function count matches the wiring', () => {
    expect(DEPLOY).toContain(`| functions | ${Object.keys(FUNCTIONS).length} Lambda functions`);
  });

  test('npm scripts it runs exist, and its links resolve', () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts);
    const run = [...DEPLOY.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(run.length).toBeGreaterThan(2);
    expect(run.filter((r) => !scripts.includes(r))).toEqual([]);
    const links = [...DEPLOY.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^https?:/.test(l));
    for (const link of links) {
      const [file, hash] = link.split('#');
      if (file) expect([link, fs.existsSync(path.join(ROOT, 'docs', file))]).toEqual([link, true]);
      if (!file && hash) expect(headings.map(anchor)).toContain(hash);
    }
  });

  test('the sections the code and this doc refer to exist', () => {
    expect(headings).toEqual(
      expect.arrayContaining([
        'Context options', 'Alarms', 'Cost', 'Teardown', 'Prerequisites', 'Rollback', 'UPDATE_ROLLBACK_FAILED',
        'Redeploy with the kept data', 'Restore the Main table to a point in time', 'Several stages in one account', 'E-mail from Cognito',
      ]),
    );
    // Every *Section* / *Section → Subsection* reference in the text names a heading.
    const refs = [...DEPLOY.matchAll(/\(see \*([^*]+)\*\)|see \*([^*]+)\*/g)].map((m) => (m[1] ?? m[2]).split(' → ').pop()!);
    expect(refs.filter((r) => !headings.includes(r))).toEqual([]);
  });
});

/**
 * The stack's life cycle: `npm start`'s own entry point in child processes (data survives a restart with a data
 * folder; SIGTERM and SIGINT stop DynamoDB Local's java too; a clear message without Java), and an in-process
 * stack that starts its own DynamoDB Local, seeds the demo data and leaves no java behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClient, isPidAlive, javaPidsWithEnv } from '../../local/dynamo';
import { REPO_ROOT } from '../../local/functions';
import { startStack, type Stack } from '../../local/stack';

jest.setTimeout(120000);

const TSX_CLI = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const children = new Set<ChildProcess>();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-life-'));

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Started {
  proc: ChildProcess;
  url: string;
  dynamoEndpoint: string;
  exited: Promise<number | null>;
  output: () => string;
}

/** Run local/main.ts the way `npm start` does (tsx), and wait for its banner. */
function startMain(args: string[], env: Record<string, string>): Promise<Started> {
  const proc = spawn(process.execPath, [TSX_CLI, 'local/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', PARLEY_LOG: 'warn', POWERTOOLS_LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60 s:\n${out}`)), 60000);
    const check = () => {
      const url = /Parley is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const dynamo = /DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url && dynamo) {
        clearTimeout(timer);
        resolve({ proc, url, dynamoEndpoint: dynamo, exited, output: () => out });
      }
    };
    proc.stdout?.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before its banner:\n${out}`));
    });
  });
}

/** The key a data folder's DynamoDB Local keeps its tables under (local/dynamo.ts). */
const folderKey = (dir: string) => ({ accessKeyId: fs.readFileSync(path.join(dir, 'access-key'), 'utf8').trim(), secretAccessKey: 'x' });

async function until(condition: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Signal the stack itself (the node process tsx started, java's parent). Not the tsx launcher: it relays a signal
 * only if the child confirms within 30 ms, else SIGKILLs it — on a loaded machine that turned a clean stop into 143.
 */
async function stopWith(started: Started, signal: NodeJS.Signals, javaPids: number[]): Promise<void> {
  if (javaPids.length) process.kill(parentOf(javaPids[0]), signal);
  else started.proc.kill(signal);
  expect(await started.exited).toBe(0);
  for (const pid of javaPids) expect(isPidAlive(pid)).toBe(false);
}

it('keeps data across a restart with a data folder, and SIGTERM / SIGINT stop its java', async () => {
  const mark = randomUUID();
  const dataDir = path.join(tmp, 'data');
  const args = ['--data-dir', dataDir, '--no-seed', '--no-build-web'];

  const first = await startMain(args, { PARLEY_LIFECYCLE_MARK: mark });
  const javaFirst = javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark);
  expect(javaFirst).toHaveLength(1);
  const db = dynamoClient(first.dynamoEndpoint, folderKey(dataDir));
  await db.send(new PutItemCommand({ TableName: 'parley-Main', Item: { pk: { S: 'TEST#restart' }, sk: { S: 'x' }, v: { S: 'kept' } } }));
  db.destroy();
  expect((await fetch(`${first.url}/config.json`)).status).toBe(200);
  await stopWith(first, 'SIGTERM', javaFirst);

  const second = await startMain(args, { PARLEY_LIFECYCLE_MARK: mark });
  const javaSecond = javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark);
  expect(javaSecond).toHaveLength(1);
  const db2 = dynamoClient(second.dynamoEndpoint, folderKey(dataDir));
  const got = await db2.send(new GetItemCommand({ TableName: 'parley-Main', Key: { pk: { S: 'TEST#restart' }, sk: { S: 'x' } } }));
  db2.destroy();
  expect(got.Item?.v?.S).toBe('kept');
  await stopWith(second, 'SIGINT', javaSecond);
  expect(javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark)).toEqual([]);
});

describe('a developer machine on a shared network, and hard kills (issue #10, 10 and 12)', () => {
  it('another key sees none of the data (DynamoDB Local listens on every interface); the key file is owner-only', async () => {
    const mark = randomUUID();
    const dataDir = path.join(tmp, 'data-key');
    const started = await startMain(['--data-dir', dataDir, '--no-build-web'], { PARLEY_LIFECYCLE_MARK: mark });
    const stranger = dynamoClient(started.dynamoEndpoint, { accessKeyId: 'local', secretAccessKey: 'local' });
    const owner = dynamoClient(started.dynamoEndpoint, folderKey(dataDir));
    try {
      expect((await stranger.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      expect((await owner.send(new ListTablesCommand({}))).TableNames).toEqual(expect.arrayContaining(['parley-Main', 'parley-Connections']));
    } finally {
      stranger.destroy();
      owner.destroy();
    }
    expect(fs.statSync(path.join(dataDir, 'access-key')).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dataDir, 'shared-local-instance.db'))).toBe(false);
    await stopWith(started, 'SIGTERM', javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark));
  });

  it('SIGKILL of the stack: its java goes too (the watchdog), and the next start on the folder works', async () => {
    const mark = randomUUID();
    const dataDir = path.join(tmp, 'data-kill');
    const first = await startMain(['--data-dir', dataDir, '--no-seed', '--no-build-web'], { PARLEY_LIFECYCLE_MARK: mark });
    const [java] = javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark);
    // The stack is the node process tsx started (java's parent), not the tsx launcher itself.
    process.kill(parentOf(java), 'SIGKILL');
    await until(() => !isPidAlive(java), `java ${java} is gone after its stack was SIGKILLed`);
    await first.exited;
    const second = await startMain(['--data-dir', dataDir, '--no-seed', '--no-build-web'], { PARLEY_LIFECYCLE_MARK: mark });
    await stopWith(second, 'SIGTERM', javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark));
  });

  it('a java left running by a crash (watchdog gone too) is stopped by the next start on the folder', async () => {
    const mark = randomUUID();
    const dataDir = path.join(tmp, 'data-stale');
    const first = await startMain(['--data-dir', dataDir, '--no-seed', '--no-build-web'], { PARLEY_LIFECYCLE_MARK: mark });
    const [stale] = javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark);
    // A crash that takes the watchdog with it: kill both at once, so java is really orphaned.
    const stack = parentOf(stale);
    for (const pid of watchdogPidsOf(stale)) process.kill(pid, 'SIGKILL');
    process.kill(stack, 'SIGKILL');
    await first.exited;
    await until(() => !isPidAlive(stack), 'the stack process is gone');
    expect(isPidAlive(stale)).toBe(true);

    const second = await startMain(['--data-dir', dataDir, '--no-seed', '--no-build-web'], { PARLEY_LIFECYCLE_MARK: mark });
    expect(isPidAlive(stale)).toBe(false);
    expect(second.output()).toMatch(/left running/);
    await stopWith(second, 'SIGTERM', javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark));
  });

  it('a second stack on a folder another one holds stops with a clear message (no second java); a port in use starts no java', async () => {
    const mark = randomUUID();
    const dataDir = path.join(tmp, 'data-twice');
    const first = await startMain(['--data-dir', dataDir, '--no-seed', '--no-build-web'], { PARLEY_LIFECYCLE_MARK: mark });
    const javas = javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark);
    const again = await runToExit(['--data-dir', dataDir, '--no-seed', '--no-build-web'], { PARLEY_LIFECYCLE_MARK: mark });
    expect(again.code).not.toBe(0);
    expect(again.output).toMatch(/in use by another Parley stack \(pid \d+\)/);
    expect(javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', mark)).toEqual(javas);

    const port = new URL(first.url).port;
    const busy = await runToExit(['--in-memory', '--no-build-web', '--port', port], { PARLEY_LIFECYCLE_MARK: `${mark}-port` });
    expect(busy.code).not.toBe(0);
    expect(busy.output).toMatch(new RegExp(`port ${port} is in use`));
    expect(javaPidsWithEnv('PARLEY_LIFECYCLE_MARK', `${mark}-port`)).toEqual([]);
    await stopWith(first, 'SIGTERM', javas);
  });
});

/** Run local/main.ts to its exit (a start that is refused). */
async function runToExit(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const proc = spawn(process.execPath, [TSX_CLI, 'local/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', PARLEY_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let output = '';
  proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  return { code, output };
}

/** A process's parent pid (/proc/<pid>/stat, field 4). */
function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The watchdog shell local/dynamo.ts started for this java (named parley-dynamo-watchdog; its last argument). */
function watchdogPidsOf(javaPid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        return args.includes('parley-dynamo-watchdog') && args[args.length - 1] === String(javaPid);
      } catch {
        return false;
      }
    });
}

it('without Java it says how to install Java 17 and exits non-zero', async () => {
  const bin = path.join(tmp, 'bin-without-java');
  fs.mkdirSync(bin, { recursive: true });
  const proc = spawn(process.execPath, [TSX_CLI, 'local/main.ts', '--in-memory', '--no-build-web'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PATH: bin, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  expect(code).not.toBe(0);
  expect(out).toMatch(/Java 17/);
  expect(out).toMatch(/apt-get install -y openjdk-17/);
});

describe('an in-process stack with its own DynamoDB Local', () => {
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it('seeds the demo friendships through the event path, idempotently, and stop leaves no java', async () => {
    stack = await startStack({ port: 0, inMemory: true, seed: true, buildWeb: false, log: 'silent', env: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
    const pid = stack.dynamo?.pid as number;
    expect(isPidAlive(pid)).toBe(true);
    expect(stack.events.deadLetters).toEqual([]);

    const token = stack.issuer.sign('alice', 'Alice').token;
    const friends = (await (await fetch(`${stack.url}/api/friends`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { userId: string; name: string }[] };
    expect(friends.items.map((f) => f.userId).sort()).toEqual(['bob', 'carol']);
    expect(friends.items.find((f) => f.userId === 'bob')?.name).toBe('Bob');

    // Seeding again (what every start does) stores nothing new: one SYSTEM_FRIEND notice per friendship.
    const { seedDemoData } = await import('../../local/seed');
    await seedDemoData(stack.events);
    const counts = (await (await fetch(`${stack.url}/api/messages/unread/count`, { headers: { authorization: `Bearer ${token}` } })).json()) as { system: number };
    expect(counts.system).toBe(2);

    await stack.stop();
    stack = undefined;
    expect(isPidAlive(pid)).toBe(false);
  });
});

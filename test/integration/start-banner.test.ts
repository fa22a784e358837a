/**
 * Issue 12 (12): the commands `npm start` prints, and README's protocol example, work as they are — on a port other
 * than 3000 too. `local/main.ts` runs in a child process (as `npm start` runs it) on a free port; each printed
 * command is run by bash in a fresh environment WITHOUT that port in it (a new terminal), and must reach this stack.
 * wscat is not run (it would be downloaded); its URL must name this stack's WebSocket.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../local/functions';

jest.setTimeout(120_000);

const run = promisify(execFile);
const TSX_CLI = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
let proc: ChildProcess | undefined;
let out = '';
let url = '';

/** The environment of a new terminal: no PORT (nor anything else of the stack's). */
function terminalEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.PORT;
  delete env.PARLEY_EVENTS_ENDPOINT;
  return env;
}

/** Run these shell lines in one bash, as a user pasting them would; returns stdout. */
async function shell(lines: string[]): Promise<string> {
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', lines.join('\n')], { cwd: REPO_ROOT, env: terminalEnv(), timeout: 60_000 });
  return stdout;
}

async function token(userId: string): Promise<string> {
  const res = await fetch(`${url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
  return ((await res.json()) as { token: string }).token;
}

beforeAll(async () => {
  proc = spawn(process.execPath, [TSX_CLI, 'local/main.ts', '--in-memory', '--no-build-web'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', PARLEY_LOG: 'warn', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const started = Date.now();
  while (!/Ctrl-C stops everything/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`local/main.ts exited with ${proc.exitCode}:\n${out}`);
    if (Date.now() - started > 90_000) throw new Error(`no banner within 90 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  url = /Parley is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
}, 120_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc!.on('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
});

/** The command lines under "Try from a terminal", as printed (comments after the command kept: bash ignores them). */
function bannerCommands(): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.includes('Try from a terminal'));
  const cmds: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.trim()) break;
    cmds.push(l.trim());
  }
  return cmds;
}

test('the stack runs on a port other than 3000 (the point of this test)', () => {
  expect(url).not.toMatch(/:3000$/);
});

test("every command the banner prints reaches this stack, pasted as it is into a new terminal", async () => {
  const cmds = bannerCommands();
  expect(cmds.length).toBeGreaterThanOrEqual(4);
  for (const c of cmds) expect(c).not.toMatch(/localhost:3000|127\.0\.0\.1:3000|<token>/);
  const [tokenLine, friendsLine, wscatLine, eventLine] = cmds;

  // The token, then a REST call with it: alice's friends (seeded) come back.
  const friends = JSON.parse(await shell([tokenLine!, friendsLine!])) as { items: { userId: string }[] };
  expect(friends.items.map((f) => f.userId).sort()).toEqual(['bob', 'carol']);

  expect(wscatLine).toContain(`npx --yes wscat -c "${url.replace('http://', 'ws://')}/ws?token=$TOKEN"`);

  // The event reaches THIS stack: bob's bell counts one more.
  const bob = await token('bob');
  const systemCount = async () => {
    const res = await fetch(`${url}/api/messages/unread/count`, { headers: { authorization: `Bearer ${bob}` } });
    return ((await res.json()) as { system: number }).system;
  };
  const before = await systemCount();
  await shell([eventLine!]);
  for (const started = Date.now(); ; ) {
    if ((await systemCount()) === before + 1) break;
    if (Date.now() - started > 30_000) throw new Error('the event never reached the stack');
    await new Promise((r) => setTimeout(r, 100));
  }
});

test("README's protocol example works verbatim (on port 3000; here on this stack's port)", async () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /speak the protocol directly:\n\s*```bash\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const lines = block!
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const port = new URL(url).port;
  // Only the port differs from what a reader runs against `npm start`.
  const here = lines.map((l) => l.replaceAll(':3000', `:${port}`));
  const wscat = here.find((l) => l.includes('wscat'));
  expect(wscat).toContain(`npx --yes wscat -c "ws://127.0.0.1:${port}/ws?token=$TOKEN"`);
  const outText = await shell(here.filter((l) => !l.includes('wscat')));
  expect(JSON.parse(outText)).toEqual({ chat: expect.any(Number), system: expect.any(Number), total: expect.any(Number) });
});

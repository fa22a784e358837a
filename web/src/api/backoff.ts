/** Capped exponential backoff with "equal jitter": half of the step is fixed, half random. */
export interface BackoffOptions {
  /** First step in ms (attempt 0). */
  baseMs: number;
  /** Cap for any delay, jitter included. */
  maxMs: number;
}

/**
 * Capped at 10 s: after an outage (a restart, a deploy) nobody is left more than 10 s behind a server that is up.
 * Jitter keeps a crowd spread over 5–10 s; a tab becoming visible or the network coming back tries at once anyway.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 10000 };

/**
 * Delay before reconnect attempt `attempt` (0-based): min(max, base·2^attempt) = step, then a value in
 * [step/2, step]. Never 0 (a crowd of clients never reconnects in lockstep), never above `maxMs`.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(step / 2 + (r * step) / 2);
}

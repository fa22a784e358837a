/**
 * Scale model, part 4 (re-exported by bench/lib/scale.ts): the reconnect storm after a regional blip, every client
 * retrying with the web client's own backoff (web/src/api/backoff.ts) against the new-connection quota.
 */
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../../web/src/api/backoff';

// ---------- the reconnect storm ----------

export interface StormOptions {
  clients: number;
  /** New connections API Gateway accepts per second (the account's quota, all WebSocket APIs). */
  quotaPerSecond: number;
  backoff?: BackoffOptions;
  /** The delay function: the web client's (default). */
  delay?: (attempt: number, opts: BackoffOptions, random: () => number) => number;
  stepMs?: number;
  /** Points of the jitter distribution each group of refused clients is spread over (the delay function at r = (j+½)/q). */
  quantiles?: number;
  /** Give up after this long (simulated seconds). */
  maxSeconds?: number;
  /**
   * Share of the waiting clients per second that try at once, out of turn: a tab becoming visible calls
   * `reconnectNow()` (web/src/session.ts), which skips the wait but keeps the attempt count. Default 0. (The other
   * prompt retry, the browser's `online` event, resets the count, but a regional blip leaves devices online.)
   */
  promptRetryPerSecond?: number;
}

export interface StormResult {
  clients: number;
  quotaPerSecond: number;
  /** Seconds from the drop until that share of clients is connected again; NaN if not within maxSeconds. */
  t50: number;
  t99: number;
  t100: number;
  peakAttemptsPerSecond: number;
  attempts: number;
  /** Attempts refused by the quota (each one a handshake API Gateway answered 429). */
  refused: number;
  /** Accepted connections in each whole second. */
  acceptedPerSecond: number[];
  attemptsPerSecond: number[];
}

/**
 * N clients lose their connection at t = 0 and reconnect as web/src/api/socket.ts does: wait backoffDelay(0), try;
 * refused, wait backoffDelay(1), try; … (attempt index capped where the delay stops growing). API Gateway accepts at
 * most quotaPerSecond × step per step, spread evenly over everyone trying in that step.
 *
 * An expected-value ("fluid") simulation in `stepMs` steps: clients are bucketed by (backoff attempt, next-attempt
 * step) and a refused bucket is spread over the jitter distribution of the real delay function, sampled at `quantiles`
 * evenly spaced random values. Deterministic, O(steps × attempt levels × quantiles) whatever the number of clients.
 * The last client counts as reconnected when fewer than half a client remains.
 */
export function simulateStorm(o: StormOptions): StormResult {
  const stepMs = o.stepMs ?? 100;
  const q = o.quantiles ?? 64;
  const opts = o.backoff ?? DEFAULT_BACKOFF;
  const delay = o.delay ?? backoffDelay;
  const maxSteps = Math.ceil(((o.maxSeconds ?? 4 * 3600) * 1000) / stepMs);

  // Attempt levels until the delay distribution stops changing (the cap), at most 31 (backoffDelay's own cap).
  const offsets: number[][] = [];
  for (let k = 0; k <= 31; k++) {
    const row: number[] = [];
    for (let j = 0; j < q; j++) row.push(Math.max(1, Math.round(delay(k, opts, () => (j + 0.5) / q) / stepMs)));
    offsets.push(row);
    if (k > 0 && row.every((v, j) => v === offsets[k - 1][j])) {
      offsets.pop();
      break;
    }
  }
  const levels = offsets.length;
  const maxOffset = Math.max(...offsets.flat());
  const ring = maxOffset + 1;
  const pending = Array.from({ length: levels }, () => new Float64Array(ring));

  // The drop: every client schedules attempt 0's delay; if refused, its next delay is attempt 1's.
  const schedule = (count: number, delayLevel: number, now: number) => {
    const next = Math.min(delayLevel + 1, levels - 1);
    const share = count / q;
    for (const off of offsets[delayLevel]) pending[next][(now + off) % ring] += share;
  };
  schedule(o.clients, 0, 0);

  const capacityPerStep = (o.quotaPerSecond * stepMs) / 1000;
  const stepsPerSecond = 1000 / stepMs;
  let connected = 0;
  let attemptsTotal = 0;
  let refusedTotal = 0;
  let t50 = NaN;
  let t99 = NaN;
  let t100 = NaN;
  const acceptedPerSecond: number[] = [];
  const attemptsPerSecond: number[] = [];
  const promptShare = Math.min(1, ((o.promptRetryPerSecond ?? 0) * stepMs) / 1000);
  const trying = new Float64Array(levels);
  for (let step = 1; step <= maxSteps; step++) {
    const slot = step % ring;
    let attempts = 0;
    for (let k = 0; k < levels; k++) {
      trying[k] = pending[k][slot];
      pending[k][slot] = 0;
      if (promptShare > 0) {
        for (let i = 0; i < ring; i++) {
          const early = pending[k][i] * promptShare;
          pending[k][i] -= early;
          trying[k] += early;
        }
      }
      attempts += trying[k];
    }
    const sec = Math.floor((step - 1) / stepsPerSecond);
    if (attempts > 0) {
      const accepted = Math.min(attempts, capacityPerStep);
      const refusedShare = 1 - accepted / attempts;
      connected += accepted;
      attemptsTotal += attempts;
      refusedTotal += attempts - accepted;
      acceptedPerSecond[sec] = (acceptedPerSecond[sec] ?? 0) + accepted;
      attemptsPerSecond[sec] = (attemptsPerSecond[sec] ?? 0) + attempts;
      for (let k = 0; k < levels; k++) {
        // A client at level k used delay k-1 to get here; refused, it waits delay k (schedule() moves it to k+1).
        if (trying[k] > 0 && refusedShare > 0) schedule(trying[k] * refusedShare, Math.min(k, levels - 1), step);
      }
    } else {
      acceptedPerSecond[sec] = acceptedPerSecond[sec] ?? 0;
      attemptsPerSecond[sec] = attemptsPerSecond[sec] ?? 0;
    }
    const t = (step * stepMs) / 1000;
    if (Number.isNaN(t50) && connected >= 0.5 * o.clients) t50 = t;
    if (Number.isNaN(t99) && connected >= 0.99 * o.clients) t99 = t;
    if (o.clients - connected < 0.5) {
      t100 = t;
      break;
    }
  }
  return {
    clients: o.clients,
    quotaPerSecond: o.quotaPerSecond,
    t50,
    t99,
    t100,
    peakAttemptsPerSecond: Math.max(0, ...attemptsPerSecond),
    attempts: attemptsTotal,
    refused: refusedTotal,
    acceptedPerSecond,
    attemptsPerSecond,
  };
}

/** In-memory Clock and IdSource (lambdas/core/ports.ts); see test/support/memory-ports.ts for the rules all fakes follow. */
import type { Clock, IdSource } from '../../../lambdas/core/ports';

/** 2027-01-15T08:00:00.000Z: a fixed start, so ids and timestamps are the same on every run. */
export const MEMORY_EPOCH = Date.UTC(2027, 0, 15, 8, 0, 0);

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private ms = MEMORY_EPOCH) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * Ids that sort by creation time, like the adapter's monotonic ULIDs: the time (zero-padded ms) then a sequence, and
 * never smaller than the previous one even if the clock goes back. Readable in a failing test: `m001800000000000-0003`.
 */
export class SequentialIds implements IdSource {
  private last = 0;
  private seq = 0;
  next(at: number): string {
    this.last = Math.max(this.last, at);
    this.seq++;
    return `m${String(this.last).padStart(15, '0')}-${String(this.seq).padStart(4, '0')}`;
  }
}

/** Message ids: ULIDs (sortable by time). System message ids are derived from (event id, recipient). */
import { createHash } from 'node:crypto';
import { monotonicFactory, ulid } from 'ulid';
import type { IdSource } from '../core/ports';
import type { DerivedIds } from '../core/notifications';

const monotonic = monotonicFactory();

export const ulidIds: IdSource = { next: (at: number) => monotonic(at) };

export const derivedIds: DerivedIds = {
  derive(eventId: string, recipient: string, at: number): string {
    const bytes = createHash('sha256').update(`${eventId}\u0000${recipient}`).digest();
    let i = 0;
    return ulid(at, () => bytes[i++ % bytes.length] / 256);
  },
};

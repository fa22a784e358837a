/** Message ids: ULIDs, monotonic within a container, so they sort by creation time and serve as cursors. */
import { monotonicFactory } from 'ulid';
import type { IdSource } from '../core/ports';

const monotonic = /* @__PURE__ */ monotonicFactory();

export const ulidIds: IdSource = { next: (at: number) => monotonic(at) };

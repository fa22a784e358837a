/**
 * Parley's typed publisher client: for an app team's backend that sends Parley's six events with the stock
 * `@aws-sdk/client-eventbridge` client.
 *
 *   import { publish } from 'parley/publishers';
 *   await publish(new EventBridgeClient({}), { type: 'UserFollowed', detail: { userId: 'carol', follower: { id: 'dave' } } });
 *
 * - Types come from the same valibot schemas the handler validates with (lambdas/contract/events.ts), so a
 *   detail that compiles has the contract's fields.
 * - Every event is validated before anything is sent: a bad one throws InvalidEventError with the handler's reason
 *   and none of the events is sent (otherwise it would be dead-lettered in Parley, visible only to Parley's team).
 *   What is sent is the validated detail: fields the contract does not name are dropped here, as Parley would.
 * - Entries go 10 per PutEvents (the API's limit) and within its 256 KB request limit.
 * - Entries PutEvents reports as failed (FailedEntryCount; throttling, internal failures) are retried alone with
 *   exponential backoff; entries that can never succeed (an unknown bus, no permission) are not. If any entry still
 *   failed, PublishError is thrown with every entry's outcome, so a failure is never silent. A request that fails as
 *   a whole (network, credentials; after the SDK's own retries) stops publishing: PublishError names the events
 *   already on the bus (they have an eventId) and carries the SDK's error as `cause`.
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type * as v from 'valibot';
import { EVENT_DETAIL_TYPES, type EventDetailType } from '../lambdas/contract/event-types';
import { eventDetailSchemas, type EventDetailsInput } from '../lambdas/contract/events';
import { check } from '../lambdas/contract/validate';

export { EVENT_DETAIL_TYPES, type EventDetailType };

/** The bus Parley's stack creates unless configured otherwise (lib/wiring.ts DEFAULT_EVENT_BUS_NAME). */
export const DEFAULT_BUS_NAME = 'parley';
/** Parley's rule takes any source; name your service (e.g. "shop.orders") so its events can be told apart. */
export const DEFAULT_SOURCE = 'app.example';

/** What a publisher writes for each detail-type (the schema's input type). */
export type EventDetails = EventDetailsInput;
export type ParleyEvent = { [K in EventDetailType]: { type: K; detail: EventDetails[K] } }[EventDetailType];

export interface PublishOptions {
  /** Bus name or ARN (default "parley"). */
  busName?: string;
  /** The event source (default DEFAULT_SOURCE). */
  source?: string;
  /** Attempts per entry, the first included (default 4). */
  maxAttempts?: number;
  /** Delay before the first retry; doubled each time (default 100 ms). */
  baseDelayMs?: number;
  /** How to wait between attempts (tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
}

export interface EntryOutcome {
  type: string;
  eventId?: string;
  errorCode?: string;
  errorMessage?: string;
  attempts: number;
}

export class InvalidEventError extends Error {
  constructor(
    readonly index: number,
    readonly type: string,
    readonly reason: string,
  ) {
    super(`event ${index} (${type}): ${reason}; nothing was sent`);
    this.name = 'InvalidEventError';
  }
}

export class PublishError extends Error {
  constructor(
    readonly entries: EntryOutcome[],
    cause?: unknown,
  ) {
    const failed = entries.filter((e) => !e.eventId);
    const first = failed[0];
    super(`${failed.length} of ${entries.length} events failed to publish; first: ${first?.type} ${first?.errorCode}: ${first?.errorMessage}`, { cause });
    this.name = 'PublishError';
  }
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
/** PutEvents entry error codes a retry cannot fix. */
const PERMANENT = new Set(['ResourceNotFoundException', 'MalformedDetail', 'InvalidArgument', 'AccessDeniedException', 'NotAuthorizedForSourceException', 'NotAuthorizedForDetailTypeException']);

/** The handler's verdict on one event: its validated detail, or the reason it would be dead-lettered. */
export function validateEvent(event: { type: string; detail: unknown }): { ok: true; detail: unknown } | { ok: false; reason: string } {
  const type = event?.type;
  if (!(EVENT_DETAIL_TYPES as readonly string[]).includes(type)) {
    return { ok: false, reason: `unknown detail-type ${String(type)}; Parley accepts: ${EVENT_DETAIL_TYPES.join(', ')}` };
  }
  const checked = check(eventDetailSchemas[type as EventDetailType] as v.GenericSchema<unknown, unknown>, event.detail);
  if (!checked.success) return { ok: false, reason: checked.reason };
  // The handler also refuses a friendship of one user with themself (a check in code, not in the schema).
  const ids = (checked.data as { userIds?: string[] }).userIds;
  if ((type === 'FriendshipCreated' || type === 'FriendshipRemoved') && ids?.[0] === ids?.[1]) {
    return { ok: false, reason: `${type} needs two different users` };
  }
  return { ok: true, detail: checked.data };
}

/** PutEvents entry size as AWS counts it against the request limit. */
function entrySize(e: PutEventsRequestEntry): number {
  const bytes = (s?: string) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return 14 + bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail) + (e.Resources ?? []).reduce((n, r) => n + bytes(r), 0);
}

/** Batches of at most 10 entries and 256 KB. */
function batches(indexes: number[], entries: PutEventsRequestEntry[]): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let size = 0;
  for (const i of indexes) {
    const s = entrySize(entries[i]);
    if (current.length && (current.length === MAX_ENTRIES || size + s > MAX_REQUEST_BYTES)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(i);
    size += s;
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * Validates every event, then publishes them all; resolves with each entry's outcome (in input order) when all
 * were accepted, throws InvalidEventError (nothing sent) or PublishError (some failed after retries) otherwise.
 */
export async function publish(client: EventBridgeClient, events: ParleyEvent | readonly ParleyEvent[], opts: PublishOptions = {}): Promise<EntryOutcome[]> {
  const list: readonly ParleyEvent[] = Array.isArray(events) ? events : [events as ParleyEvent];
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
  const baseDelayMs = opts.baseDelayMs ?? 100;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const entries: PutEventsRequestEntry[] = list.map((event, index) => {
    const verdict = validateEvent(event);
    if (!verdict.ok) throw new InvalidEventError(index, String(event?.type), verdict.reason);
    return { Source: opts.source ?? DEFAULT_SOURCE, DetailType: event.type, Detail: JSON.stringify(verdict.detail), EventBusName: opts.busName ?? DEFAULT_BUS_NAME };
  });
  const outcomes: EntryOutcome[] = list.map((e) => ({ type: e.type, attempts: 0 }));

  let pending = entries.map((_, i) => i);
  for (let attempt = 1; pending.length && attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await sleep(baseDelayMs * 2 ** (attempt - 2));
    const retry: number[] = [];
    for (const batch of batches(pending, entries)) {
      let out;
      try {
        out = await client.send(new PutEventsCommand({ Entries: batch.map((i) => entries[i]) }));
      } catch (err) {
        // The request failed as a whole, after the SDK's own retries (network, credentials): stop, and say which
        // events were put on the bus already, so the caller can retry the rest without sending any twice.
        outcomes.forEach((o, i) => {
          if (o.eventId) return;
          Object.assign(o, { errorCode: (err as Error).name ?? 'Error', errorMessage: (err as Error).message });
          if (batch.includes(i)) o.attempts = attempt;
        });
        throw new PublishError(outcomes, err);
      }
      batch.forEach((i, k) => {
        const result = out.Entries?.[k];
        const outcome = outcomes[i];
        outcome.attempts = attempt;
        if (result?.EventId && !result.ErrorCode) {
          Object.assign(outcome, { eventId: result.EventId, errorCode: undefined, errorMessage: undefined });
          return;
        }
        outcome.errorCode = result?.ErrorCode ?? 'NoResult';
        outcome.errorMessage = result?.ErrorMessage ?? 'PutEvents returned no result for this entry';
        if (!PERMANENT.has(outcome.errorCode)) retry.push(i);
      });
    }
    pending = retry;
  }
  if (outcomes.some((o) => !o.eventId)) throw new PublishError(outcomes);
  return outcomes;
}

/**
 * Schemas of the app's event details (CONTRACT.md "Events"), apart from the frame and REST schemas so that only
 * the event handler's bundle carries them. They are the one source of truth: the handler validates with them, the
 * domain takes the types inferred from them (EventDetails), the JSON Schemas in docs/events/ are generated from them,
 * and the publisher client (publishers/) infers its types from them.
 *
 * Objects are `v.object`, which drops fields it does not name: only contract fields reach the store (a publisher's
 * extra 200 KB field is not kept as metadata). Every string has the contract's bound — names 100 characters,
 * titles and descriptions 200, task content 1,000 — so a longer one makes the whole event invalid (dead-lettered
 * with the reason), never a truncated or half-delivered notification.
 */
import * as v from 'valibot';
import type { EventDetailType } from './event-types';
import { str, userIdSchema } from './fields';
import { EVENT_LIMITS, LIMITS } from './limits';

const id = str(1, EVENT_LIMITS.id);
const name = str(1, EVENT_LIMITS.name);
const title = str(1, EVENT_LIMITS.title);
/** A price amount: a number, or a string of 1-32 characters (a check of its own: cheaper to bundle than a union). */
export const priceAmount = v.custom<number | string>(
  (x) => (typeof x === 'number' ? Number.isFinite(x) : typeof x === 'string' && x.length >= 1 && x.length <= EVENT_LIMITS.amount),
  `must be a number or a string of 1-${EVENT_LIMITS.amount} characters`,
);
const pair = v.pipe(v.array(userIdSchema), v.length(2));
const named = v.object({ id: userIdSchema, name: v.optional(name) });
export const eventDetailSchemas = {
  AchievementUnlocked: v.object({
    userId: userIdSchema,
    achievement: v.object({ id, name, description: v.optional(str(0, EVENT_LIMITS.description)) }),
  }),
  WorkPurchased: v.object({
    sellerId: userIdSchema,
    buyer: named,
    work: v.object({ id, title }),
    price: v.object({ amount: priceAmount, currency: str(1, EVENT_LIMITS.currency) }),
  }),
  UserFollowed: v.object({ userId: userIdSchema, follower: named }),
  FriendshipCreated: v.object({
    userIds: pair,
    // Keyed by user id; entries for users other than the two are ignored by the handler (never stored).
    names: v.optional(v.record(v.string(), name)),
  }),
  FriendshipRemoved: v.object({ userIds: pair }),
  TaskNotification: v.object({
    userIds: v.pipe(v.array(userIdSchema), v.minLength(1), v.maxLength(LIMITS.taskRecipients)),
    task: v.object({ id, title }),
    content: v.optional(str(1, EVENT_LIMITS.content)),
  }),
} as const satisfies Record<EventDetailType, v.GenericSchema>;

/** Each detail as the handler has it after validation (unknown fields dropped). */
export type EventDetails = { [K in EventDetailType]: v.InferOutput<(typeof eventDetailSchemas)[K]> };
/** Each detail as a publisher writes it. */
export type EventDetailsInput = { [K in EventDetailType]: v.InferInput<(typeof eventDetailSchemas)[K]> };

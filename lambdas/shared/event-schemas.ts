/**
 * Schemas of the app's event details (CONTRACT.md "Events"), apart from the frame and REST schemas so that only
 * the event handler's bundle carries them. Extra fields are tolerated; what we use is checked.
 */
import * as v from 'valibot';
import { LIMITS } from '../core/model';
import { str, userIdSchema } from './schemas';

/** A price amount: a number, or a string of 1-32 characters (a check of its own: cheaper to bundle than a union). */
const amount = v.custom<number | string>(
  (x) => (typeof x === 'number' ? Number.isFinite(x) : typeof x === 'string' && x.length >= 1 && x.length <= 32),
  'must be a number or a string of 1-32 characters',
);
const pair = v.pipe(v.array(userIdSchema), v.length(2));
const named = v.looseObject({ id: userIdSchema, name: v.optional(str(1, 100)) });
export const eventDetailSchemas = {
  AchievementUnlocked: v.looseObject({
    userId: userIdSchema,
    achievement: v.looseObject({ id: str(1, 128), name: str(1, 200), description: v.optional(str(0, 1000)) }),
  }),
  WorkPurchased: v.looseObject({
    sellerId: userIdSchema,
    buyer: named,
    work: v.looseObject({ id: str(1, 128), title: str(1, 200) }),
    price: v.looseObject({ amount, currency: str(1, 16) }),
  }),
  UserFollowed: v.looseObject({ userId: userIdSchema, follower: named }),
  FriendshipCreated: v.looseObject({
    userIds: pair,
    names: v.optional(v.record(v.string(), str(1, 100))),
  }),
  FriendshipRemoved: v.looseObject({ userIds: pair }),
  TaskNotification: v.looseObject({
    userIds: v.pipe(v.array(userIdSchema), v.minLength(1), v.maxLength(LIMITS.taskRecipients)),
    task: v.looseObject({ id: str(1, 128), title: str(1, 200) }),
    content: v.optional(str(1, LIMITS.contentChars)),
  }),
} as const;

/**
 * Schemas for everything that enters from outside: WebSocket frames, REST queries/bodies, event details.
 * zod/mini keeps the bundles small. `parse` turns a failure into a clear BAD_REQUEST.
 */
import * as z from 'zod/mini';
import { LIMITS } from '../core/model';
import { badRequest } from './errors';

const str = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
export const userIdSchema = z.string().check(z.regex(LIMITS.userId));
export const messageIdSchema = z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/));
const metadataSchema = z.nullable(z.record(z.string(), z.unknown()));

// ---- WebSocket frames ----
export const sendMessageFrame = z.object({
  action: z.literal('sendMessage'),
  to: userIdSchema,
  content: z.string(),
  clientMessageId: z.string().check(z.regex(LIMITS.clientMessageId)),
  metadata: z.optional(metadataSchema),
});
export const markReadFrame = z.object({ action: z.literal('markRead'), peerId: userIdSchema });
export const typingFrame = z.object({ action: z.literal('typing'), to: userIdSchema });

// ---- REST ----
const limitParam = z.optional(z.string().check(z.regex(/^(?:[1-9]\d?|100)$/)));
export const historyQuery = z.object({
  limit: limitParam,
  before: z.optional(messageIdSchema),
  after: z.optional(messageIdSchema),
});
export const pageQuery = z.object({ limit: limitParam, before: z.optional(messageIdSchema) });
export const systemListQuery = z.object({
  limit: limitParam,
  before: z.optional(messageIdSchema),
  unreadOnly: z.optional(z.enum(['true', 'false'])),
});
export const markSystemReadBody = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ messageIds: z.array(messageIdSchema).check(z.minLength(1), z.maxLength(LIMITS.markReadIds)) }),
]);

// ---- Event details (extra fields are tolerated; what we use is checked) ----
const named = z.looseObject({ id: userIdSchema, name: z.optional(str(1, 100)) });
export const eventDetailSchemas = {
  AchievementUnlocked: z.looseObject({
    userId: userIdSchema,
    achievement: z.looseObject({ id: str(1, 128), name: str(1, 200), description: z.optional(str(0, 1000)) }),
  }),
  WorkPurchased: z.looseObject({
    sellerId: userIdSchema,
    buyer: named,
    work: z.looseObject({ id: str(1, 128), title: str(1, 200) }),
    price: z.looseObject({ amount: z.union([z.number(), str(1, 32)]), currency: str(1, 16) }),
  }),
  UserFollowed: z.looseObject({ userId: userIdSchema, follower: named }),
  FriendshipCreated: z.looseObject({
    userIds: z.tuple([userIdSchema, userIdSchema]),
    names: z.optional(z.record(z.string(), str(1, 100))),
  }),
  FriendshipRemoved: z.looseObject({ userIds: z.tuple([userIdSchema, userIdSchema]) }),
  TaskNotification: z.looseObject({
    userIds: z.array(userIdSchema).check(z.minLength(1), z.maxLength(LIMITS.taskRecipients)),
    task: z.looseObject({ id: str(1, 128), title: str(1, 200) }),
    content: z.optional(str(1, LIMITS.contentChars)),
  }),
} as const;

interface Issue {
  code: string;
  path: PropertyKey[];
  expected?: string;
  minimum?: unknown;
  maximum?: unknown;
  input?: unknown;
  origin?: string;
}

/** One readable sentence for the first problem found. */
export function explain(issue: Issue): string {
  const where = issue.path.length ? `"${issue.path.map(String).join('.')}"` : 'the input';
  const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `${where} is required` : `${where} must be ${issue.expected ?? 'valid'}`;
    case 'too_small':
      return `${where} must have at least ${String(issue.minimum)}${unit}`;
    case 'too_big':
      return `${where} must have at most ${String(issue.maximum)}${unit}`;
    case 'invalid_format':
      return `${where} has an invalid format`;
    case 'invalid_value':
      return `${where} has an invalid value`;
    case 'unrecognized_keys':
      return `${where} has unexpected fields`;
    default:
      return `${where} is invalid`;
  }
}

export function parse<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw badRequest(explain(result.error.issues[0] as unknown as Issue));
  return result.data;
}

/** Parse untrusted JSON text (a frame or a body) without letting a syntax error escape as INTERNAL. */
export function parseJson(text: string | undefined | null): unknown {
  if (text === undefined || text === null || text === '') throw badRequest('a JSON body is required');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('the body is not valid JSON');
  }
}

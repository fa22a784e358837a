/**
 * Schemas of REST queries and bodies (CONTRACT.md "REST"), apart from the WebSocket frame schemas so that each
 * bundle carries only the checks its handler uses.
 */
import * as v from 'valibot';
import { messageIdSchema } from './fields';
import { LIMITS } from './limits';

const limitParam = v.optional(v.pipe(v.string(), v.regex(/^(?:[1-9]\d?|100)$/)));
export const historyQuery = v.object({
  limit: limitParam,
  before: v.optional(messageIdSchema),
  after: v.optional(messageIdSchema),
});
export const pageQuery = v.object({ limit: limitParam, before: v.optional(messageIdSchema) });
export const systemListQuery = v.object({
  limit: limitParam,
  before: v.optional(messageIdSchema),
  unreadOnly: v.optional(v.picklist(['true', 'false'])),
});
export const markSystemReadBody = v.union([
  v.strictObject({ all: v.literal(true) }),
  v.strictObject({ messageIds: v.pipe(v.array(messageIdSchema), v.minLength(1), v.maxLength(LIMITS.markReadIds)) }),
]);

export type MarkSystemReadBody = v.InferInput<typeof markSystemReadBody>;

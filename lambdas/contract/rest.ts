/**
 * Schemas of REST queries and bodies (CONTRACT.md "REST"), apart from the WebSocket frame schemas so that each
 * bundle carries only the checks its handler uses.
 */
import * as v from 'valibot';
import { messageIdSchema } from './fields';
import { ATTACHMENT_CONTENT_TYPES, ATTACHMENT_LIMITS, LIMITS } from './limits';

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

/**
 * `POST /api/attachments` `{"contentType","size"}`: an image type and the exact byte size of the file (1 B–10 MB).
 * A size over 10 MB is TOO_LARGE (413), checked by the domain after this shape check (createUpload).
 */
export const createAttachmentBody = v.strictObject({
  contentType: v.picklist(ATTACHMENT_CONTENT_TYPES, `"contentType" must be one of ${ATTACHMENT_CONTENT_TYPES.join(', ')}`),
  size: v.pipe(v.number('"size" must be a number of bytes'), v.integer('"size" must be a whole number of bytes'), v.minValue(ATTACHMENT_LIMITS.minBytes, '"size" must be at least 1 byte')),
});
export type CreateAttachmentBody = v.InferInput<typeof createAttachmentBody>;

/** GET /api/attachments/{id} -> {"attachmentId","status","reason"?,"attachment"?} for its uploader; anyone else 404. */
import { getAttachmentDeps } from '../adapters/container';
import { getAttachment } from '../core/attachments';
import { attachmentIdSchema } from '../contract/fields';
import { httpHandler, ok } from '../edge/http';
import { notFound } from '../core/errors';
import { check } from '../contract/validate';

export const handler = httpHandler(async ({ user, params }) => {
  // A malformed id can't name anything: the same 404 as someone else's.
  const id = check(attachmentIdSchema, params.id);
  if (!id.success) throw notFound('no such attachment');
  return ok(await getAttachment(getAttachmentDeps(), user.userId, id.data));
});

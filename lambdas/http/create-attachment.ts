/** POST /api/attachments {"contentType","size"} -> 201 {"attachmentId","upload":{"url","fields"},"expiresAt"}. */
import { createAttachmentDeps } from '../adapters/container';
import { createUpload } from '../core/attachments';
import { createAttachmentBody } from '../contract/rest';
import { httpHandler, jsonBody } from '../edge/http';
import { parse } from '../edge/parse';

export const handler = httpHandler(async ({ user, event }) => {
  const body = parse(createAttachmentBody, jsonBody(event));
  return { status: 201, body: await createUpload(createAttachmentDeps(), user.userId, body) };
});

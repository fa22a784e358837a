/** DELETE /api/messages/{id} (a message id) -> 204. Chat: only its sender. System: only its recipient. Else 404. */
import { deleteDeps } from '../adapters/container';
import { deleteMessage } from '../core/chat';
import { httpHandler, noContent } from '../edge/http';
import { messageIdSchema } from '../contract/fields';
import { parse } from '../edge/parse';

export const handler = httpHandler(async ({ user, params }) => {
  const id = parse(messageIdSchema, params.id);
  await deleteMessage(deleteDeps(), user.userId, id);
  return noContent();
});

/** POST /api/messages/{id}/read ({id}: the peer's user id) -> {"updated":n}; same effect as the markRead frame. */
import { markReadDeps } from '../adapters/container';
import { markConversationRead } from '../core/chat';
import { httpHandler, ok } from '../edge/http';
import { userIdSchema } from '../contract/fields';
import { parse } from '../edge/parse';

export const handler = httpHandler(async ({ user, params }) => {
  const peer = parse(userIdSchema, params.id);
  return ok(await markConversationRead(markReadDeps(), user.userId, peer));
});

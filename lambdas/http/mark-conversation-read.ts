/** POST /api/messages/{userId}/read -> {"updated":n}; same effect as the markRead frame. */
import { deps } from '../adapters/container';
import { markConversationRead } from '../core/chat';
import { httpHandler, ok } from '../shared/http';
import { parse, userIdSchema } from '../shared/schemas';

export const handler = httpHandler(async ({ user, params }) => {
  const peer = parse(userIdSchema, params.userId);
  return ok(await markConversationRead(deps(), user.userId, peer));
});

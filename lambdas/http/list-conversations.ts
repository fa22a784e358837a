/** GET /api/messages/conversations/list?limit=&before= — most recent first; `before` is a lastMessage id. */
import { conversationsDeps } from '../adapters/container';
import { conversations, pageLimit } from '../core/chat';
import { httpHandler, ok } from '../edge/http';
import { pageQuery } from '../contract/rest';
import { parse } from '../edge/parse';

export const handler = httpHandler(async ({ user, query }) => {
  const q = parse(pageQuery, query);
  return ok(await conversations(conversationsDeps(), user.userId, { limit: pageLimit(q.limit), before: q.before }));
});

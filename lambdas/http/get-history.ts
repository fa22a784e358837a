/** GET /api/messages/{id}?limit=&before=&after= ({id}: the peer's user id) — my chat history with that user, oldest → newest. */
import { historyDeps } from '../adapters/container';
import { history, pageLimit } from '../core/chat';
import { httpHandler, ok } from '../edge/http';
import { historyQuery } from '../contract/rest';
import { userIdSchema } from '../contract/fields';
import { parse } from '../edge/parse';

export const handler = httpHandler(async ({ user, params, query }) => {
  const peer = parse(userIdSchema, params.id);
  const q = parse(historyQuery, query);
  return ok(await history(historyDeps(), user.userId, peer, { limit: pageLimit(q.limit), before: q.before, after: q.after }));
});

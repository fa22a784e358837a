/** GET /api/messages/system/list?limit=&before=&unreadOnly=true — newest first. */
import { deps } from '../adapters/container';
import { pageLimit, systemList } from '../core/chat';
import { httpHandler, ok } from '../shared/http';
import { parse, systemListQuery } from '../shared/schemas';

export const handler = httpHandler(async ({ user, query }) => {
  const q = parse(systemListQuery, query);
  return ok(await systemList(deps(), user.userId, { limit: pageLimit(q.limit), before: q.before, unreadOnly: q.unreadOnly === 'true' }));
});

/** GET /api/messages/system/list?limit=&before=&unreadOnly=true — newest first. */
import { systemListDeps } from '../adapters/container';
import { pageLimit, systemList } from '../core/chat';
import { httpHandler, ok } from '../edge/http';
import { systemListQuery } from '../contract/rest';
import { parse } from '../edge/parse';

export const handler = httpHandler(async ({ user, query }) => {
  const q = parse(systemListQuery, query);
  return ok(await systemList(systemListDeps(), user.userId, { limit: pageLimit(q.limit), before: q.before, unreadOnly: q.unreadOnly === 'true' }));
});

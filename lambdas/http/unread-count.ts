/** GET /api/messages/unread/count — counters, not a count over messages. */
import { unreadCountsDeps } from '../adapters/container';
import { unreadCounts } from '../core/chat';
import { httpHandler, ok } from '../edge/http';

export const handler = httpHandler(async ({ user }) => ok(await unreadCounts(unreadCountsDeps(), user.userId)));

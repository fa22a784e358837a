/** GET /api/friends -> {"items":[{userId,name,online,unreadCount}]}, online first. */
import { friendListDeps } from '../adapters/container';
import { listFriends } from '../core/chat';
import { httpHandler, ok } from '../edge/http';

export const handler = httpHandler(async ({ user }) => ok(await listFriends(friendListDeps(), user.userId)));

/** POST /api/messages/system/mark-read {"messageIds":[…≤100]} | {"all":true} -> {"updated":n} */
import { systemMarkReadDeps } from '../adapters/container';
import { markSystemRead } from '../core/chat';
import { httpHandler, jsonBody, ok } from '../edge/http';
import { markSystemReadBody } from '../contract/rest';
import { parse } from '../edge/parse';

export const handler = httpHandler(async ({ user, event }) => {
  const body = parse(markSystemReadBody, jsonBody(event));
  return ok(await markSystemRead(systemMarkReadDeps(), user.userId, 'all' in body ? 'all' : body.messageIds));
});

/** POST /api/messages/system/mark-read {"messageIds":[…≤100]} | {"all":true} -> {"updated":n} */
import { systemMarkReadDeps } from '../adapters/container';
import { markSystemRead } from '../core/chat';
import { httpHandler, jsonBody, ok } from '../shared/http';
import { markSystemReadBody } from '../shared/rest-schemas';
import { parse, parseJson } from '../shared/schemas';

export const handler = httpHandler(async ({ user, event }) => {
  const body = parse(markSystemReadBody, parseJson(jsonBody(event)));
  return ok(await markSystemRead(systemMarkReadDeps(), user.userId, 'all' in body ? 'all' : body.messageIds));
});

/** POST /api/messages/system/mark-read {"messageIds":[…≤100]} | {"all":true} -> {"updated":n} */
import { deps } from '../adapters/container';
import { markSystemRead } from '../core/chat';
import { httpHandler, jsonBody, ok } from '../shared/http';
import { markSystemReadBody, parse, parseJson } from '../shared/schemas';

export const handler = httpHandler(async ({ user, event }) => {
  const body = parse(markSystemReadBody, parseJson(jsonBody(event)));
  return ok(await markSystemRead(deps(), user.userId, 'all' in body ? 'all' : body.messageIds));
});

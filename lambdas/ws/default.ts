/** $default: anything that is not a known action gets BAD_REQUEST; the connection stays open. */
import { badRequest } from '../core/errors';
import { pusher } from '../adapters/management';
import { frameHandler } from '../edge/ws';

export const handler = frameHandler(async (_caller, frame) => {
  const action = frame.action;
  if (typeof action !== 'string' || action === '') throw badRequest('a frame needs an "action" (sendMessage, markRead, typing or ping)');
  throw badRequest(`unknown action "${action.slice(0, 40)}" (use sendMessage, markRead, typing or ping)`);
}, pusher);

/** typing: relayed to the friend's connections, never stored. */
import { pusher, typingDeps } from '../adapters/container';
import { typing } from '../core/chat';
import { typingFrame } from '../contract/frames';
import { parse } from '../edge/parse';
import { frameHandler } from '../edge/ws';

export const handler = frameHandler(async (caller, raw) => {
  const frame = parse(typingFrame, raw);
  await typing(typingDeps(), caller.userId, frame.to);
  return undefined;
}, pusher);

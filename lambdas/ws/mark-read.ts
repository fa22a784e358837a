/** markRead (rate-limited per user): everything from peerId to me becomes read; my tabs get conversationRead, the peer a read receipt. */
import { markReadFrameDeps, pusher } from '../adapters/container';
import { markConversationReadFrame } from '../core/chat';
import { markReadFrame } from '../contract/frames';
import { parse } from '../edge/parse';
import { frameHandler } from '../edge/ws';

export const handler = frameHandler(async (caller, raw) => {
  const frame = parse(markReadFrame, raw);
  await markConversationReadFrame(markReadFrameDeps(), caller.userId, frame.peerId);
  return undefined;
}, pusher);

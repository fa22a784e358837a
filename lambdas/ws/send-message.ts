/** sendMessage: store durably, then ack the sender with the stored message (the original one on a resend). */
import { pusher, sendDeps } from '../adapters/container';
import { sendChat } from '../core/chat';
import { sendMessageFrame } from '../contract/frames';
import { parse } from '../edge/parse';
import { frameHandler } from '../edge/ws';

export const handler = frameHandler(async (caller, raw) => {
  const frame = parse(sendMessageFrame, raw);
  const { message } = await sendChat(sendDeps(), {
    from: caller.userId,
    connectionId: caller.connectionId,
    to: frame.to,
    content: frame.content,
    clientMessageId: frame.clientMessageId,
    metadata: frame.metadata,
    attachments: frame.attachments,
  });
  return { type: 'ack', clientMessageId: frame.clientMessageId, message };
}, pusher);

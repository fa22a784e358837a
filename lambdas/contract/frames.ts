/**
 * WebSocket frames (CONTRACT.md "WebSocket"): the schemas of client -> server frames, with their types inferred from
 * them, and the server -> client frames. Apart from the REST and event schemas so that each bundle carries only the
 * checks its handler uses.
 */
import * as v from 'valibot';
import type { ErrorCode } from './errors';
import { attachmentIdSchema, userIdSchema } from './fields';
import { LIMITS } from './limits';
import type { AttachmentRejectReason, Message } from './messages';

// A JSON object (valibot's record would also take an array).
const metadataSchema = v.nullable(
  v.custom<Record<string, unknown>>((o) => typeof o === 'object' && o !== null && !Array.isArray(o), 'must be object'),
);

export const sendMessageFrame = v.object({
  action: v.literal('sendMessage'),
  to: userIdSchema,
  content: v.string(),
  clientMessageId: v.pipe(v.string(), v.regex(LIMITS.clientMessageId)),
  metadata: v.optional(metadataSchema),
  /** 1–4 distinct ids of the sender's ready, unsent attachments (distinctness: core/chat.ts). */
  attachments: v.optional(v.pipe(v.array(attachmentIdSchema), v.minLength(1), v.maxLength(4))),
});
export const markReadFrame = v.object({ action: v.literal('markRead'), peerId: userIdSchema });
export const typingFrame = v.object({ action: v.literal('typing'), to: userIdSchema });

export type SendMessageFrame = v.InferInput<typeof sendMessageFrame>;
export type MarkReadFrame = v.InferInput<typeof markReadFrame>;
export type TypingFrame = v.InferInput<typeof typingFrame>;
/** `ping` has no fields to check: the route alone answers it. */
export type PingFrame = { action: 'ping' };

/** Client -> server frames. */
export type ClientFrame = SendMessageFrame | MarkReadFrame | TypingFrame | PingFrame;

/** Server -> client frames (CONTRACT.md "Server → client"). */
export type ServerFrame =
  | { type: 'ack'; clientMessageId: string; message: Message }
  | { type: 'message'; message: Message }
  | { type: 'notification'; message: Message }
  | { type: 'presence'; userId: string; online: boolean }
  | { type: 'friendship'; userId: string; status: 'created'; name: string }
  | { type: 'friendship'; userId: string; status: 'removed' }
  | { type: 'read'; by: string; upTo: string }
  | { type: 'conversationRead'; peerId: string }
  | { type: 'typing'; from: string }
  | { type: 'messageDeleted'; messageId: string; peerId: string }
  | { type: 'attachment'; attachmentId: string; status: 'ready' }
  | { type: 'attachment'; attachmentId: string; status: 'rejected'; reason: AttachmentRejectReason }
  | { type: 'pong' }
  | { type: 'error'; code: ErrorCode; message: string; clientMessageId?: string };

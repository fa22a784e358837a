/**
 * Schemas of WebSocket frames, apart from the REST and event schemas so that each bundle carries only the checks
 * its handler uses.
 */
import * as v from 'valibot';
import { LIMITS } from '../core/model';
import { userIdSchema } from './schemas';

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
});
export const markReadFrame = v.object({ action: v.literal('markRead'), peerId: userIdSchema });
export const typingFrame = v.object({ action: v.literal('typing'), to: userIdSchema });

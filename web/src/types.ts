/**
 * The public contract's types, from the one contract module the server uses too (lambdas/contract/): the only things
 * the client relies on. Type-only re-exports (erased from the build); the one value comes from ./limits, which imports
 * nothing, so no schema library reaches the web bundle.
 */
export type {
  Attachment,
  AttachmentState,
  CreatedAttachment,
  ClientFrame,
  ErrorCode,
  Friend,
  Message,
  MessageType,
  Page,
  ServerFrame,
  UnreadCounts,
  ConversationSummary,
  WebConfig,
} from '../../lambdas/contract';
export { ATTACHMENT_CONTENT_TYPES, ATTACHMENT_LIMITS, MAX_CONTENT_CHARS } from '../../lambdas/contract/limits';

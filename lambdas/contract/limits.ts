/**
 * The contract's numbers (CONTRACT.md). Plain constants, no imports: the web client imports this file for its values
 * (MAX_CONTENT_CHARS) without pulling a schema library into its bundle.
 */

/** Content limit in characters (Unicode code points), as the server counts them. */
export const MAX_CONTENT_CHARS = 4000;

/** Upper bounds the domain enforces (CONTRACT.md). */
export const LIMITS = {
  contentChars: MAX_CONTENT_CHARS,
  clientMessageId: /^[A-Za-z0-9_-]{1,64}$/,
  /** User ids are JWT subjects; '#' and '/' would break keys and paths. */
  userId: /^[A-Za-z0-9_.@:|+=-]{1,128}$/,
  metadataBytes: 4096,
  /** Nesting levels of metadata (an object holding a value is 1). */
  metadataDepth: 16,
  pageDefault: 50,
  pageMax: 100,
  markReadIds: 100,
  taskRecipients: 1000,
} as const;

/** The bounds of event details (CONTRACT.md "Events"). */
export const EVENT_LIMITS = { id: 128, name: 100, title: 200, description: 200, content: 1000, currency: 16, amount: 32 } as const;

/**
 * Default per-user rates, "<count>/<seconds>" (CONTRACT.md: 30 sendMessage, 10 typing and 30 markRead frames per
 * 10 seconds, configurable; 20 uploads per 10 minutes) and connection bounds. The one place these defaults are written: the CDK config
 * (lib/config.ts) and the functions' run-time config (lambdas/shared/config.ts) both read them.
 */
export const DEFAULT_RATES = { sendMessage: '30/10', typing: '10/10', markRead: '30/10', upload: '20/600' } as const;
/** Live connections one user may hold; the next handshake is refused with 429. */
export const DEFAULT_MAX_CONNECTIONS_PER_USER = 10;
/** Hours a connection row lives without a $disconnect (the cloud caps a connection at 2). */
export const DEFAULT_CONNECTION_TTL_HOURS = 3;

/** Image attachments (CONTRACT.md "Attachments (images)"). */
export const ATTACHMENT_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
export type AttachmentContentType = (typeof ATTACHMENT_CONTENT_TYPES)[number];
export const ATTACHMENT_LIMITS = {
  /** Declared size of one upload, bytes (1 B–10 MB; MB = 1024 × 1024). */
  minBytes: 1,
  maxBytes: 10 * 1024 * 1024,
  /** Attachments one message may carry. */
  perMessage: 4,
  /** Seconds the presigned POST is valid. */
  uploadSeconds: 900,
  /** Seconds an attachment may wait to be sent before it (and its files) expire. */
  unsentSeconds: 24 * 3600,
  /** Seconds a signed file URL is valid. */
  urlSeconds: 2 * 3600,
} as const;

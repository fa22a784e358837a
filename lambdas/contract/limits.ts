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
 * 10 seconds, configurable) and connection bounds. The one place these defaults are written: the CDK config
 * (lib/config.ts) and the functions' run-time config (lambdas/shared/config.ts) both read them.
 */
export const DEFAULT_RATES = { sendMessage: '30/10', typing: '10/10', markRead: '30/10' } as const;
/** Live connections one user may hold; the next handshake is refused with 429. */
export const DEFAULT_MAX_CONNECTIONS_PER_USER = 10;
/** Hours a connection row lives without a $disconnect (the cloud caps a connection at 2). */
export const DEFAULT_CONNECTION_TTL_HOURS = 3;

/**
 * The environment variables the Lambda handlers read at run time (lambdas/shared/config.ts). Here, with the handlers
 * (lib/env.ts and lib/wiring.ts re-export them for the CDK app and the local stack; the event detail types, the other
 * names read at run time, are the contract's: lambdas/contract/event-types.ts), so nothing in lambdas/ imports lib/,
 * and a handler bundle carries these few strings
 * and not wiring's FUNCTIONS table: `fn(...)` calls with object spreads are not
 * provably pure, so esbuild keeps the whole table in any bundle that imports wiring (3.5 KB in every handler).
 */

/*
 * Each name is its own constant, so a handler bundle keeps only the names its settings read (lambdas/shared/config.ts);
 * `ENV` gathers them for the CDK app, the local stack and the tests.
 */
/** Physical name of the main table (wiring's MAIN_TABLE.envVar). */
export const ENV_TABLE_NAME = 'TABLE_NAME';
/** Physical name of the connections table (wiring's CONNECTIONS_TABLE.envVar). */
export const ENV_CONNECTIONS_TABLE = 'CONNECTIONS_TABLE';
/** https://{apiId}.execute-api.{region}.amazonaws.com/{stage} (cloud) or http://127.0.0.1:3000/_aws/ws (local). */
export const ENV_WS_MANAGEMENT_ENDPOINT = 'WS_MANAGEMENT_ENDPOINT';
export const ENV_JWT_ISSUER = 'JWT_ISSUER';
export const ENV_JWT_AUDIENCE = 'JWT_AUDIENCE';
export const ENV_JWKS_URI = 'JWKS_URI';
/** Comma-separated browser origins allowed on the WebSocket handshake. */
export const ENV_ALLOWED_ORIGINS = 'ALLOWED_ORIGINS';
/** Per-user limits: "<count>/<seconds>", e.g. "30/10". */
export const ENV_RATE_SEND_MESSAGE = 'RATE_LIMIT_SEND';
export const ENV_RATE_TYPING = 'RATE_LIMIT_TYPING';
export const ENV_RATE_MARK_READ = 'RATE_LIMIT_MARK_READ';
/** Uploads per user (default "20/600"). */
export const ENV_RATE_UPLOAD = 'RATE_LIMIT_UPLOAD';
/** The uploads bucket (wiring's UPLOADS_BUCKET.envVar): raw uploads under uploads/, cleaned files under files/. */
export const ENV_UPLOADS_BUCKET = 'UPLOADS_BUCKET';
/** Hours a connection row lives without a $disconnect (default 3; cloud caps connections at 2). */
export const ENV_CONNECTION_TTL_HOURS = 'CONNECTION_TTL_HOURS';
/** Live connections one user may hold (default 10); the next handshake gets 429. */
export const ENV_MAX_CONNECTIONS_PER_USER = 'MAX_CONNECTIONS_PER_USER';

/** Environment variables the functions read. Set by CDK in the cloud and by the local stack locally. */
export const ENV = {
  tableName: ENV_TABLE_NAME,
  connectionsTable: ENV_CONNECTIONS_TABLE,
  wsManagementEndpoint: ENV_WS_MANAGEMENT_ENDPOINT,
  jwtIssuer: ENV_JWT_ISSUER,
  jwtAudience: ENV_JWT_AUDIENCE,
  jwksUri: ENV_JWKS_URI,
  allowedOrigins: ENV_ALLOWED_ORIGINS,
  rateSendMessage: ENV_RATE_SEND_MESSAGE,
  rateTyping: ENV_RATE_TYPING,
  rateMarkRead: ENV_RATE_MARK_READ,
  rateUpload: ENV_RATE_UPLOAD,
  uploadsBucket: ENV_UPLOADS_BUCKET,
  connectionTtlHours: ENV_CONNECTION_TTL_HOURS,
  maxConnectionsPerUser: ENV_MAX_CONNECTIONS_PER_USER,
} as const;

/**
 * Attachments served through the CDN (CDK option `attachmentsCdnPublicKey`; lib/uploads.ts sets them on the
 * URL-signing functions only, all three or none): the distribution's domain (<id>.cloudfront.net, whose /files/*
 * behavior serves the bucket's files/), the CloudFront public key id ("Key-Pair-Id" of a signed URL), and the SSM
 * SecureString parameter holding the private key (PEM). Unset: readers get S3 presigned URLs. Apart from ENV so only
 * the signing handlers carry the names (lambdas/adapters/s3/file-urls.ts).
 */
export const CDN_ENV = {
  domain: 'ATTACHMENTS_CDN_DOMAIN',
  keyPairId: 'ATTACHMENTS_CDN_KEY_PAIR_ID',
  privateKeyParameter: 'ATTACHMENTS_CDN_PRIVATE_KEY_PARAM',
} as const;

/** The contract's error codes and the HTTP status each one has on the REST API (CONTRACT.md). */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'TOO_LARGE'
  | 'NOT_FRIENDS'
  | 'RATE_LIMITED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INTERNAL';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  TOO_LARGE: 413,
  NOT_FRIENDS: 403,
  RATE_LIMITED: 429,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INTERNAL: 500,
};

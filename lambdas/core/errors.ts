/** Typed errors: the domain throws these; the edges map them to the contract's codes and statuses. */
import { HTTP_STATUS, type ErrorCode } from '../contract/errors';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export const badRequest = (message: string) => new AppError('BAD_REQUEST', message);
export const tooLarge = (message = 'content is over 4,000 characters') => new AppError('TOO_LARGE', message);
export const notFriends = (message = 'you can only message your friends') => new AppError('NOT_FRIENDS', message);
export const rateLimited = (message = 'too many requests, slow down') => new AppError('RATE_LIMITED', message);
export const unauthorized = (message = 'a valid bearer token is required') => new AppError('UNAUTHORIZED', message);
export const notFound = (message = 'not found') => new AppError('NOT_FOUND', message);
/** A clientMessageId is an idempotency key: reused for a different message, it is refused (contract v1.1). */
export const clientMessageIdReused = () => badRequest('"clientMessageId" was already used for a different message; use a new one for each message');

/** Any error as the contract's code and a message safe to show (never internals). */
export function toPublicError(err: unknown): { code: ErrorCode; message: string; status: number } {
  if (err instanceof AppError) return { code: err.code, message: err.message, status: err.httpStatus };
  return { code: 'INTERNAL', message: 'something went wrong; please retry', status: 500 };
}

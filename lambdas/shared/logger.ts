/** Structured JSON logs. Never log tokens or message bodies: log ids, codes and counts. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'parley' });

/**
 * The start of every invocation (each edge wrapper calls it first): keys a previous invocation appended are dropped
 * and this invocation's Lambda context (function_request_id, cold_start...) goes on every log line — what Powertools'
 * `injectLambdaContext({ resetKeys: true })` does, without a middleware.
 */
export function startInvocation(context: Context | undefined): void {
  logger.resetKeys();
  if (context) logger.addContext(context);
}

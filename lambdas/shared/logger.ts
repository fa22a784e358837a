/** Structured JSON logs. Never log tokens or message bodies: log ids, codes and counts. */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'parley' });

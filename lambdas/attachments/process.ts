/**
 * S3 ObjectCreated on `uploads/` (wiring S3_TRIGGERS): each record's raw upload checked and cleaned
 * (core/attachments.ts processUploaded). S3 writes the key in the event form-encoded (a space as `+`, other bytes
 * %XX), so it is decoded before use. A failure throws, so Lambda's asynchronous retries run it again; a record that
 * is no longer pending makes a redelivery a no-op.
 */
import type { Context, S3Event } from 'aws-lambda';
import { processAttachmentDeps } from '../adapters/container';
import { processUploaded } from '../core/attachments';
import { logger, startInvocation } from '../shared/logger';
import { processImage } from './image';

/** An S3 event key as S3 encodes it (application/x-www-form-urlencoded) -> the object key. */
export const decodeS3Key = (key: string): string => decodeURIComponent(key.replace(/\+/g, ' '));

export const handler = async (event: S3Event, context?: Context): Promise<void> => {
  startInvocation(context);
  const deps = { ...processAttachmentDeps(), processImage };
  for (const record of event.Records ?? []) {
    const key = decodeS3Key(record.s3.object.key);
    const outcome = await processUploaded(deps, key);
    logger.info('upload processed', { key, outcome });
  }
};

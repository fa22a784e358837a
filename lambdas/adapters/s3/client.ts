/**
 * One S3 client per container. Endpoint and region come from the environment: in the cloud the regional endpoint;
 * locally the SDK's standard `AWS_ENDPOINT_URL_S3` names the stack's own S3-compatible endpoint
 * (`http://127.0.0.1:<port>/_aws/s3`, local/s3/), which is addressed path-style — so is every URL signed from it,
 * which the browser then fetches from the web client's own origin.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { once } from '../../shared/config';

export const s3Client = /* @__PURE__ */ once(
  () =>
    new S3Client({
      maxAttempts: 3,
      ...(process.env.AWS_ENDPOINT_URL_S3 ? { forcePathStyle: true } : {}),
    }),
);

/**
 * A local S3-compatible endpoint: the subset Parley's images need, answered the way S3 answers it, for the stock
 * `@aws-sdk/client-s3` (path-style), `@aws-sdk/s3-request-presigner` and `@aws-sdk/s3-presigned-post`.
 *
 * Why hand-written: the npm S3 servers checked (s3rver 3.7.1, last published 2021, the best known) accept any SigV4
 * signature ("Signature version 4 calculation is unimplemented" in its authentication middleware) and don't enforce
 * POST policy conditions, so the local stack would be kinder than S3, which the design forbids. What is here:
 *  - PutObject (with x-amz-tagging), GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject,
 *    Put/Get/DeleteObjectTagging, signed with the Authorization header
 *    (SigV4 checked, x-amz-content-sha256, Content-MD5 and CRC32 checksums checked against the body, aws-chunked
 *    bodies decoded) or presigned (X-Amz-Expires enforced); If-None-Match answered with 304;
 *  - POST Object (browser form upload, parsed with busboy): the policy's signature, expiration and every condition,
 *    no unlisted fields, content-length-range counted while the file streams (an oversize file is never kept
 *    whole), success_action_status / success_action_redirect;
 *  - CORS for the configured web origins (preflight and response headers);
 *  - after an object is created, `onObjectCreated` gets the S3 event notification of the exact S3 shape (event.ts),
 *    delivered after the response, like S3's asynchronous invocation of a function.
 * Not here: listing, multipart uploads, Range, versioning, ACLs, bucket management (buckets are given up front).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FOREIGN_HOST_MESSAGE, hostAllowed } from '../host-check';
import type { S3Event } from 'aws-lambda';
import { S3Error, accessDenied, errorXml, invalidArgument, methodNotAllowed, noSuchBucket, notImplemented } from './errors';
import { safeDecode } from './body';
import { type Endpoint, createCall } from './context';
import { corsHeaders, preflight } from './cors';
import { buildS3Event, newHostId, newRequestId, nextSequencer } from './event';
import { copyObject, deleteObjects, getObject, objectTagging, putObject } from './objects';
import { postObject } from './post';
import { type Credentials, authenticate } from './sigv4';
import type { ObjectStore } from './store';

// Kept importable from here, where it lived before the split into body / objects / post / cors / context.
export { decodeAwsChunked } from './body';

export interface LocalS3Options {
  region: string;
  /** The one key pair the endpoint accepts (the stack's local credentials). */
  credentials: Credentials;
  /** Buckets that exist (as the CDK stack would create them). */
  buckets: readonly string[];
  store: ObjectStore;
  /** Path the endpoint is mounted under on a shared server, e.g. '/_aws/s3'; '' on its own port. */
  prefix?: string;
  /** Browser origins the buckets' CORS rules allow (the web client's). */
  corsOrigins?: readonly string[];
  /** The clock for signatures, presigned URLs and policies (tests move it). */
  now?: () => Date;
  /** Gets S3's ObjectCreated notification after each PutObject / POST / CopyObject, after the response is sent. */
  onObjectCreated?: (event: S3Event) => void | Promise<void>;
  /** Told when onObjectCreated throws: like S3 invoking a function asynchronously, the upload stays done. */
  onNotifyError?: (err: unknown, event: S3Event) => void;
  /** The notification's configurationId (the CDK names one per notification). */
  configurationId?: string;
  /** The most a PutObject body or POST file may hold here (S3 allows 5 GiB; a PutObject body is read whole). */
  maxPutBytes?: number;
}

export type S3RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const OWNER_PRINCIPAL = 'A3LOCALPARLEYOWNER';

export function createS3Handler(opts: LocalS3Options): S3RequestHandler {
  const prefix = (opts.prefix ?? '').replace(/\/+$/, '');
  const now = opts.now ?? (() => new Date());
  const buckets = new Set(opts.buckets);
  const origins = new Set((opts.corsOrigins ?? []).map((o) => o.replace(/\/+$/, '')));
  const maxPut = opts.maxPutBytes ?? 64 * 1024 * 1024;
  const sig = { credentials: opts.credentials, region: opts.region, now };

  const notify: Endpoint['notify'] = (req, ids, eventName, bucket, info, accessKeyId) => {
    if (!opts.onObjectCreated) return;
    const time = now();
    const event = buildS3Event({
      eventName,
      region: opts.region,
      bucket,
      key: info.key,
      size: info.size,
      eTag: info.etag,
      time,
      principalId: `AWS:${accessKeyId}`,
      ownerPrincipalId: OWNER_PRINCIPAL,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      requestId: ids.requestId,
      hostId: ids.hostId,
      configurationId: opts.configurationId ?? 'parley-local-object-created',
      sequencer: nextSequencer(time),
    });
    // S3 invokes the function asynchronously, after the upload has been answered.
    setImmediate(() => {
      Promise.resolve()
        .then(() => opts.onObjectCreated!(event))
        .catch((err) => opts.onNotifyError?.(err, event));
    });
  };
  const ep: Endpoint = { store: opts.store, buckets, prefix, now, maxPut, sig, notify };

  return async (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    if (prefix && rawPath !== prefix && !rawPath.startsWith(`${prefix}/`)) return false;

    const ids = { requestId: newRequestId(), hostId: newHostId() };
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = req.headers.origin?.replace(/\/+$/, '');
    const base = { 'x-amz-request-id': ids.requestId, 'x-amz-id-2': ids.hostId, ...corsHeaders(origins, origin) };
    const call = createCall(req, res, method, ids, base);
    const { send, sendXml } = call;

    const rest = rawPath.slice(prefix.length).replace(/^\//, '');
    const slash = rest.indexOf('/');
    const bucket = safeDecode(slash < 0 ? rest : rest.slice(0, slash)) ?? '';
    const key = slash < 0 ? '' : safeDecode(rest.slice(slash + 1));
    const query = new URLSearchParams(rawQuery);

    try {
      if (key === undefined) throw invalidArgument('Invalid URI');
      if (method === 'OPTIONS') return preflight(req, res, base, origins, origin, ids), true;
      if (!bucket) throw notImplemented();
      if (!buckets.has(bucket)) throw noSuchBucket(bucket);

      if (method === 'POST' && key === '' && /^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
        await postObject(ep, call, bucket);
        return true;
      }

      const auth = authenticate({ method, rawPath, rawQuery, headers: req.headers }, sig);
      if (!auth) throw accessDenied();

      if (key === '') {
        if (method === 'POST' && query.has('delete')) return await deleteObjects(ep, call, bucket, auth.payloadHash), true;
        throw notImplemented();
      }
      if (query.has('tagging')) {
        await objectTagging(ep, call, bucket, key, auth.payloadHash);
        return true;
      }
      switch (method) {
        case 'PUT':
          if (req.headers['x-amz-copy-source']) await copyObject(ep, call, bucket, key, auth.accessKeyId);
          else await putObject(ep, call, bucket, key, auth.payloadHash, auth.accessKeyId);
          return true;
        case 'GET':
        case 'HEAD':
          await getObject(ep, call, bucket, key, query, auth.via === 'query');
          return true;
        case 'DELETE':
          await opts.store.delete(bucket, key);
          send(204);
          return true;
        default:
          throw methodNotAllowed(method);
      }
    } catch (err) {
      const e = err instanceof S3Error ? err : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      if (!(err instanceof S3Error)) console.error('local s3:', err);
      if (res.headersSent) {
        res.destroy();
        return true;
      }
      if (method === 'HEAD') send(e.status, undefined, {});
      else sendXml(e.status, errorXml(e, ids, rawPath.slice(prefix.length)).replace(/^<\?xml[^>]*>\n/, ''));
      return true;
    }
  };
}

/** Run the endpoint on its own loopback port (tests; or `npm start` if it doesn't mount it on the gateway). */
export async function startLocalS3(
  opts: LocalS3Options & { port?: number; host?: string },
): Promise<{ url: string; port: number; server: http.Server; close: () => Promise<void> }> {
  const handle = createS3Handler({ ...opts, prefix: opts.prefix ?? '' });
  let port = 0;
  const server = http.createServer((req, res) => {
    // DNS rebinding (local/host-check.ts): only requests naming this endpoint by a loopback name are answered.
    if (!hostAllowed(req.headers.host, port)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(FOREIGN_HOST_MESSAGE);
      return;
    }
    handle(req, res)
      .then((handled) => {
        if (!handled) {
          res.writeHead(404);
          res.end();
        }
      })
      .catch(() => res.destroy());
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}${opts.prefix ?? ''}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

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
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import busboy from 'busboy';
import { FOREIGN_HOST_MESSAGE, hostAllowed } from '../host-check';
import type { S3Event } from 'aws-lambda';
import {
  S3Error,
  accessDenied,
  corsForbidden,
  entityTooLarge,
  errorXml,
  invalidArgument,
  invalidRequest,
  malformedXml,
  methodNotAllowed,
  noSuchBucket,
  noSuchKey,
  notImplemented,
  xmlEscape,
} from './errors';
import { type ObjectCreatedName, buildS3Event, newHostId, newRequestId, nextSequencer } from './event';
import { checkPolicy, checkSize, parsePolicy } from './post-policy';
import { type Credentials, authenticate, sha256Hex, verifyPolicySignature } from './sigv4';
import type { ObjectInfo, ObjectMeta, ObjectStore } from './store';

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

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
const OWNER_PRINCIPAL = 'A3LOCALPARLEYOWNER';

/** Read a whole body, refusing more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(entityTooLarge(size, limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Decode an aws-chunked body (`<hex-size>[;chunk-signature=...]\r\n<bytes>\r\n` ... `0\r\n<trailers>\r\n\r\n`), as the
 * SDK sends a stream with a trailing checksum. Chunk signatures are not checked here (the seed signature is).
 */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', pos);
    if (eol < 0) throw invalidRequest('Malformed aws-chunked body');
    const size = parseInt(body.subarray(pos, eol).toString('latin1').split(';')[0], 16);
    if (!Number.isFinite(size) || size < 0) throw invalidRequest('Malformed aws-chunked body');
    pos = eol + 2;
    if (size === 0) break;
    out.push(body.subarray(pos, pos + size));
    pos += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(pos).toString('latin1').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) trailers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { data: Buffer.concat(out), trailers };
}

/** Content-MD5 and the CRC32 flexible checksum (header or trailer), as S3 checks them: BadDigest when they differ. */
function checkDigests(data: Buffer, headers: Record<string, string>): void {
  const md5 = headers['content-md5'];
  if (md5 && createHash('md5').update(data).digest('base64') !== md5) {
    throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const crc = headers['x-amz-checksum-crc32'];
  if (crc) {
    const mine = Buffer.alloc(4);
    mine.writeUInt32BE(crc32(data));
    if (mine.toString('base64') !== crc) throw new S3Error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
  }
}

function userMetadata(source: Iterable<[string, string]>): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [k, v] of source) if (k.toLowerCase().startsWith('x-amz-meta-')) meta[k.toLowerCase().slice(11)] = v;
  return meta;
}

function headerEntries(req: IncomingMessage): Array<[string, string]> {
  return Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]);
}

const xmlUnescape = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()];
    return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

const safeDecode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** S3's tag rules: at most 10 tags per object, keys 1–128 and values 0–256 characters, keys unique. */
function checkTags(pairs: Array<[string, string]>): Record<string, string> {
  const invalidTag = (message: string) => new S3Error(400, 'InvalidTag', message);
  if (pairs.length > 10) throw new S3Error(400, 'BadRequest', 'Object tags cannot be greater than 10');
  const tags: Record<string, string> = {};
  for (const [k, v] of pairs) {
    if (k.length < 1 || k.length > 128) throw invalidTag('The TagKey you have provided is invalid');
    if (v.length > 256) throw invalidTag('The TagValue you have provided is invalid');
    if (Object.hasOwn(tags, k)) throw invalidTag('Cannot provide multiple Tags with the same key');
    tags[k] = v;
  }
  return tags;
}

/** The `x-amz-tagging` header of PutObject / CopyObject: URL query encoded, `k1=v1&k2=v2`. */
function parseTagHeader(header: string): Record<string, string> {
  if (header.trim() === '') return {};
  return checkTags([...new URLSearchParams(header).entries()]);
}

export function createS3Handler(opts: LocalS3Options): S3RequestHandler {
  const prefix = (opts.prefix ?? '').replace(/\/+$/, '');
  const now = opts.now ?? (() => new Date());
  const buckets = new Set(opts.buckets);
  const origins = new Set((opts.corsOrigins ?? []).map((o) => o.replace(/\/+$/, '')));
  const maxPut = opts.maxPutBytes ?? 64 * 1024 * 1024;
  const sig = { credentials: opts.credentials, region: opts.region, now };

  const notify = (
    req: IncomingMessage,
    ids: { requestId: string; hostId: string },
    eventName: ObjectCreatedName,
    bucket: string,
    info: ObjectInfo,
    accessKeyId: string,
  ) => {
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

  return async (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    if (prefix && rawPath !== prefix && !rawPath.startsWith(`${prefix}/`)) return false;

    const ids = { requestId: newRequestId(), hostId: newHostId() };
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = req.headers.origin?.replace(/\/+$/, '');
    const cors: Record<string, string> =
      origin && origins.has(origin)
        ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'ETag, x-amz-request-id, x-amz-id-2', vary: 'Origin' }
        : {};
    const base = { 'x-amz-request-id': ids.requestId, 'x-amz-id-2': ids.hostId, ...cors };

    const send = (status: number, body?: string | Buffer, headers: Record<string, string | number> = {}) => {
      res.writeHead(status, { ...base, ...(body !== undefined && { 'content-length': Buffer.byteLength(body) }), ...headers });
      res.end(method === 'HEAD' ? undefined : body);
    };
    const sendXml = (status: number, xml: string, headers: Record<string, string> = {}) =>
      send(status, `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`, { 'content-type': 'application/xml', ...headers });

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
        await postObject(req, bucket);
        return true;
      }

      const auth = authenticate({ method, rawPath, rawQuery, headers: req.headers }, sig);
      if (!auth) throw accessDenied();

      if (key === '') {
        if (method === 'POST' && query.has('delete')) return await deleteObjects(req, bucket, auth.payloadHash), true;
        throw notImplemented();
      }
      if (query.has('tagging')) {
        await objectTagging(req, bucket, key, auth.payloadHash);
        return true;
      }
      switch (method) {
        case 'PUT':
          if (req.headers['x-amz-copy-source']) await copyObject(req, bucket, key, auth.accessKeyId);
          else await putObject(req, bucket, key, auth.payloadHash, auth.accessKeyId);
          return true;
        case 'GET':
        case 'HEAD':
          await getObject(bucket, key, query, auth.via === 'query');
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

    async function putObject(r: IncomingMessage, b: string, k: string, payloadHash: string, accessKeyId: string) {
      let body = await readBody(r, maxPut);
      if (/^[0-9a-f]{64}$/i.test(payloadHash) && sha256Hex(body) !== payloadHash.toLowerCase()) {
        throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
          ClientComputedContentSHA256: payloadHash,
          S3ComputedContentSHA256: sha256Hex(body),
        });
      }
      let trailers: Record<string, string> = {};
      if (payloadHash.startsWith('STREAMING-') || /aws-chunked/i.test(String(r.headers['content-encoding'] ?? ''))) ({ data: body, trailers } = decodeAwsChunked(body));
      checkDigests(body, { ...Object.fromEntries(headerEntries(r)), ...trailers });
      const writer = opts.store.writer(b, k);
      await writer.write(body);
      const tagHeader = r.headers['x-amz-tagging'];
      const tags = tagHeader === undefined ? {} : parseTagHeader(String(tagHeader));
      const info = await writer.commit({
        contentType: String(r.headers['content-type'] ?? DEFAULT_CONTENT_TYPE),
        metadata: userMetadata(headerEntries(r)),
        ...(Object.keys(tags).length ? { tags } : {}),
      });
      send(200, undefined, { etag: `"${info.etag}"`, 'content-length': 0 });
      notify(r, ids, 'ObjectCreated:Put', b, info, accessKeyId);
    }

    async function copyObject(r: IncomingMessage, b: string, k: string, accessKeyId: string) {
      const source = String(r.headers['x-amz-copy-source']).split('?')[0].replace(/^\//, '');
      const i = source.indexOf('/');
      const sb = safeDecode(source.slice(0, i)) ?? '';
      const sk = safeDecode(source.slice(i + 1));
      if (i < 0 || !sk) throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
      if (!buckets.has(sb)) throw noSuchBucket(sb);
      const src = await opts.store.get(sb, sk);
      if (!src) throw noSuchKey(sk);
      const replace = String(r.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
      const meta: ObjectMeta = replace
        ? { contentType: String(r.headers['content-type'] ?? DEFAULT_CONTENT_TYPE), metadata: userMetadata(headerEntries(r)) }
        : { contentType: src.info.contentType, metadata: src.info.metadata };
      const tagDirective = String(r.headers['x-amz-tagging-directive'] ?? 'COPY').toUpperCase();
      const copiedTags = tagDirective === 'REPLACE' ? parseTagHeader(String(r.headers['x-amz-tagging'] ?? '')) : (src.info.tags ?? {});
      if (Object.keys(copiedTags).length) meta.tags = copiedTags;
      r.resume();
      const writer = opts.store.writer(b, k);
      for await (const chunk of src.body()) await writer.write(chunk as Buffer);
      const info = await writer.commit(meta);
      sendXml(200, `<CopyObjectResult xmlns="${XMLNS}"><LastModified>${info.lastModified.toISOString()}</LastModified><ETag>&quot;${info.etag}&quot;</ETag></CopyObjectResult>`);
      notify(r, ids, 'ObjectCreated:Copy', b, info, accessKeyId);
    }

    async function getObject(b: string, k: string, qs: URLSearchParams, presigned: boolean) {
      const found = await opts.store.get(b, k);
      if (!found) throw noSuchKey(k);
      const { info } = found;
      const headers: Record<string, string | number> = {
        'content-type': info.contentType,
        'content-length': info.size,
        etag: `"${info.etag}"`,
        'last-modified': info.lastModified.toUTCString(),
        'accept-ranges': 'bytes',
      };
      for (const [name, value] of Object.entries(info.metadata)) headers[`x-amz-meta-${name}`] = value;
      const tagCount = Object.keys(info.tags ?? {}).length;
      if (tagCount) headers['x-amz-tagging-count'] = tagCount;
      // response-* overrides are honoured on signed requests only, as S3 does.
      const overrides: Record<string, string> = {
        'response-content-type': 'content-type',
        'response-content-disposition': 'content-disposition',
        'response-cache-control': 'cache-control',
        'response-content-language': 'content-language',
        'response-expires': 'expires',
        'response-content-encoding': 'content-encoding',
      };
      for (const [param, header] of Object.entries(overrides)) {
        const v = qs.get(param);
        if (v !== null) headers[header] = v;
      }
      void presigned;
      // Conditional GET (browsers revalidating a cached image): 304 with no body.
      const inm = req.headers['if-none-match'];
      if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === `"${info.etag}"` || t.trim() === '*')) {
        res.writeHead(304, { ...base, etag: `"${info.etag}"`, 'last-modified': info.lastModified.toUTCString() });
        res.end();
        return;
      }
      res.writeHead(200, { ...base, ...headers });
      if (method === 'HEAD') {
        res.end();
        return;
      }
      const body = found.body();
      body.on('error', () => res.destroy());
      body.pipe(res);
    }

    /** GetObjectTagging, PutObjectTagging (XML TagSet) and DeleteObjectTagging on `?tagging`. */
    async function objectTagging(r: IncomingMessage, b: string, k: string, payloadHash: string) {
      if (method === 'GET') {
        const found = await opts.store.head(b, k);
        if (!found) throw noSuchKey(k);
        const tags = Object.entries(found.tags ?? {})
          .map(([tk, tv]) => `<Tag><Key>${xmlEscape(tk)}</Key><Value>${xmlEscape(tv)}</Value></Tag>`)
          .join('');
        sendXml(200, `<Tagging xmlns="${XMLNS}"><TagSet>${tags}</TagSet></Tagging>`);
        return;
      }
      if (method === 'DELETE') {
        r.resume();
        if (!(await opts.store.setTags(b, k, {}))) throw noSuchKey(k);
        send(204);
        return;
      }
      if (method !== 'PUT') throw methodNotAllowed(method);
      const raw = await readBody(r, 64 * 1024);
      checkDigests(raw, Object.fromEntries(headerEntries(r)));
      if (/^[0-9a-f]{64}$/i.test(payloadHash) && sha256Hex(raw) !== payloadHash.toLowerCase()) {
        throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
      const xml = raw.toString('utf8');
      if (!/<Tagging[\s>]/.test(xml) || !/<TagSet[\s>/]/.test(xml)) throw malformedXml();
      const pairs = [...xml.matchAll(/<Tag>\s*<Key>([\s\S]*?)<\/Key>\s*<Value>([\s\S]*?)<\/Value>\s*<\/Tag>/g)].map(
        (m) => [xmlUnescape(m[1]), xmlUnescape(m[2])] as [string, string],
      );
      const tags = checkTags(pairs);
      if (!(await opts.store.setTags(b, k, tags))) throw noSuchKey(k);
      send(200, undefined, { 'content-length': 0 });
    }

    async function deleteObjects(r: IncomingMessage, b: string, payloadHash: string) {
      const raw = await readBody(r, 2 * 1024 * 1024);
      checkDigests(raw, Object.fromEntries(headerEntries(r)));
      const xml = raw.toString('utf8');
      if (/^[0-9a-f]{64}$/i.test(payloadHash) && sha256Hex(xml) !== payloadHash.toLowerCase()) {
        throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
      if (!/<Delete[\s>]/.test(xml)) throw malformedXml();
      const keys = [...xml.matchAll(/<Object>[\s\S]*?<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Object>/g)].map((m) => xmlUnescape(m[1]));
      if (keys.length === 0 || keys.length > 1000) throw malformedXml();
      const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(xml);
      for (const k of keys) await opts.store.delete(b, k);
      const deleted = quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('');
      sendXml(200, `<DeleteResult xmlns="${XMLNS}">${deleted}</DeleteResult>`);
    }

    /** POST Object: a browser form upload authorised by a signed policy. */
    function postObject(r: IncomingMessage, b: string): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const fields = new Map<string, string>();
        let failure: S3Error | undefined;
        let fileSeen = false;
        let upload: Promise<{ info: ObjectInfo; key: string; accessKeyId: string } | undefined> | undefined;
        let parser: busboy.Busboy;
        try {
          parser = busboy({ headers: r.headers, limits: { fields: 100, fieldSize: 64 * 1024, files: 1, parts: 102 } });
        } catch {
          reject(new S3Error(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.'));
          return;
        }
        parser.on('field', (name, value) => {
          // S3 ignores every field after the file.
          if (!fileSeen && !fields.has(name.toLowerCase())) fields.set(name.toLowerCase(), value);
        });
        parser.on('file', (name, stream, info) => {
          if (name.toLowerCase() !== 'file' || fileSeen) {
            stream.resume();
            if (!fileSeen) fields.set(name.toLowerCase(), '');
            return;
          }
          fileSeen = true;
          upload = receiveFile(b, fields, stream, info.filename).catch((e: unknown) => {
            if (!(e instanceof S3Error)) console.error('local s3:', e);
            failure ??= e instanceof S3Error ? e : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
            stream.resume();
            return undefined;
          });
        });
        parser.on('filesLimit', () => undefined);
        parser.on('error', () => {
          r.unpipe(parser);
          r.resume();
          reject(new S3Error(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.'));
        });
        parser.on('close', () => {
          void (async () => {
            const done = await upload;
            if (failure) throw failure;
            if (!fileSeen || !done) throw invalidArgument('POST requires exactly one file upload per request.', { ArgumentName: 'file', ArgumentValue: '0' });
            respondToPost(b, fields, done.info);
            notify(r, ids, 'ObjectCreated:Post', b, done.info, done.accessKeyId);
          })().then(resolve, reject);
        });
        r.pipe(parser);
      });
    }

    /** Check the form's fields when the file starts, then stream the file into the store within the size range. */
    async function receiveFile(
      b: string,
      fields: Map<string, string>,
      stream: NodeJS.ReadableStream,
      filename: string | undefined,
    ): Promise<{ info: ObjectInfo; key: string; accessKeyId: string }> {
      const need = (name: string) => {
        const v = fields.get(name);
        if (v === undefined || v === '') {
          throw invalidArgument(`Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, {
            ArgumentName: name,
            ArgumentValue: '',
          });
        }
        return v;
      };
      const rawKey = need('key');
      const policyText = fields.get('policy');
      if (!policyText) throw accessDenied();
      const algorithm = need('x-amz-algorithm');
      if (algorithm !== 'AWS4-HMAC-SHA256') throw invalidArgument(`Invalid algorithm: ${algorithm}`, { ArgumentName: 'x-amz-algorithm', ArgumentValue: algorithm });
      const credential = need('x-amz-credential');
      need('x-amz-date');
      const signature = need('x-amz-signature');
      const accessKeyId = verifyPolicySignature(policyText, credential, signature, sig);
      const range = checkPolicy(parsePolicy(policyText), fields, b, now());
      const key = rawKey.replace('${filename}', filename ?? '');
      if (Buffer.byteLength(key) > 1024) throw new S3Error(400, 'KeyTooLongError', 'Your key is too long');

      // Without a content-length-range, the endpoint's own cap (S3's is 5 GiB) still holds.
      const max = Math.min(range?.max ?? Infinity, maxPut);
      const writer = opts.store.writer(b, key);
      let size = 0;
      let tooLarge = false;
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (tooLarge) continue; // keep reading so the client gets the answer, but keep nothing
          if (size > max) {
            tooLarge = true;
            await writer.abort();
            continue;
          }
          await writer.write(chunk);
        }
        if (size > max) throw entityTooLarge(size, max);
        checkSize(range, size);
        const info = await writer.commit({ contentType: fields.get('content-type') ?? DEFAULT_CONTENT_TYPE, metadata: userMetadata(fields) });
        return { info, key, accessKeyId };
      } catch (e) {
        await writer.abort();
        throw e;
      }
    }

    function respondToPost(b: string, fields: Map<string, string>, info: ObjectInfo) {
      const host = req.headers.host ?? '127.0.0.1';
      const location = `http://${host}${prefix}/${encodeURIComponent(b)}/${info.key.split('/').map(encodeURIComponent).join('/')}`;
      const headers = { etag: `"${info.etag}"`, location };
      const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
      if (redirect) {
        let target: URL | undefined;
        try {
          target = new URL(redirect);
        } catch {
          target = undefined;
        }
        if (target) {
          target.searchParams.set('bucket', b);
          target.searchParams.set('key', info.key);
          target.searchParams.set('etag', `"${info.etag}"`);
          send(303, undefined, { ...headers, location: target.toString(), 'content-length': 0 });
          return;
        }
      }
      const status = fields.get('success_action_status');
      if (status === '201') {
        sendXml(
          201,
          `<PostResponse><Location>${xmlEscape(location)}</Location><Bucket>${xmlEscape(b)}</Bucket><Key>${xmlEscape(info.key)}</Key><ETag>&quot;${info.etag}&quot;</ETag></PostResponse>`,
          headers,
        );
      } else send(status === '200' ? 200 : 204, undefined, { ...headers, 'content-length': 0 });
    }
  };
}

function preflight(
  req: IncomingMessage,
  res: ServerResponse,
  base: Record<string, string>,
  origins: Set<string>,
  origin: string | undefined,
  ids: { requestId: string; hostId: string },
): void {
  const requested = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
  const bad = (e: S3Error) => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n${errorXml(e, ids).replace(/^<\?xml[^>]*>\n/, '')}`;
    res.writeHead(e.status, { ...base, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (!origin || !requested) {
    bad(new S3Error(400, 'BadRequest', 'Insufficient information. Origin request header needed.'));
    return;
  }
  if (!origins.has(origin) || !CORS_METHODS.includes(requested)) {
    bad(corsForbidden());
    return;
  }
  const headers: Record<string, string> = {
    ...base,
    'access-control-allow-origin': origin,
    'access-control-allow-methods': CORS_METHODS.join(', '),
    'access-control-max-age': '3000',
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    'content-length': '0',
  };
  const reqHeaders = req.headers['access-control-request-headers'];
  if (reqHeaders) headers['access-control-allow-headers'] = String(reqHeaders);
  res.writeHead(200, headers);
  res.end();
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

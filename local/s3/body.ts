/**
 * Request bodies and headers as S3 reads them: whole bodies under a cap, aws-chunked decoding, the Content-MD5 /
 * CRC32 checks, user metadata, object tags, and the URI / XML decoding the operations share.
 */
import type { IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { S3Error, entityTooLarge, invalidRequest } from './errors';

export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/** Read a whole body, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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
export function checkDigests(data: Buffer, headers: Record<string, string>): void {
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

export function userMetadata(source: Iterable<[string, string]>): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [k, v] of source) if (k.toLowerCase().startsWith('x-amz-meta-')) meta[k.toLowerCase().slice(11)] = v;
  return meta;
}

export function headerEntries(req: IncomingMessage): Array<[string, string]> {
  return Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]);
}

export const xmlUnescape = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()];
    return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

export const safeDecode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** S3's tag rules: at most 10 tags per object, keys 1–128 and values 0–256 characters, keys unique. */
export function checkTags(pairs: Array<[string, string]>): Record<string, string> {
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
export function parseTagHeader(header: string): Record<string, string> {
  if (header.trim() === '') return {};
  return checkTags([...new URLSearchParams(header).entries()]);
}

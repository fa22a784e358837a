/**
 * S3 request accounting at the local S3 endpoint (`<stack>/_aws/s3`, local/s3/), for `npm run bench:calls`: every
 * HTTP request that reaches the endpoint (the handlers' SDK calls, the browser's upload POST, readers' GETs of signed
 * URLs) is counted by S3 operation, with its bytes, as PostToConnection calls are counted where they arrive.
 *
 * Observed through Node's `http.server.request.start` diagnostics channel (the stack's one HTTP server publishes it
 * for every request), so neither the stack nor the S3 endpoint needs a hook: the meter only reads the request line and
 * headers, and counts the bytes the response writes.
 */
import * as dc from 'node:diagnostics_channel';
import type * as http from 'node:http';

export const S3_PREFIX = '/_aws/s3';

export interface S3Meter {
  /** Requests by S3 operation (PostObject = the browser's presigned POST). */
  ops: Record<string, number>;
  /** Request body bytes received (Content-Length): uploads and PutObject bodies. */
  bytesIn: number;
  /** Response bytes sent by GetObject (what readers and the processor download). */
  bytesOut: number;
  /** Bytes by operation (request body in + GetObject body out). */
  bytes: Record<string, number>;
  reset(): void;
  total(): number;
}

/** The S3 API operation of one request on the path-style endpoint (`/_aws/s3/<bucket>[/<key>][?sub]`). */
export function s3Operation(method: string, url: URL): string {
  const rest = url.pathname.slice(S3_PREFIX.length).replace(/^\/+/, '');
  const hasKey = rest.includes('/') && rest.slice(rest.indexOf('/') + 1) !== '';
  const q = url.searchParams;
  switch (method) {
    case 'OPTIONS':
      return 'Preflight';
    case 'POST':
      if (q.has('delete')) return 'DeleteObjects';
      return hasKey ? 'PostOther' : 'PostObject';
    case 'PUT':
      if (q.has('tagging')) return 'PutObjectTagging';
      return hasKey ? 'PutObject' : 'CreateBucket';
    case 'DELETE':
      if (q.has('tagging')) return 'DeleteObjectTagging';
      return 'DeleteObject';
    case 'HEAD':
      return hasKey ? 'HeadObject' : 'HeadBucket';
    case 'GET':
      if (q.has('tagging')) return 'GetObjectTagging';
      return hasKey ? 'GetObject' : 'ListObjects';
    default:
      return method;
  }
}

let meter: S3Meter | undefined;

/** Subscribes once per process; every local stack in the process is observed (one runs at a time). */
export function s3Meter(): S3Meter {
  if (meter) return meter;
  const m: S3Meter = {
    ops: {},
    bytesIn: 0,
    bytesOut: 0,
    bytes: {},
    reset() {
      m.ops = {};
      m.bytes = {};
      m.bytesIn = 0;
      m.bytesOut = 0;
    },
    total: () => Object.entries(m.ops).reduce((n, [op, c]) => n + (op === 'Preflight' ? 0 : c), 0),
  };
  dc.subscribe('http.server.request.start', (message) => {
    const { request, response } = message as { request: http.IncomingMessage; response: http.ServerResponse };
    const url = new URL(request.url ?? '/', 'http://local');
    if (url.pathname !== S3_PREFIX && !url.pathname.startsWith(`${S3_PREFIX}/`)) return;
    const op = s3Operation(request.method ?? 'GET', url);
    m.ops[op] = (m.ops[op] ?? 0) + 1;
    const bodyIn = Number(request.headers['content-length'] ?? 0);
    m.bytesIn += bodyIn;
    if (bodyIn) m.bytes[op] = (m.bytes[op] ?? 0) + bodyIn;
    if (op !== 'GetObject') return;
    // Count what the response body writes (headers excluded).
    const write = response.write.bind(response) as (...args: unknown[]) => boolean;
    const end = response.end.bind(response) as (...args: unknown[]) => http.ServerResponse;
    const bytes = (chunk: unknown) => (typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk instanceof Uint8Array ? chunk.length : 0);
    const size = (chunk: unknown) => {
      const n = bytes(chunk);
      m.bytes[op] = (m.bytes[op] ?? 0) + n;
      return n;
    };
    response.write = ((chunk: unknown, ...rest: unknown[]) => {
      m.bytesOut += size(chunk);
      return write(chunk, ...rest);
    }) as typeof response.write;
    response.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') m.bytesOut += size(chunk);
      return end(chunk, ...rest);
    }) as typeof response.end;
  });
  meter = m;
  return m;
}

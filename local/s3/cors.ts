/** The buckets' CORS rules for the configured web origins: response headers and the OPTIONS preflight, as S3 answers them. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3Error, corsForbidden, errorXml } from './errors';
import type { RequestIds } from './context';

const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];

/** The CORS headers of an answer to `origin` (none when the origin isn't allowed). */
export function corsHeaders(origins: ReadonlySet<string>, origin: string | undefined): Record<string, string> {
  return origin && origins.has(origin)
    ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'ETag, x-amz-request-id, x-amz-id-2', vary: 'Origin' }
    : {};
}

export function preflight(
  req: IncomingMessage,
  res: ServerResponse,
  base: Record<string, string>,
  origins: ReadonlySet<string>,
  origin: string | undefined,
  ids: RequestIds,
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

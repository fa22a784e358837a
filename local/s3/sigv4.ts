/**
 * AWS Signature Version 4 as S3 checks it, for the three ways the stock SDK signs: the Authorization header
 * (@aws-sdk/client-s3), the query string (presigned URLs from @aws-sdk/s3-request-presigner) and a POST policy
 * (@aws-sdk/s3-presigned-post: the signature is an HMAC of the base64 policy with the same signing key).
 * Docs: "Authenticating Requests (AWS Signature Version 4)", "Signature Calculations for the Authorization Header",
 * "Query String Parameters", "Calculating a Signature" (POST). One set of local credentials, one region.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error, accessDenied, invalidAccessKeyId, invalidRequest, signatureDoesNotMatch } from './errors';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4Config {
  credentials: Credentials;
  region: string;
  now: () => Date;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** S3 refuses a header-signed request whose x-amz-date is more than 15 minutes from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** A presigned URL may live at most 7 days. */
const MAX_PRESIGN_SECONDS = 604800;

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as the SDK's SigV4 signer does it (encodeURIComponent plus !'()*). */
export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function signingKey(secret: string, date: string, region: string, service = 's3'): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export function sign(key: Buffer, stringToSign: string): string {
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** 20240102T030405Z -> Date (or undefined when it isn't one). */
export function parseAmzDate(s: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The canonical URI: each path segment decoded once and encoded again (S3 does not normalise the path). */
export function canonicalUri(rawPath: string): string {
  return rawPath
    .split('/')
    .map((seg) => escapeUri(safeDecode(seg)))
    .join('/');
}

/** The raw query's pairs, decoded. */
export function queryPairs(rawQuery: string): Array<[string, string]> {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, i)), safeDecode(p.slice(i + 1))];
    });
}

export function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([k, v]) => [escapeUri(k), escapeUri(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  const s = Array.isArray(v) ? v.join(',') : (v ?? '');
  return s.trim().replace(/\s+/g, ' ');
}

export function canonicalRequest(
  method: string,
  rawPath: string,
  pairs: Array<[string, string]>,
  headers: IncomingHttpHeaders,
  signedHeaders: string[],
  payloadHash: string,
): string {
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${headerValue(headers, h)}\n`).join('');
  return [method, canonicalUri(rawPath), canonicalQuery(pairs), canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
}

interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

/** Check `AKID/20240102/region/s3/aws4_request` against our credentials and region. */
function checkCredential(credential: string, cfg: SigV4Config, malformed: (msg: string, extra?: Record<string, string>) => S3Error): Scope {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1])) {
    throw malformed(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  const [accessKeyId, date, region, service] = parts;
  if (accessKeyId !== cfg.credentials.accessKeyId) throw invalidAccessKeyId(accessKeyId);
  if (region !== cfg.region) {
    throw malformed(`The authorization header is malformed; the region '${region}' is wrong; expecting '${cfg.region}'`, { Region: cfg.region });
  }
  if (service !== 's3') throw malformed(`Error parsing the X-Amz-Credential parameter; incorrect service "${service}". This endpoint belongs to "s3".`);
  return { accessKeyId, date, region, service };
}

const headerMalformed = (msg: string, extra?: Record<string, string>) => new S3Error(400, 'AuthorizationHeaderMalformed', msg, extra);
const queryMalformed = (msg: string, extra?: Record<string, string>) => new S3Error(400, 'AuthorizationQueryParametersError', msg, extra);

export interface AuthResult {
  via: 'header' | 'query';
  accessKeyId: string;
  /** The x-amz-content-sha256 the request claims (the body is checked against it by the caller). */
  payloadHash: string;
}

/**
 * Verify a header- or query-signed request. Returns undefined for an anonymous request (no signature at all):
 * the caller decides what an anonymous caller may do (for a private bucket: nothing but a POST with a policy).
 */
export function authenticate(
  req: { method: string; rawPath: string; rawQuery: string; headers: IncomingHttpHeaders },
  cfg: SigV4Config,
): AuthResult | undefined {
  const pairs = queryPairs(req.rawQuery);
  const auth = req.headers.authorization;
  const queryAlg = pairs.find(([k]) => k === 'X-Amz-Algorithm')?.[1];
  if (auth && queryAlg !== undefined) {
    throw new S3Error(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified', {
      ArgumentName: 'Authorization',
    });
  }
  if (auth) return verifyHeader(req, pairs, auth, cfg);
  if (queryAlg !== undefined) return verifyQuery(req, pairs, queryAlg, cfg);
  return undefined;
}

function verifyHeader(
  req: { method: string; rawPath: string; headers: IncomingHttpHeaders },
  pairs: Array<[string, string]>,
  auth: string,
  cfg: SigV4Config,
): AuthResult {
  const space = auth.indexOf(' ');
  const alg = space < 0 ? auth : auth.slice(0, space);
  if (alg !== ALGORITHM) throw new S3Error(400, 'InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization', ArgumentValue: auth });
  const parts = new Map(
    auth
      .slice(space + 1)
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i), p.slice(i + 1)] as const;
      }),
  );
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!parts.get(name)) throw headerMalformed(`The authorization header is malformed; missing ${name}.`);
  }
  const scope = checkCredential(parts.get('Credential')!, cfg, headerMalformed);
  const payloadHash = headerValue(req.headers, 'x-amz-content-sha256');
  if (!payloadHash) throw invalidRequest('Missing required header for this request: x-amz-content-sha256');
  const amzDate = headerValue(req.headers, 'x-amz-date');
  const when = parseAmzDate(amzDate);
  if (!when) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  if (amzDate.slice(0, 8) !== scope.date) {
    throw headerMalformed(`The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date: "${scope.date}".`);
  }
  const now = cfg.now();
  if (Math.abs(now.getTime() - when.getTime()) > MAX_SKEW_MS) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: amzDate,
      ServerTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
      MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
    });
  }
  const signedHeaders = parts.get('SignedHeaders')!.split(';');
  if (!signedHeaders.includes('host')) throw headerMalformed('The authorization header is malformed; SignedHeaders must include host.');
  const creq = canonicalRequest(req.method, req.rawPath, pairs, req.headers, signedHeaders, payloadHash);
  const stringToSign = [ALGORITHM, amzDate, `${scope.date}/${scope.region}/s3/aws4_request`, sha256Hex(creq)].join('\n');
  const expected = sign(signingKey(cfg.credentials.secretAccessKey, scope.date, scope.region), stringToSign);
  if (!sameHex(expected, parts.get('Signature')!)) {
    throw signatureDoesNotMatch({ AWSAccessKeyId: scope.accessKeyId, StringToSign: stringToSign, CanonicalRequest: creq });
  }
  return { via: 'header', accessKeyId: scope.accessKeyId, payloadHash };
}

function verifyQuery(
  req: { method: string; rawPath: string; headers: IncomingHttpHeaders },
  pairs: Array<[string, string]>,
  alg: string,
  cfg: SigV4Config,
): AuthResult {
  if (alg !== ALGORITHM) throw queryMalformed('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const q = new Map(pairs);
  const required = ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'];
  if (required.some((k) => !q.get(k))) {
    throw queryMalformed(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const scope = checkCredential(q.get('X-Amz-Credential')!, cfg, queryMalformed);
  const amzDate = q.get('X-Amz-Date')!;
  const when = parseAmzDate(amzDate);
  if (!when) throw queryMalformed('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  const expiresRaw = q.get('X-Amz-Expires')!;
  const expires = /^\d+$/.test(expiresRaw) ? Number(expiresRaw) : NaN;
  if (Number.isNaN(expires)) throw queryMalformed('X-Amz-Expires should be a number');
  if (expires > MAX_PRESIGN_SECONDS) {
    throw queryMalformed('X-Amz-Expires must be less than a week (in seconds) that is 604800');
  }
  const now = cfg.now();
  // Expiry before the signature: an expired URL is refused whatever else is wrong with it.
  const expiresAt = new Date(when.getTime() + expires * 1000);
  if (now.getTime() > expiresAt.getTime()) {
    throw accessDenied('Request has expired', {
      'X-Amz-Expires': expiresRaw,
      Expires: expiresAt.toISOString().replace(/\.\d+Z$/, 'Z'),
      ServerTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    });
  }
  if (when.getTime() - now.getTime() > MAX_SKEW_MS) throw accessDenied('Request is not valid yet');
  const signedHeaders = q.get('X-Amz-SignedHeaders')!.split(';');
  const payloadHash = q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  const unsignedPairs = pairs.filter(([k]) => k !== 'X-Amz-Signature');
  const creq = canonicalRequest(req.method, req.rawPath, unsignedPairs, req.headers, signedHeaders, payloadHash);
  const stringToSign = [ALGORITHM, amzDate, `${scope.date}/${scope.region}/s3/aws4_request`, sha256Hex(creq)].join('\n');
  const expected = sign(signingKey(cfg.credentials.secretAccessKey, scope.date, scope.region), stringToSign);
  if (!sameHex(expected, q.get('X-Amz-Signature')!)) {
    throw signatureDoesNotMatch({ AWSAccessKeyId: scope.accessKeyId, StringToSign: stringToSign, CanonicalRequest: creq });
  }
  return { via: 'query', accessKeyId: scope.accessKeyId, payloadHash };
}

/**
 * A POST policy's signature: HMAC-SHA256 of the base64 policy text (exactly as sent) with the signing key of the
 * x-amz-credential's date and region. Checks the credential like a header signature does.
 */
export function verifyPolicySignature(policyBase64: string, credential: string, signature: string, cfg: SigV4Config): string {
  const scope = checkCredential(credential, cfg, (msg, extra) => new S3Error(400, 'InvalidArgument', msg, { ArgumentName: 'x-amz-credential', ...extra }));
  const expected = sign(signingKey(cfg.credentials.secretAccessKey, scope.date, scope.region), policyBase64);
  if (!sameHex(expected, signature)) throw signatureDoesNotMatch({ AWSAccessKeyId: scope.accessKeyId, StringToSign: policyBase64 });
  return scope.accessKeyId;
}

export { sha256Hex };

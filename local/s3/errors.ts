/**
 * S3's error responses: an XML `<Error>` document with S3's code, message and the request's ids, plus any extra
 * elements S3 adds for that code (ProposedSize and MaxSizeAllowed for EntityTooLarge, ...). The stock SDK reads the
 * code from `<Code>` and the HTTP status decides retries, so both follow S3 (docs: "Error responses", ErrorCodeList).
 */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

/** Escape element text (S3 leaves quotes as they are in text: `Policy Condition failed: ["eq", ...]`). */
export const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function errorXml(err: S3Error, ids: { requestId: string; hostId: string }, resource?: string): string {
  const extra = Object.entries(err.extra)
    .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${err.code}</Code><Message>${xmlEscape(err.message)}</Message>${extra}` +
    (resource ? `<Resource>${xmlEscape(resource)}</Resource>` : '') +
    `<RequestId>${ids.requestId}</RequestId><HostId>${xmlEscape(ids.hostId)}</HostId></Error>`
  );
}

// The errors this endpoint answers, with S3's status codes and messages.
export const accessDenied = (message = 'Access Denied', extra?: Record<string, string>) => new S3Error(403, 'AccessDenied', message, extra);
export const signatureDoesNotMatch = (extra?: Record<string, string>) =>
  new S3Error(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    extra,
  );
export const invalidAccessKeyId = (accessKeyId: string) =>
  new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
export const noSuchBucket = (bucket: string) => new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
export const noSuchKey = (key: string) => new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
export const invalidArgument = (message: string, extra?: Record<string, string>) => new S3Error(400, 'InvalidArgument', message, extra);
export const invalidRequest = (message: string) => new S3Error(400, 'InvalidRequest', message);
export const invalidPolicyDocument = (message: string) => new S3Error(400, 'InvalidPolicyDocument', message);
export const malformedXml = () =>
  new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
export const methodNotAllowed = (method: string) =>
  new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method, ResourceType: 'OBJECT' });
export const notImplemented = () =>
  new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');
export const entityTooLarge = (proposed: number, max: number) =>
  new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: proposed, MaxSizeAllowed: max });
export const entityTooSmall = (proposed: number, min: number) =>
  new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: proposed, MinSizeAllowed: min });
export const corsForbidden = () =>
  new S3Error(
    403,
    'AccessForbidden',
    'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.',
  );

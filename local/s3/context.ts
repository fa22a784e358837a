/**
 * What each S3 operation is given: the endpoint's settings (`Endpoint`, fixed when the handler is created) and
 * the request's (`Call`: ids, the headers every response carries, and the two ways of answering).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObjectCreatedName } from './event';
import type { Credentials } from './sigv4';
import type { ObjectInfo, ObjectStore } from './store';

export const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface RequestIds {
  requestId: string;
  hostId: string;
}

export interface Endpoint {
  store: ObjectStore;
  buckets: ReadonlySet<string>;
  /** The mount path without its trailing slash ('' on its own port). */
  prefix: string;
  now: () => Date;
  /** The most a PutObject body or POST file may hold. */
  maxPut: number;
  sig: { credentials: Credentials; region: string; now: () => Date };
  /** Queue S3's ObjectCreated notification (delivered after the response). */
  notify(req: IncomingMessage, ids: RequestIds, eventName: ObjectCreatedName, bucket: string, info: ObjectInfo, accessKeyId: string): void;
}

export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  /** Upper case; HEAD answers carry no body. */
  method: string;
  ids: RequestIds;
  /** x-amz-request-id, x-amz-id-2 and the CORS response headers. */
  base: Record<string, string>;
  send(status: number, body?: string | Buffer, headers?: Record<string, string | number>): void;
  sendXml(status: number, xml: string, headers?: Record<string, string>): void;
}

export function createCall(req: IncomingMessage, res: ServerResponse, method: string, ids: RequestIds, base: Record<string, string>): Call {
  const send = (status: number, body?: string | Buffer, headers: Record<string, string | number> = {}) => {
    res.writeHead(status, { ...base, ...(body !== undefined && { 'content-length': Buffer.byteLength(body) }), ...headers });
    res.end(method === 'HEAD' ? undefined : body);
  };
  const sendXml = (status: number, xml: string, headers: Record<string, string> = {}) =>
    send(status, `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`, { 'content-type': 'application/xml', ...headers });
  return { req, res, method, ids, base, send, sendXml };
}

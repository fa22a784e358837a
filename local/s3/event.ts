/**
 * The S3 event notification a function subscribed to ObjectCreated gets, built field for field like S3's (event
 * message structure version 2.1; test/fixtures/aws-samples/s3-object-created-put.json is a real one).
 * The object key is URL-encoded the way S3 encodes it in notifications: as an HTML form value (space -> '+',
 * reserved characters %XX) with '/' kept, so a handler must `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
import { randomBytes } from 'node:crypto';
import type { S3Event, S3EventRecord } from 'aws-lambda';

export type ObjectCreatedName = 'ObjectCreated:Put' | 'ObjectCreated:Post' | 'ObjectCreated:Copy';

export interface ObjectCreated {
  eventName: ObjectCreatedName;
  region: string;
  bucket: string;
  key: string;
  size: number;
  /** MD5 hex without quotes. */
  eTag: string;
  time: Date;
  /** Who made the request: `AWS:<principal>` as S3 writes it. */
  principalId: string;
  /** The bucket owner's canonical-id-like principal. */
  ownerPrincipalId: string;
  sourceIp: string;
  requestId: string;
  hostId: string;
  /** The notification configuration's id (the CDK gives one per notification). */
  configurationId: string;
  sequencer: string;
}

/**
 * The key as S3 puts it in a notification: application/x-www-form-urlencoded ("red flower.jpg" becomes
 * "red+flower.jpg", per the S3 docs' event message structure), '/' kept. The characters left as they are follow
 * Java's URLEncoder (letters, digits, `.-*_`), which is what real notifications show for `(`, `)` (%28, %29).
 */
export function eventKey(key: string): string {
  return key
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+'))
    .join('/');
}

let lastSequencerTime = 0n;
let sequencerCount = 0n;
/**
 * S3's sequencer: an opaque hex string that grows with each event for the same key (compare as strings of equal
 * length, per the docs). Here: nanoseconds since the epoch and a counter, 18 hex digits like S3's.
 */
export function nextSequencer(time: Date): string {
  const t = BigInt(time.getTime());
  if (t === lastSequencerTime) sequencerCount += 1n;
  else {
    lastSequencerTime = t;
    sequencerCount = 0n;
  }
  return ((t * 1000n + sequencerCount) & 0xffffffffffffffffffn).toString(16).toUpperCase().padStart(18, '0');
}

/** S3's request ids: 16 upper-case hex digits, and a base64 host id. */
export const newRequestId = (): string => randomBytes(8).toString('hex').toUpperCase();
export const newHostId = (): string => randomBytes(56).toString('base64');

export function buildS3Event(e: ObjectCreated): S3Event {
  const record: S3EventRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: e.region,
    eventTime: e.time.toISOString(),
    eventName: e.eventName,
    userIdentity: { principalId: e.principalId },
    requestParameters: { sourceIPAddress: e.sourceIp },
    responseElements: { 'x-amz-request-id': e.requestId, 'x-amz-id-2': e.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: e.configurationId,
      bucket: { name: e.bucket, ownerIdentity: { principalId: e.ownerPrincipalId }, arn: `arn:aws:s3:::${e.bucket}` },
      object: { key: eventKey(e.key), size: e.size, eTag: e.eTag, sequencer: e.sequencer },
    },
  };
  return { Records: [record] };
}

/**
 * The S3 notification the local endpoint builds, against a real one (test/fixtures/aws-samples/s3-object-created-put.json):
 * same fields, same JSON types, same formats.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import sample from '../fixtures/aws-samples/s3-object-created-put.json';
import { buildS3Event, eventKey, nextSequencer } from '../../local/s3/event';
import { startLocalS3 } from '../../local/s3/server';
import { memoryStore } from '../../local/s3/store';
import { shapeDiff } from '../support/event-shape';

const NO_DIFF = { missing: [], wrongType: [], extra: [] };

/** Formats of the sample's values, as patterns every notification's values match. */
function expectSampleFormats(event: S3Event) {
  const [r] = event.Records;
  const [s] = sample.Records;
  expect(r.eventVersion).toBe(s.eventVersion);
  expect(r.eventSource).toBe(s.eventSource);
  expect(r.s3.s3SchemaVersion).toBe(s.s3.s3SchemaVersion);
  for (const time of [r.eventTime, s.eventTime]) expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  for (const id of [r.responseElements['x-amz-request-id'], s.responseElements['x-amz-request-id']]) expect(id).toMatch(/^[0-9A-F]{16}$/);
  for (const id of [r.responseElements['x-amz-id-2'], s.responseElements['x-amz-id-2']]) expect(id).toMatch(/^[A-Za-z0-9+/]+=*$/);
  for (const p of [r.userIdentity.principalId, s.userIdentity.principalId]) expect(p).toMatch(/^AWS:[A-Z0-9]+$/);
  for (const seq of [r.s3.object.sequencer, s.s3.object.sequencer]) expect(seq).toMatch(/^[0-9A-F]{18}$/);
  for (const tag of [r.s3.object.eTag, s.s3.object.eTag]) expect(tag).toMatch(/^[0-9a-f]{32}$/);
  expect(r.s3.bucket.arn).toBe(`arn:aws:s3:::${r.s3.bucket.name}`);
  expect(s.s3.bucket.arn).toBe(`arn:aws:s3:::${s.s3.bucket.name}`);
  expect(r.awsRegion).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
  expect(r.requestParameters.sourceIPAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
}

test('buildS3Event has every field of a real S3 ObjectCreated event, with the same JSON types and formats', () => {
  const time = new Date('2026-01-02T03:04:05.678Z');
  const event = buildS3Event({
    eventName: 'ObjectCreated:Post',
    region: 'eu-west-1',
    bucket: 'parley-attachments',
    key: 'uploads/u1/att_01',
    size: 1234,
    eTag: 'd41d8cd98f00b204e9800998ecf8427e',
    time,
    principalId: 'AWS:PARLEYLOCAL',
    ownerPrincipalId: 'A3LOCALPARLEYOWNER',
    sourceIp: '127.0.0.1',
    requestId: 'D82B88E5F771F645',
    hostId: 'vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=',
    configurationId: 'parley-images',
    sequencer: nextSequencer(time),
  });
  expect(shapeDiff(sample, event)).toEqual(NO_DIFF);
  expectSampleFormats(event);
  expect(event.Records[0].eventTime).toBe('2026-01-02T03:04:05.678Z');
});

test('the endpoint\'s own notification after a PutObject matches the sample too', async () => {
  const events: S3Event[] = [];
  const s3 = await startLocalS3({
    region: 'us-east-1',
    credentials: { accessKeyId: 'PARLEYLOCAL', secretAccessKey: 'secret' },
    buckets: ['b'],
    store: memoryStore(),
    onObjectCreated: (e) => {
      events.push(e);
    },
  });
  try {
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.url, forcePathStyle: true, credentials: { accessKeyId: 'PARLEYLOCAL', secretAccessKey: 'secret' } });
    await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'uploads/u1/my photo (1).png', Body: 'x' }));
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toHaveLength(1);
    expect(shapeDiff(sample, events[0])).toEqual(NO_DIFF);
    expectSampleFormats(events[0]);
    expect(events[0].Records[0].s3.object.key).toBe('uploads/u1/my+photo+%281%29.png');
  } finally {
    await s3.close();
  }
});

test('keys are URL-encoded as S3 notifications encode them: space as +, reserved characters %XX, / kept', () => {
  expect(eventKey('uploads/u1/att_01')).toBe('uploads/u1/att_01');
  expect(eventKey('a b/c+d=e&f.png')).toBe('a+b/c%2Bd%3De%26f.png');
  expect(eventKey('ünï/ç.jpg')).toBe('%C3%BCn%C3%AF/%C3%A7.jpg');
  expect(eventKey("it's (1) ~*.png")).toBe('it%27s+%281%29+%7E*.png');
  expect(decodeURIComponent(eventKey('a b/c+d.png').replace(/\+/g, ' '))).toBe('a b/c+d.png');
});

test('sequencers grow for events in the same millisecond and later', () => {
  const t = new Date('2026-01-02T03:04:05.678Z');
  const a = nextSequencer(t);
  const b = nextSequencer(t);
  const c = nextSequencer(new Date(t.getTime() + 1));
  expect(a < b && b < c).toBe(true);
});

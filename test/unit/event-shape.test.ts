/** The sample comparison used by test/integration/local-event-shapes.test.ts finds what it should, and only that. */
import { shapeDiff } from '../support/event-shape';

const sample = {
  headers: { Host: 'abc.execute-api.us-east-1.amazonaws.com', 'X-Forwarded-For': '192.0.2.1' },
  requestContext: { connectedAt: 1707502303419, identity: { sourceIp: '192.0.2.1', userAgent: 'Mozilla/5.0' }, messageId: null },
  resources: [{ arn: 'arn:aws:ec2:us-west-1:123456789012:instance/i-1' }],
  isBase64Encoded: false,
};

describe('shapeDiff', () => {
  it('finds nothing between a sample and an event of the same shape with other values', () => {
    const local = {
      headers: { host: '127.0.0.1:3000', 'x-forwarded-for': '127.0.0.1', 'Sec-WebSocket-Key': 'k' },
      requestContext: { connectedAt: 1, identity: { sourceIp: '127.0.0.1', userAgent: 'node' }, messageId: null },
      resources: [{ arn: 'x' }, { arn: 'y' }],
      isBase64Encoded: true,
    };
    expect(shapeDiff(sample, local)).toEqual({ missing: [], wrongType: [], extra: [] });
  });

  it('reports a nested field the local event lacks, a header it lacks, a type that differs, and an extra field', () => {
    const local = {
      headers: { Host: 'h' },
      requestContext: { connectedAt: '1', identity: { sourceIp: '127.0.0.1' }, messageId: 'm', extendedRequestId: 'e' },
      resources: [{ arn: 5 }],
      isBase64Encoded: false,
    };
    expect(shapeDiff(sample, local)).toEqual({
      missing: ['headers.X-Forwarded-For', 'requestContext.identity.userAgent'],
      wrongType: ['requestContext.connectedAt: number in the sample, string locally', 'requestContext.messageId: null in the sample, string locally', 'resources[].arn: string in the sample, number locally'],
      extra: ['requestContext.extendedRequestId'],
    });
  });

  it('lets documented exceptions through: a path and everything under it, or only what is under `x.*`', () => {
    const local = { headers: { Host: 'h', 'X-Forwarded-For': '' }, requestContext: { connectedAt: 1, identity: {}, authorizer: { principalId: 'p' } }, resources: [], isBase64Encoded: false, detail: { a: 1 } };
    const diff = shapeDiff(
      { ...sample, detail: { b: 2 } },
      local,
      {
        missingAllowed: { 'requestContext.identity': 'test', 'requestContext.messageId': 'test', 'detail.*': 'test' },
        extrasAllowed: { 'requestContext.authorizer': 'test', 'detail.*': 'test' },
      },
    );
    expect(diff).toEqual({ missing: [], wrongType: [], extra: [] });
  });

  it('compares what a function receives: a field holding undefined is no field', () => {
    expect(shapeDiff({ a: 1, b: 'x' }, { a: 1, b: undefined }).missing).toEqual(['b']);
  });
});

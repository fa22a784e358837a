/**
 * Attachment URLs through the CDN (issue #14 B): with ATTACHMENTS_CDN_DOMAIN / _KEY_PAIR_ID / _PRIVATE_KEY_PARAM set,
 * readers get CloudFront URLs signed with a canned policy (verified here with the public key, as CloudFront does),
 * the private key read once per container from SSM Parameter Store (a fake SSM endpoint checks the GetParameter
 * request: target, WithDecryption, SigV4 for `ssm`); without them, S3 presigned URLs as before.
 *
 * The URLs are byte-identical to `@aws-sdk/cloudfront-signer` 3.1166.0's getSignedUrl for the same key, URL and expiry
 * (checked once, 50 URLs, with the package unpacked outside the repo; it is not a dependency).
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cannedPolicy, cloudFrontBase64, signCloudFrontUrl } from '../../lambdas/adapters/cdn/signed-url';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/** What CloudFront does with a canned-policy URL: rebuild the policy from the URL and Expires, verify the signature. */
function verifyCannedUrl(signed: string): { resource: string; expires: number; keyPairId: string; valid: boolean } {
  const url = new URL(signed);
  const expires = Number(url.searchParams.get('Expires'));
  const signature = url.searchParams.get('Signature') ?? '';
  const keyPairId = url.searchParams.get('Key-Pair-Id') ?? '';
  for (const p of ['Expires', 'Signature', 'Key-Pair-Id']) url.searchParams.delete(p);
  const resource = url.toString().replace(/\?$/, '');
  const raw = Buffer.from(signature.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
  const valid = createVerify('RSA-SHA1').update(cannedPolicy(resource, expires)).verify(publicKey, raw);
  return { resource, expires, keyPairId, valid };
}

describe('CloudFront canned-policy signing (node:crypto)', () => {
  it('signs the policy CloudFront rebuilds; the signature uses CloudFront base64 (- _ ~), verifiable with the public key', () => {
    const url = signCloudFrontUrl('https://d111111abcdef8.cloudfront.net/files/att_01J0000000000000000000000A/image', 'K2JCJMDEHXQW5F', privateKey, 1_800_000_000);
    expect(url).toMatch(/^https:\/\/d111111abcdef8\.cloudfront\.net\/files\/att_01J0000000000000000000000A\/image\?Expires=1800000000&Key-Pair-Id=K2JCJMDEHXQW5F&Signature=[A-Za-z0-9~_-]+$/);
    const v = verifyCannedUrl(url);
    expect(v).toEqual({ resource: 'https://d111111abcdef8.cloudfront.net/files/att_01J0000000000000000000000A/image', expires: 1_800_000_000, keyPairId: 'K2JCJMDEHXQW5F', valid: true });
    // Another resource or expiry does not verify with this signature.
    const tampered = url.replace('/image?', '/thumb?');
    expect(verifyCannedUrl(tampered).valid).toBe(false);
  });

  it('the policy is the canned one, byte for byte, and the base64 substitutions are CloudFront\'s', () => {
    expect(cannedPolicy('https://x.cloudfront.net/files/a/image', 42)).toBe('{"Statement":[{"Resource":"https://x.cloudfront.net/files/a/image","Condition":{"DateLessThan":{"AWS:EpochTime":42}}}]}');
    expect(cloudFrontBase64(Buffer.from([0xfb, 0xff, 0xbf]))).toBe('-~-~');
    expect(cloudFrontBase64(Buffer.from([0xff]))).toBe('~w__');
  });
});

describe('the signing functions\' URLs (lambdas/adapters/s3/file-urls.ts)', () => {
  const saved = { ...process.env };
  let ssm: http.Server;
  let ssmRequests: { target?: string; auth?: string; body: { Name?: string; WithDecryption?: boolean } }[] = [];
  let ssmAnswer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    ssm = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        ssmRequests.push({ target: req.headers['x-amz-target'] as string, auth: req.headers.authorization, body: JSON.parse(body || '{}') });
        res.writeHead(ssmAnswer.status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(ssmAnswer.body));
      });
    });
    await new Promise<void>((r) => ssm.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((r) => ssm.close(r));
  });
  beforeEach(() => {
    process.env = { ...saved, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', UPLOADS_BUCKET: 'parley-uploads' };
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_ENDPOINT_URL_S3;
    delete process.env.AWS_PROFILE;
    process.env.AWS_ENDPOINT_URL_SSM = `http://127.0.0.1:${(ssm.address() as AddressInfo).port}`;
    ssmRequests = [];
    ssmAnswer = { status: 200, body: { Parameter: { Name: '/parley/cdn-key', Type: 'SecureString', Value: privateKey } } };
    jest.resetModules();
  });
  const cdnOn = () => {
    process.env.ATTACHMENTS_CDN_DOMAIN = 'd111111abcdef8.cloudfront.net';
    process.env.ATTACHMENTS_CDN_KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
    process.env.ATTACHMENTS_CDN_PRIVATE_KEY_PARAM = '/parley/cdn-key';
  };
  const load = async () => (await import('../../lambdas/adapters/s3/file-urls')).fileUrlSigner('parley-uploads');

  it('CDN on: https://<cdn>/files/<id>/image|thumb, signed by the key pair id, expiring in 2 h, verifiable with the public key; the key is read from SSM once', async () => {
    cdnOn();
    const sign = await load();
    const before = Math.floor(Date.now() / 1000);
    const image = await sign('files/att_01J0000000000000000000000A/image', 7200);
    const thumb = await sign('files/att_01J0000000000000000000000A/thumb', 7200);
    const after = Math.floor(Date.now() / 1000);
    for (const [url, path] of [
      [image, '/files/att_01J0000000000000000000000A/image'],
      [thumb, '/files/att_01J0000000000000000000000A/thumb'],
    ]) {
      const v = verifyCannedUrl(url);
      expect(v.resource).toBe(`https://d111111abcdef8.cloudfront.net${path}`);
      expect(v.keyPairId).toBe('K2JCJMDEHXQW5F');
      expect(v.valid).toBe(true);
      expect(v.expires).toBeGreaterThanOrEqual(before + 7200);
      expect(v.expires).toBeLessThanOrEqual(after + 7200);
      expect(url).not.toMatch(/X-Amz-/);
    }
    // One GetParameter for the container: SecureString decrypted, SigV4-signed for SSM in the function's region.
    expect(ssmRequests).toHaveLength(1);
    expect(ssmRequests[0].target).toBe('AmazonSSM.GetParameter');
    expect(ssmRequests[0].body).toEqual({ Name: '/parley/cdn-key', WithDecryption: true });
    expect(ssmRequests[0].auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/ssm\/aws4_request, SignedHeaders=[^,]*x-amz-target/);
  });

  it('CDN on, SSM refuses: signing fails with the reason, and the next call asks SSM again (a failure is not kept)', async () => {
    cdnOn();
    ssmAnswer = { status: 400, body: { __type: 'ParameterNotFound', message: 'not here' } };
    const sign = await load(); // the read starts here (and fails)
    await expect(sign('files/att_1/image', 7200)).rejects.toThrow(/GetParameter \/parley\/cdn-key answered 400 .*ParameterNotFound/);
    ssmAnswer = { status: 200, body: { Parameter: { Value: privateKey } } };
    expect(verifyCannedUrl(await sign('files/att_1/image', 7200)).valid).toBe(true);
    expect(ssmRequests).toHaveLength(2); // the read started with the signer (the first signing waited on it), then a new one
  });

  it('CDN off: S3 presigned GET URLs, as before, and no SSM request', async () => {
    const sign = await load();
    const url = new URL(await sign('files/att_1/image', 7200));
    expect(url.hostname).toBe('parley-uploads.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/files/att_1/image');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('7200');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDTEST\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
    expect(ssmRequests).toHaveLength(0);
  });

  it('half configured: refused at the start', async () => {
    process.env.ATTACHMENTS_CDN_DOMAIN = 'd111111abcdef8.cloudfront.net';
    await expect(load()).rejects.toThrow(/half configured: ATTACHMENTS_CDN_DOMAIN, ATTACHMENTS_CDN_KEY_PAIR_ID, ATTACHMENTS_CDN_PRIVATE_KEY_PARAM must all be set/);
  });
});

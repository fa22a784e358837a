/**
 * SSM Parameter Store GetParameter (WithDecryption) without @aws-sdk/client-ssm: one awsJson1_1 request
 * (`X-Amz-Target: AmazonSSM.GetParameter`), SigV4-signed for `ssm` with the execution role's credentials
 * (lambdas/adapters/s3/signed-request.ts: the S3 client's credential chain, signer and HTTP handler, which the
 * URL-signing handlers carry already). The SSM client would add its own protocol, endpoint rules and serde to
 * sendMessage's bundle for one call per container (docs/DEPLOY.md "Attachments"). The endpoint is SSM's regional one,
 * or `AWS_ENDPOINT_URL_SSM` (the SDK's standard override; the unit tests point it at a fake).
 */
import { s3Client } from '../s3/client';
import { signedRequest } from '../s3/signed-request';

export async function getSecureParameter(name: string): Promise<string> {
  const region = await s3Client().config.region();
  const url = new URL(process.env.AWS_ENDPOINT_URL_SSM || `https://ssm.${region}.amazonaws.com`);
  const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' };
  const { status, text } = await signedRequest(url, '/', { method: 'POST', headers, body: JSON.stringify({ Name: name, WithDecryption: true }) }, region, 'ssm');
  const out = status === 200 ? (JSON.parse(text) as { Parameter?: { Value?: string } }).Parameter?.Value : undefined;
  if (typeof out !== 'string') throw new Error(`SSM GetParameter ${name} answered ${status} ${status === 200 ? 'without a value' : text.slice(0, 200)}`);
  return out;
}

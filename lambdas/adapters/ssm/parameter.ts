/**
 * SSM Parameter Store GetParameter (WithDecryption) without @aws-sdk/client-ssm: one JSON request (awsJson1_1,
 * `X-Amz-Target: AmazonSSM.GetParameter`), SigV4-signed with the execution role's credentials through the S3
 * client's credential chain, signer and HTTP handler, which the URL-signing handlers carry already. The SSM client
 * would add its own protocol, endpoint rules and serde to sendMessage's bundle for one call per container
 * (docs/DEPLOY.md "Attachments"). The endpoint is SSM's regional one, or `AWS_ENDPOINT_URL_SSM` (the SDK's standard
 * override; the unit tests point it at a fake).
 */
import { HttpRequest } from '@smithy/core/protocols';
import { s3Client } from '../s3/client';
import { signerFor } from '../s3/presign';

export async function getSecureParameter(name: string): Promise<string> {
  const client = s3Client();
  const region = await client.config.region();
  const url = new URL(process.env.AWS_ENDPOINT_URL_SSM || `https://ssm.${region}.amazonaws.com`);
  const body = JSON.stringify({ Name: name, WithDecryption: true });
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname || '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonSSM.GetParameter',
      'content-length': String(Buffer.byteLength(body)),
    },
    body,
  });
  const signed = await signerFor(region, 'ssm').sign(request);
  const { response } = await client.config.requestHandler.handle(signed as HttpRequest);
  const chunks: Buffer[] = [];
  for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: { Parameter?: { Value?: string }; __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: reported below with the status
  }
  if (response.statusCode !== 200 || typeof parsed.Parameter?.Value !== 'string') {
    const type = (parsed.__type ?? '').split('#').pop() || 'error';
    throw new Error(`SSM GetParameter ${name} answered ${response.statusCode} ${type}${parsed.message ?? parsed.Message ? `: ${parsed.message ?? parsed.Message}` : ''}`);
  }
  return parsed.Parameter.Value;
}

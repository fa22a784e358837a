/**
 * One SigV4-signed HTTP request through the S3 client's own HTTP handler, credentials and signer, for the few calls
 * the URL-signing handlers make without a command class: the object tag changes of sendMessage (lambdas/adapters/s3/
 * objects.ts) and the CDN private key's GetParameter (lambdas/adapters/ssm/parameter.ts). A command (its middleware,
 * S3's plugins, checksums) costs sendMessage's bundle more than all of this (docs/PERFORMANCE.md section 3).
 */
import { createHash } from 'node:crypto';
import { HttpRequest } from '@smithy/core/protocols';
import { s3Client } from './client';
import { signerFor } from './presign';

export async function signedRequest(
  url: URL,
  path: string,
  init: { method: string; query?: Record<string, string>; headers?: Record<string, string>; body?: string },
  region: string,
  service: string,
): Promise<{ status: number; text: string }> {
  const body = init.body ?? '';
  const request = new HttpRequest({
    method: init.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path,
    query: init.query ?? {},
    headers: {
      host: url.host,
      ...init.headers,
      ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
      'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    },
    ...(body ? { body } : {}),
  });
  const client = s3Client();
  const { response } = await client.config.requestHandler.handle((await signerFor(region, service).sign(request)) as HttpRequest);
  // Read the answer whole (so the socket is reused): these answers are a few hundred bytes.
  let text = '';
  for await (const chunk of (response.body ?? []) as AsyncIterable<Buffer>) text += chunk;
  return { status: response.statusCode, text };
}

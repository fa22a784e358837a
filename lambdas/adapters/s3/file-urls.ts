/**
 * The URLs readers fetch attachment files with (the FileStore port's `signedUrl`): S3 presigned GETs by default, or,
 * when the attachments CDN is configured (CDN_ENV, all three set: CDK's `attachmentsCdnPublicKey`), CloudFront URLs
 * `https://<cdn domain>/files/<id>/image|thumb` signed with a canned policy for the same lifetime. The CloudFront
 * private key is read once per container from SSM Parameter Store (SecureString, decrypted), started when the signer
 * is built (the container's first request); a failed read is not kept, so the next URL signed tries again.
 */
import { signCloudFrontUrl } from '../cdn/signed-url';
import { getSecureParameter } from '../ssm/parameter';
import { CDN_ENV } from '../../shared/env';
import { signedGetUrl } from './presign';

export type SignUrl = (key: string, expiresSeconds: number) => Promise<string>;

export function fileUrlSigner(bucket: string, readParameter: (name: string) => Promise<string> = getSecureParameter): SignUrl {
  const [domain, keyPairId, parameter] = Object.values(CDN_ENV).map((name) => process.env[name]);
  if (!domain && !keyPairId && !parameter) return (key, expiresSeconds) => signedGetUrl(bucket, key, expiresSeconds);
  if (!domain || !keyPairId || !parameter) throw new Error(`attachments CDN half configured: ${Object.values(CDN_ENV).join(', ')} must all be set`);
  let privateKey: Promise<string> | undefined;
  const key = () => {
    privateKey ??= readParameter(parameter).catch((err: unknown) => {
      privateKey = undefined;
      throw err;
    });
    return privateKey;
  };
  // Read it now, beside the handler's first request (a message is stored before its URLs are signed), not after it.
  key().catch(() => undefined);
  return async (objectKey, expiresSeconds) => {
    const pem = await key();
    // Keys are files/<attachmentId>/image|thumb: nothing to encode.
    return signCloudFrontUrl(`https://${domain}/${objectKey}`, keyPairId, pem, Math.floor(Date.now() / 1000) + expiresSeconds);
  };
}

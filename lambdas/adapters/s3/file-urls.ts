/**
 * The URLs readers fetch attachment files with (the FileStore port's `signedUrl`): S3 presigned GETs by default, or,
 * when the attachments CDN is configured (config.attachmentsCdn: CDK's `attachmentsCdnPublicKey`), CloudFront URLs
 * `https://<cdn domain>/files/<id>/image|thumb` signed with a canned policy for the same lifetime. The CloudFront
 * private key is read once per container from SSM Parameter Store (SecureString, decrypted) at the first URL signed;
 * a failed read is not kept, so the next message tries again.
 */
import { signCloudFrontUrl } from '../cdn/signed-url';
import { getSecureParameter } from '../ssm/parameter';
import { config } from '../../shared/config';
import { signedGetUrl } from './presign';

export type SignUrl = (key: string, expiresSeconds: number) => Promise<string>;

export function fileUrlSigner(bucket: string, readParameter: (name: string) => Promise<string> = getSecureParameter): SignUrl {
  const cdn = config.attachmentsCdn();
  if (!cdn) return (key, expiresSeconds) => signedGetUrl(bucket, key, expiresSeconds);
  let privateKey: Promise<string> | undefined;
  const key = () => {
    privateKey ??= readParameter(cdn.privateKeyParameter).catch((err: unknown) => {
      privateKey = undefined;
      throw err;
    });
    return privateKey;
  };
  return async (objectKey, expiresSeconds) => {
    const pem = await key();
    const url = `https://${cdn.domain}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
    return signCloudFrontUrl(url, cdn.keyPairId, pem, Math.floor(Date.now() / 1000) + expiresSeconds);
  };
}

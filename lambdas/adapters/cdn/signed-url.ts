/**
 * CloudFront signed URLs with a canned policy, as `@aws-sdk/cloudfront-signer`'s getSignedUrl makes them (same policy
 * JSON, same RSA-SHA1 signature, same URL-safe base64, same query order), in a few lines of node:crypto instead of a
 * package. test/unit/attachments-cdn.test.ts verifies the signature with the public key.
 *
 * Canned policy (CloudFront Developer Guide, "Create a signed URL using a canned policy"):
 *   {"Statement":[{"Resource":"<url>","Condition":{"DateLessThan":{"AWS:EpochTime":<expires>}}}]}
 * signed with RSA-SHA1; the signature base64-encoded with `+` -> `-`, `=` -> `_`, `/` -> `~`; the URL gets
 * `Expires`, `Key-Pair-Id` and `Signature`, in getSignedUrl's order.
 */
import { createSign } from 'node:crypto';

/** CloudFront's URL-safe base64. */
export const cloudFrontBase64 = (bytes: Buffer): string => bytes.toString('base64').replace(/[+=/]/g, (c) => (c === '+' ? '-' : c === '=' ? '_' : '~'));

/** The canned policy CloudFront checks a URL with `Expires` against. */
export const cannedPolicy = (resource: string, expiresEpochSeconds: number): string =>
  JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expiresEpochSeconds } } }] });

/** `url` (https, normalised, without a query of its own) signed to be valid until `expiresEpochSeconds`. */
export function signCloudFrontUrl(url: string, keyPairId: string, privateKeyPem: string, expiresEpochSeconds: number): string {
  const signature = cloudFrontBase64(createSign('RSA-SHA1').update(cannedPolicy(url, expiresEpochSeconds)).sign(privateKeyPem));
  return `${url}?Expires=${expiresEpochSeconds}&Key-Pair-Id=${encodeURIComponent(keyPairId)}&Signature=${encodeURIComponent(signature)}`;
}

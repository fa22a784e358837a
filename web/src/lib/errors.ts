/** The contract's error codes as sentences a user understands, in the active locale (i18n `errors.*`). */
import { currentLocale, t } from '../i18n';
import { MAX_CONTENT_CHARS } from '../types';
import { formatNumber } from './text';

const KNOWN = ['NOT_FRIENDS', 'RATE_LIMITED', 'TOO_LARGE', 'BAD_REQUEST', 'NETWORK', 'NOT_FOUND', 'TIMEOUT', 'ATTACHMENT'];

export function errorText(code: string, peerName?: string): string {
  if (code === 'NOT_FRIENDS' && peerName) return t('errors.NOT_FRIENDS_named', { name: peerName });
  if (code === 'TOO_LARGE') return t('errors.TOO_LARGE', { max: formatNumber(MAX_CONTENT_CHARS, currentLocale()) });
  return t(`errors.${KNOWN.includes(code) ? code : 'INTERNAL'}`);
}

import { KeyedError, type Params } from '../lib/keyed';

/**
 * Who a token says the user is. The client never verifies a token (the server's authorizers do); it only reads its
 * own identity from the payload, with the contract's display-name rule.
 */

export interface Identity {
  userId: string;
  name: string;
}

/**
 * A sign-in that can't go on without the user: shown to them (its `key`, `signin.failed` unless given, in the active
 * locale), and the app goes back to the sign-in page. The English `message` is for logs and tests.
 */
export class AuthError extends KeyedError {
  constructor(message: string, options?: { cause?: unknown; key?: string; params?: Params }) {
    super(message, options?.key ?? 'signin.failed', options?.params, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
  }
}

/** The payload of a JWT (no verification). */
export function decodeJwt(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new AuthError('not a JWT', { key: 'auth.badToken' });
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (claims && typeof claims === 'object') return claims as Record<string, unknown>;
  } catch {
    // fall through: a payload that isn't base64url JSON is "not a JWT" too
  }
  throw new AuthError('not a JWT', { key: 'auth.badToken' });
}

/** The contract's display name rule: name → preferred_username → cognito:username → sub. */
export function identityOf(token: string): Identity {
  const c = decodeJwt(token);
  const sub = String(c.sub ?? '');
  const pick = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  return { userId: sub, name: pick(c.name) ?? pick(c.preferred_username) ?? pick(c['cognito:username']) ?? sub };
}

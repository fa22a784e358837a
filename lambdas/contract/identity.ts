/**
 * Who the caller is, from a verified token's claims — the contract's identity rule, shared by the WebSocket
 * authorizer (claims aws-jwt-verify checked) and the REST edge (claims the HTTP API's JWT authorizer checked, which
 * hands every claim over as a string).
 */
import { LIMITS } from './limits';

export interface Identity {
  userId: string;
  name: string;
}

/** The user is `sub`; the display name is `name`, else `preferred_username`, else `cognito:username`, else the `sub`. */
export function identityFromClaims(claims: Readonly<Record<string, unknown>>): Identity {
  const sub = claims.sub;
  if (typeof sub !== 'string' || !LIMITS.userId.test(sub)) throw new Error('token has no usable sub');
  const pick = (k: string) => {
    const v = Object.prototype.hasOwnProperty.call(claims, k) ? claims[k] : undefined;
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const name = pick('name') ?? pick('preferred_username') ?? pick('cognito:username') ?? sub;
  return { userId: sub, name: name.slice(0, 100) };
}

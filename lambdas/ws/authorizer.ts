/**
 * $connect REQUEST authorizer (lambdas/edge/ws-authorizer.ts): tokens verified by aws-jwt-verify against the
 * configured issuer, browser origins checked against the configured allowlist.
 */
import { tokenVerifier } from '../adapters/jwt';
import { wsAuthorizer } from '../edge/ws-authorizer';
import * as config from '../shared/config';
import { once } from '../shared/config';

export const handler = wsAuthorizer(
  tokenVerifier,
  once(() => new Set(config.allowedOrigins())),
);

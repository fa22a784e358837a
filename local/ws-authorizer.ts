/**
 * What API Gateway makes of a WebSocket REQUEST authorizer's answer. A WebSocket API takes only the IAM-policy
 * answer (`principalId` + `policyDocument`, optional flat `context`): the simple `{isAuthorized}` answer exists only
 * for HTTP API authorizers with payload format 2.0, and a context value that is an object, array or null is refused.
 * API Gateway treats such an answer as its own configuration error — the handshake fails with 500 and
 * `x-amzn-ErrorType: AuthorizerConfigurationException` (API Gateway's AUTHORIZER_CONFIGURATION_ERROR gateway
 * response, body `{"message":null}`), while CloudWatch says why; locally the stack's log says why.
 * Sources: "Output from an API Gateway Lambda authorizer" and "Control access to WebSocket APIs with AWS Lambda
 * REQUEST authorizers" (AWS docs); the WebSocket mapping-template reference ($context.authorizer.property: "the
 * stringified value"), which is why context numbers and booleans reach the routes as strings.
 */
import type { WsAuthorizerContext } from './events-apigw';

export class AuthorizerConfigurationError extends Error {
  constructor(reason: string) {
    super(`API Gateway would refuse this authorizer answer (AuthorizerConfigurationException): ${reason}`);
    this.name = 'AuthorizerConfigurationError';
  }
}

export type AuthorizerVerdict = { allowed: true; principalId: string; context: Record<string, string> } | { allowed: false; principalId: string };

type PolicyStatement = { Effect?: unknown; Action?: unknown; NotAction?: unknown; Resource?: unknown; NotResource?: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** IAM's wildcards: `*` any run of characters (slashes included), `?` one character; case-sensitive. */
function iamMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

function strings(v: unknown, what: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (!list.length || !list.every((s) => typeof s === 'string')) throw new AuthorizerConfigurationError(`a statement's ${what} must be a string or a list of strings`);
  return list as string[];
}

/** Whether a statement applies to invoking `methodArn`: its Action and Resource (or NotAction / NotResource) cover it. */
function applies(s: PolicyStatement, methodArn: string): boolean {
  const actionOk =
    s.Action !== undefined
      ? strings(s.Action, 'Action').some((a) => iamMatch(a.toLowerCase(), 'execute-api:invoke'))
      : s.NotAction !== undefined
        ? !strings(s.NotAction, 'NotAction').some((a) => iamMatch(a.toLowerCase(), 'execute-api:invoke'))
        : false;
  const resourceOk =
    s.Resource !== undefined
      ? strings(s.Resource, 'Resource').some((r) => iamMatch(r, methodArn))
      : s.NotResource !== undefined
        ? !strings(s.NotResource, 'NotResource').some((r) => iamMatch(r, methodArn))
        : false;
  return actionOk && resourceOk;
}

/**
 * Judge an authorizer's answer the way API Gateway does: a malformed answer throws AuthorizerConfigurationError;
 * otherwise a Deny statement covering the method ARN denies, an Allow covering it allows, and no statement covering
 * it is an implicit deny.
 */
export function judgeAuthorizerAnswer(answer: unknown, methodArn: string): AuthorizerVerdict {
  if (!isObject(answer)) throw new AuthorizerConfigurationError('the answer is not an object');
  if ('isAuthorized' in answer && !('policyDocument' in answer)) {
    throw new AuthorizerConfigurationError('{isAuthorized} is the HTTP API simple response; a WebSocket authorizer must answer principalId + policyDocument');
  }
  const { principalId, policyDocument, context } = answer;
  if (typeof principalId !== 'string') throw new AuthorizerConfigurationError('principalId must be a string');
  if (!isObject(policyDocument) || !Array.isArray(policyDocument.Statement)) throw new AuthorizerConfigurationError('policyDocument.Statement must be a list of statements');
  const statements = policyDocument.Statement as unknown[];
  if (!statements.every(isObject)) throw new AuthorizerConfigurationError('every policy statement must be an object');
  for (const s of statements as PolicyStatement[]) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new AuthorizerConfigurationError(`a statement's Effect must be "Allow" or "Deny", not ${JSON.stringify(s.Effect)}`);
  }
  const flat: Record<string, string> = {};
  if (context !== undefined && context !== null) {
    if (!isObject(context)) throw new AuthorizerConfigurationError('context must be an object of string, number or boolean values');
    for (const [key, value] of Object.entries(context)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
        throw new AuthorizerConfigurationError(`context.${key} is ${kind}; context values must be strings, numbers or booleans`);
      }
      flat[key] = String(value);
    }
  }
  const covering = (statements as PolicyStatement[]).filter((s) => applies(s, methodArn));
  if (covering.some((s) => s.Effect === 'Deny') || !covering.some((s) => s.Effect === 'Allow')) return { allowed: false, principalId };
  return { allowed: true, principalId, context: flat };
}

/** `requestContext.authorizer` for a connection's routes: the (stringified) context, its principal, the authorizer's latency. */
export function authorizerContextOf(verdict: Extract<AuthorizerVerdict, { allowed: true }>, integrationLatencyMs: number): WsAuthorizerContext {
  return { ...verdict.context, principalId: verdict.principalId, integrationLatency: integrationLatencyMs };
}

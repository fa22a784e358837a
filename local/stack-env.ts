/**
 * The environment the local stack gives the handlers (the cloud's function environment, pointed at the local
 * endpoints). The handlers read it once per process, so the stack sets it BEFORE importing them, and warns when a
 * later stack in the same process would change what already-loaded handlers read.
 */
import { ENV, LOCAL_UPLOADS_BUCKET_NAME, TABLES, type TableKey } from '../lib/wiring';
import type { DynamoCredentials } from './dynamo';
import type { Log, LogLevel } from './log';
import { S3_PATH } from './stack-uploads';
import type { TableNames } from './tables';

export const JWT_AUDIENCE = 'parley-local';

const HANDLER_LOG_LEVEL: Record<LogLevel, string> = { silent: 'SILENT', error: 'ERROR', warn: 'WARN', info: 'WARN', debug: 'DEBUG' };

let previousHandlerEnv: Record<string, string> | undefined;

export function handlerEnv(opts: {
  /** The stack's own http://127.0.0.1:<port>. */
  url: string;
  tables: TableNames;
  origins: string[];
  region: string;
  handlerDynamoEndpoint: string;
  dynamoCredentials: DynamoCredentials;
  oidc?: { issuer: string; audience: string[]; jwksUri?: string };
  log: Log;
  /** Applied last, so it can override the stack's. */
  extra?: Record<string, string>;
}): Record<string, string> {
  const { url, tables, origins, region, handlerDynamoEndpoint, dynamoCredentials, log } = opts;
  const tableEnv = Object.fromEntries((Object.keys(TABLES) as TableKey[]).map((k) => [TABLES[k].envVar, tables[k]]));
  return {
    ...tableEnv,
    [ENV.wsManagementEndpoint]: `${url}/_aws/ws`,
    // No JWKS_URI: the authorizers find the keys through the issuer's discovery document, as in the cloud.
    [ENV.jwtIssuer]: opts.oidc?.issuer ?? `${url}/dev`,
    [ENV.jwtAudience]: (opts.oidc?.audience ?? [JWT_AUDIENCE]).join(','),
    ...(opts.oidc?.jwksUri ? { [ENV.jwksUri]: opts.oidc.jwksUri } : {}),
    [ENV.allowedOrigins]: [...new Set(origins)].join(','),
    AWS_ENDPOINT_URL_DYNAMODB: handlerDynamoEndpoint,
    // The uploads bucket on the stack's own S3-compatible endpoint, on the page's origin: URLs the handlers sign
    // (presigned POST, file GETs) are fetched by the browser from there.
    [ENV.uploadsBucket]: LOCAL_UPLOADS_BUCKET_NAME,
    AWS_ENDPOINT_URL_S3: `${url}${S3_PATH}`,
    AWS_REGION: region,
    // The handlers' SDK clients reach the tables with the stack's key (they reach nothing else with it).
    AWS_ACCESS_KEY_ID: dynamoCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: dynamoCredentials.secretAccessKey,
    // The handlers' own JSON logs (Powertools): one line per event at INFO is the cloud's audit trail, but noise
    // at a developer's console, so locally they show from WARN up unless --log debug (or POWERTOOLS_LOG_LEVEL).
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL || HANDLER_LOG_LEVEL[log.level],
    ...(opts.extra ?? {}),
  };
}

/** Put `env` into process.env; returns the cleanup that puts back what was there. */
export function applyHandlerEnv(env: Record<string, string>, log: Log): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  if (previousHandlerEnv) {
    const changed = Object.keys(env).filter((k) => previousHandlerEnv?.[k] !== env[k] && !k.startsWith('AWS_ACCESS') && !k.startsWith('AWS_SECRET'));
    if (changed.length) log.warn(`handlers already loaded in this process read their environment once; ${changed.join(', ')} changed since the last stack`);
  }
  previousHandlerEnv = env;
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

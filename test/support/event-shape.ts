/**
 * Compare an event the local stack built with a real AWS sample (test/fixtures/aws-samples/), as JSON — what a Lambda
 * function receives, so fields holding `undefined` don't count:
 *  - missing: a field the sample has and the local event lacks;
 *  - wrongType: a field both have with another JSON type (null, boolean, number, string, array, object);
 *  - extra: a field the local event has and the sample doesn't.
 * Recursively, by path (`requestContext.identity.sourceIp`; array elements as `[]`, compared through their first
 * elements when both arrays have one). Fields a sample has only because of a feature Parley doesn't use, and fields
 * the local event has only because an @types/aws-lambda type demands them, are allowed with a reason each: a path
 * allows itself and everything under it; `x.*` allows only what is under `x`.
 * Maps keyed by request data (headers, query strings) compare their keys case-insensitively, as HTTP header names
 * are, and report no extras: which ones a request carries depends on the client, not the gateway.
 */
export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export interface ShapeOptions {
  /** Sample fields the local event may lack: path -> why. */
  missingAllowed?: Record<string, string>;
  /** Local fields the sample doesn't have: path -> why. */
  extrasAllowed?: Record<string, string>;
  /** Paths of maps keyed by request data. */
  dataKeyed?: string[];
}

export interface ShapeDiff {
  missing: string[];
  wrongType: string[];
  extra: string[];
}

/** The maps of API Gateway events whose keys are the request's own data. */
export const REQUEST_DATA_MAPS = ['headers', 'multiValueHeaders', 'queryStringParameters', 'multiValueQueryStringParameters', 'pathParameters', 'stageVariables'];

export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  if (t === 'boolean' || t === 'number' || t === 'string' || t === 'object') return t;
  throw new Error(`not a JSON value: ${t}`);
}

const asJson = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

function allowed(path: string, rules: Record<string, string> | undefined): boolean {
  return Object.keys(rules ?? {}).some((rule) =>
    rule.endsWith('.*') ? path.startsWith(rule.slice(0, -1)) : path === rule || path.startsWith(`${rule}.`) || path.startsWith(`${rule}[`),
  );
}

export function shapeDiff(sample: unknown, local: unknown, opts: ShapeOptions = {}): ShapeDiff {
  const diff: ShapeDiff = { missing: [], wrongType: [], extra: [] };
  const dataKeyed = new Set(opts.dataKeyed ?? REQUEST_DATA_MAPS);

  const walk = (s: unknown, l: unknown, path: string): void => {
    const st = jsonType(s);
    const lt = jsonType(l);
    if (st !== lt) {
      if (!allowed(path, opts.missingAllowed)) diff.wrongType.push(`${path}: ${st} in the sample, ${lt} locally`);
      return;
    }
    if (st === 'array') {
      const [s0, l0] = [(s as unknown[])[0], (l as unknown[])[0]];
      if (s0 !== undefined && l0 !== undefined) walk(s0, l0, `${path}[]`);
      return;
    }
    if (st !== 'object') return;
    const so = s as Record<string, unknown>;
    const lo = l as Record<string, unknown>;
    const byData = dataKeyed.has(path);
    const localKey = (key: string) => (byData ? Object.keys(lo).find((k) => k.toLowerCase() === key.toLowerCase()) : key in lo ? key : undefined);
    for (const key of Object.keys(so)) {
      const childPath = path ? `${path}.${key}` : key;
      const lk = localKey(key);
      if (lk === undefined) {
        if (!allowed(childPath, opts.missingAllowed)) diff.missing.push(childPath);
      } else walk(so[key], lo[lk], childPath);
    }
    if (byData) return;
    for (const key of Object.keys(lo)) {
      const childPath = path ? `${path}.${key}` : key;
      if (!(key in so) && !allowed(childPath, opts.extrasAllowed)) diff.extra.push(childPath);
    }
  };

  walk(asJson(sample), asJson(local), '');
  return diff;
}

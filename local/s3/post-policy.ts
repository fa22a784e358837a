/**
 * S3 POST policies (browser-based uploads): decode the base64 JSON policy, check its expiration and every condition
 * against the form's fields, refuse fields no condition names, and check the file's size against
 * content-length-range. S3's rules (docs: "Creating a POST policy", "Browser-based uploads using POST"):
 *  - form field names are case-insensitive; conditions name them as `$name` (or as `{ name: value }` for an exact match);
 *  - `eq` / `{ name: value }` needs the exact value, `starts-with` a prefix ('' = any value);
 *  - every form field except `policy`, `x-amz-signature`, `file` and `x-ignore-*` must be named by some condition,
 *    otherwise "Extra input fields";
 *  - a failed condition is 403 AccessDenied "Invalid according to Policy: Policy Condition failed: [...]", an expired
 *    policy 403 AccessDenied "Invalid according to Policy: Policy expired.", a file outside content-length-range
 *    400 EntityTooLarge / EntityTooSmall, an undecodable policy 400 InvalidPolicyDocument.
 */
import { S3Error, accessDenied, entityTooLarge, entityTooSmall, invalidPolicyDocument } from './errors';

export type Condition =
  | { op: 'eq' | 'starts-with'; field: string; value: string; shown: string }
  | { op: 'content-length-range'; min: number; max: number; shown: string };

export interface PostPolicy {
  expiration: Date;
  conditions: Condition[];
}

/** Fields S3 doesn't require a condition for. */
const EXEMPT = new Set(['policy', 'x-amz-signature', 'file']);

const show = (op: string, field: string, value: string | number, value2?: number) =>
  `["${op}", ${field === '' ? '' : `"$${field}", `}${typeof value === 'number' ? value : JSON.stringify(value)}${value2 === undefined ? '' : `, ${value2}`}]`;

export function parsePolicy(base64: string): PostPolicy {
  let doc: unknown;
  try {
    const text = Buffer.from(base64, 'base64').toString('utf8');
    doc = JSON.parse(text);
  } catch {
    throw invalidPolicyDocument('Invalid Policy: Invalid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidPolicyDocument('Invalid Policy: Invalid JSON.');
  const { expiration, conditions } = doc as { expiration?: unknown; conditions?: unknown };
  if (expiration === undefined) throw invalidPolicyDocument('Invalid Policy: Missing expiration.');
  // S3 wants ISO 8601 with a time (2007-12-01T12:00:00.000Z).
  if (typeof expiration !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalidPolicyDocument(`Invalid Policy: Invalid 'expiration' value: '${String(expiration)}'`);
  }
  if (!Array.isArray(conditions)) throw invalidPolicyDocument("Invalid Policy: Missing 'conditions' field.");
  return { expiration: new Date(expiration), conditions: conditions.map(parseCondition) };
}

function parseCondition(c: unknown): Condition {
  const bad = () => invalidPolicyDocument(`Invalid Policy: Invalid Condition: ${JSON.stringify(c)}`);
  if (Array.isArray(c)) {
    const [op, a, b] = c as unknown[];
    if (typeof op !== 'string' || c.length !== 3) throw bad();
    const lop = op.toLowerCase();
    if (lop === 'content-length-range') {
      const min = Number(a);
      const max = Number(b);
      if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) throw bad();
      return { op: 'content-length-range', min, max, shown: show('content-length-range', '', min, max) };
    }
    if ((lop === 'eq' || lop === 'starts-with') && typeof a === 'string' && a.startsWith('$') && typeof b === 'string') {
      const field = a.slice(1).toLowerCase();
      return { op: lop, field, value: b, shown: show(lop, a.slice(1), b) };
    }
    throw bad();
  }
  if (typeof c === 'object' && c !== null) {
    const entries = Object.entries(c);
    if (entries.length !== 1 || typeof entries[0][1] !== 'string') throw bad();
    const [name, value] = entries[0] as [string, string];
    return { op: 'eq', field: name.toLowerCase(), value, shown: show('eq', name, value) };
  }
  throw bad();
}

/**
 * Check expiration, conditions and extra fields. `fields` are the form's fields before the file (names lower-cased);
 * `$bucket` is the bucket the form is posted to. Returns the content-length-range to hold the file to (none when the
 * policy has none).
 */
export function checkPolicy(
  policy: PostPolicy,
  fields: Map<string, string>,
  bucket: string,
  now: Date,
): { min: number; max: number } | undefined {
  if (now.getTime() > policy.expiration.getTime()) throw accessDenied('Invalid according to Policy: Policy expired.');
  let range: { min: number; max: number } | undefined;
  const named = new Set<string>();
  for (const c of policy.conditions) {
    if (c.op === 'content-length-range') {
      range = { min: c.min, max: c.max };
      continue;
    }
    named.add(c.field);
    const value = c.field === 'bucket' ? bucket : (fields.get(c.field) ?? '');
    const ok = c.op === 'eq' ? value === c.value : value.startsWith(c.value);
    if (!ok) throw accessDenied(`Invalid according to Policy: Policy Condition failed: ${c.shown}`);
  }
  const extras = [...fields.keys()].filter((f) => !EXEMPT.has(f) && !f.startsWith('x-ignore-') && !named.has(f));
  if (extras.length > 0) throw accessDenied(`Invalid according to Policy: Extra input fields: ${extras.join(', ')}`);
  return range;
}

/** The file's size against content-length-range, as S3 answers it. */
export function checkSize(range: { min: number; max: number } | undefined, size: number): void {
  if (!range) return;
  if (size > range.max) throw entityTooLarge(size, range.max);
  if (size < range.min) throw entityTooSmall(size, range.min);
}

export function isS3Error(e: unknown): e is S3Error {
  return e instanceof S3Error;
}

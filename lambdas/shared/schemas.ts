/**
 * Validation of everything that enters from outside: the shared pieces and `parse`, which turns a failure into a
 * clear BAD_REQUEST naming the first problem. The schemas themselves live beside this file by entry point
 * (frame-schemas.ts, rest-schemas.ts, event-schemas.ts) so each Lambda bundle carries only its own.
 * Valibot: every check is its own function, so a bundle carries only the checks its handler uses (~6 KB, where
 * zod/mini's shared core was ~25 KB in every handler — see docs/PERFORMANCE.md).
 */
import * as v from 'valibot';
import { LIMITS } from '../core/model';
import { badRequest } from './errors';

export const str = (min: number, max: number) => v.pipe(v.string(), v.minLength(min), v.maxLength(max));
export const userIdSchema = v.pipe(v.string(), v.regex(LIMITS.userId));
export const messageIdSchema = v.pipe(v.string(), v.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/));

type Issue = v.BaseIssue<unknown>;

/** One readable sentence for the first problem found. */
export function explain(issue: Issue): string {
  const keys = (issue.path ?? []).map((p) => String(p.key));
  // An unknown field of a strict object is reported at the field; name the object that has it.
  if (issue.expected === 'never') {
    const at = keys.slice(0, -1);
    return `${at.length ? `"${at.join('.')}"` : 'the input'} has unexpected fields`;
  }
  const where = keys.length ? `"${keys.join('.')}"` : 'the input';
  const unit = typeof issue.input === 'string' ? ' characters' : Array.isArray(issue.input) ? ' items' : '';
  switch (issue.type) {
    case 'min_length':
      return `${where} must have at least ${String(issue.requirement)}${unit}`;
    case 'max_length':
      return `${where} must have at most ${String(issue.requirement)}${unit}`;
    case 'length':
      return `${where} must have exactly ${String(issue.requirement)}${unit}`;
    case 'regex':
      return `${where} has an invalid format`;
    case 'literal':
    case 'picklist':
      return issue.input === undefined ? `${where} is required` : `${where} has an invalid value`;
    case 'custom':
      return issue.input === undefined ? `${where} is required` : `${where} ${issue.message}`;
    case 'union':
      return `${where} is invalid`;
    default:
      if (issue.kind !== 'schema') return `${where} is invalid`;
      return issue.input === undefined ? `${where} is required` : `${where} must be ${(issue.expected ?? 'valid').toLowerCase()}`;
  }
}

export type Checked<T> = { success: true; data: T } | { success: false; reason: string };

/** Validate without throwing: the data, or the first problem as a sentence. */
export function check<T>(schema: v.GenericSchema<unknown, T>, input: unknown): Checked<T> {
  const result = v.safeParse(schema, input);
  return result.success ? { success: true, data: result.output } : { success: false, reason: explain(result.issues[0]) };
}

export function parse<T>(schema: v.GenericSchema<unknown, T>, input: unknown): T {
  const result = check(schema, input);
  if (!result.success) throw badRequest(result.reason);
  return result.data;
}

/** Parse untrusted JSON text (a frame or a body) without letting a syntax error escape as INTERNAL. */
export function parseJson(text: string | undefined | null): unknown {
  if (text === undefined || text === null || text === '') throw badRequest('a JSON body is required');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('the body is not valid JSON');
  }
}

/**
 * The edges' validation of everything that enters from outside: `parse` turns a failed check against a contract
 * schema (lambdas/contract/) into a clear BAD_REQUEST naming the first problem; `parseJson` does the same for JSON
 * text that does not parse.
 */
import type * as v from 'valibot';
import { check } from '../contract/validate';
import { badRequest } from '../core/errors';

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

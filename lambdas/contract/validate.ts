/**
 * Validation against the contract's schemas without throwing: the data, or the first problem as one readable
 * sentence. The handlers' edges turn a failure into BAD_REQUEST (lambdas/edge/parse.ts); the event handler and the
 * publisher client (publishers/) report it as the reason.
 */
import * as v from 'valibot';

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

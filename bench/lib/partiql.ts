/**
 * A small, conservative reader of the PartiQL statements Parley sends in a `BatchExecuteStatement` (or
 * `ExecuteStatement`): the verb, the table (and index, for a SELECT from `"t"."index"`), and the attribute names an
 * INSERT writes or an UPDATE SETs / REMOVEs. Used by the bench's write accounting (bench/lib/calls-accounting.ts:
 * billed units and index writes) and by test/integration/iam-grants.test.ts (the IAM action each statement needs),
 * so the two read statements the same way.
 *
 * Not a PartiQL parser: it reads the shapes DynamoDB's PartiQL accepts for single-item statements —
 *   INSERT INTO "t" VALUE {'a': ?, 'b': ?}
 *   UPDATE "t" SET a = ? SET b = b + ?, c = ? REMOVE d WHERE ...
 *   DELETE FROM "t" WHERE ...
 *   SELECT ... FROM "t"."index" WHERE ...
 * Names may be double-quoted ("a") or bare. Anything it cannot read yields verb/table `undefined` and no attributes,
 * which callers treat as unknown (the accounting then under-counts index writes; the IAM test reports the statement).
 */

import { PARTIQL_ACTIONS, type PartiQLVerb } from '../../lib/wiring';

export type { PartiQLVerb };

/** The IAM action that authorises a statement of this verb (wiring's PARTIQL_ACTIONS, which lib/functions.ts grants). */
export const PARTIQL_ACTION = PARTIQL_ACTIONS;

export interface ParsedStatement {
  verb?: PartiQLVerb;
  table?: string;
  /** SELECT ... FROM "t"."index". */
  index?: string;
  /** INSERT: the top-level keys of the VALUE document. */
  inserted: string[];
  /** UPDATE: attributes assigned by SET (top-level names; `a.b` or `a[0]` count as `a`). */
  set: string[];
  /** UPDATE: attributes removed by REMOVE. */
  removed: string[];
}

/** A name, double-quoted or bare; group 1 or 2. */
const NAME = String.raw`(?:"((?:[^"]|"")+)"|([A-Za-z_][\w-]*))`;
const unquote = (m: RegExpExecArray | RegExpMatchArray, at: number) => (m[at] !== undefined ? m[at].replace(/""/g, '"') : m[at + 1]);

/** Blank out string literals ('...') — and, with `names`, quoted names ("...") — keeping every position. */
function masked(s: string, names = false): string {
  const blank = (lit: string) => `${lit[0]}${' '.repeat(Math.max(0, lit.length - 2))}${lit[0]}`;
  return s.replace(names ? /'(?:[^']|'')*'|"(?:[^"]|"")*"/g : /'(?:[^']|'')*'/g, blank);
}

/** Top-level attribute name of a path (`a.b[0]` -> `a`, `"x"."y"` -> `x`). */
function headOf(path: string): string | undefined {
  const m = new RegExp(`^\\s*${NAME}`).exec(path);
  return m ? unquote(m, 1) : undefined;
}

/** [start, end) ranges of the comma-separated parts of `mask[from, to)`, commas inside (), [] or {} not splitting. */
function splitTop(mask: string, from = 0, to = mask.length): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const c = mask[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  parts.push([start, to]);
  return parts;
}

/** The top-level keys of the VALUE document of an INSERT: `{'pk': ?, 'sk': ?}` -> ['pk', 'sk']. */
function insertedKeys(statement: string): string[] {
  const mask = masked(statement, true);
  const open = /\bVALUE\s*\{/i.exec(mask);
  if (!open) return [];
  const start = mask.indexOf('{', open.index);
  let depth = 0;
  let end = -1;
  for (let i = start; i < mask.length; i++) {
    if (mask[i] === '{') depth++;
    else if (mask[i] === '}' && --depth === 0) {
      end = i;
      break;
    }
  }
  if (end < 0) return [];
  const keys: string[] = [];
  for (const [a, b] of splitTop(mask, start + 1, end)) {
    const m = /^\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)")\s*:/.exec(statement.slice(a, b));
    if (m) keys.push(m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2].replace(/""/g, '"'));
  }
  return keys;
}

/** SET and REMOVE targets of an UPDATE, from the text after its table name (the clauses before WHERE). */
function updateTargets(rest: string): { set: string[]; removed: string[] } {
  const mask = masked(rest, true);
  const where = /\bWHERE\b/i.exec(mask);
  const stop = where ? where.index : mask.length;
  const set: string[] = [];
  const removed: string[] = [];
  // Clauses start with SET or REMOVE; each holds comma-separated actions.
  const re = /\b(SET|REMOVE)\b/gi;
  const marks: Array<{ kind: string; at: number; end: number }> = [];
  for (let m = re.exec(mask); m && m.index < stop; m = re.exec(mask)) marks.push({ kind: m[1].toUpperCase(), at: m.index, end: m.index + m[0].length });
  marks.forEach((mark, i) => {
    for (const [a, b] of splitTop(mask, mark.end, i + 1 < marks.length ? marks[i + 1].at : stop)) {
      if (!mask.slice(a, b).trim()) continue;
      if (mark.kind === 'SET') {
        // `<path> = <value>`: the target is what stands before the first lone `=`.
        const eq = /(^|[^<>!=])=(?!=)/.exec(mask.slice(a, b));
        const name = eq ? headOf(rest.slice(a, a + eq.index + eq[1].length)) : undefined;
        if (name) set.push(name);
      } else {
        const name = headOf(rest.slice(a, b));
        if (name) removed.push(name);
      }
    }
  });
  return { set, removed };
}

/** Read one statement; see the module comment for what is understood. */
export function parseStatement(statement: string): ParsedStatement {
  const out: ParsedStatement = { inserted: [], set: [], removed: [] };
  const s = statement.trim();
  const verb = /^(INSERT|UPDATE|DELETE|SELECT)\b/i.exec(s)?.[1]?.toUpperCase() as PartiQLVerb | undefined;
  if (!verb) return out;
  out.verb = verb;
  const mask = masked(s);
  const tableRe: Record<PartiQLVerb, RegExp> = {
    INSERT: new RegExp(`^INSERT\\s+INTO\\s+${NAME}`, 'i'),
    UPDATE: new RegExp(`^UPDATE\\s+${NAME}`, 'i'),
    DELETE: new RegExp(`^DELETE\\s+FROM\\s+${NAME}`, 'i'),
    SELECT: new RegExp(`\\bFROM\\s+${NAME}(?:\\s*\\.\\s*${NAME})?`, 'i'),
  };
  const found = tableRe[verb].exec(mask);
  if (!found) return out;
  // Read the names from the original text at the same position (masking keeps positions; names are never in '...').
  const sticky = new RegExp(tableRe[verb].source, 'iy');
  sticky.lastIndex = found.index;
  const m = sticky.exec(s) ?? found;
  out.table = unquote(m, 1);
  if (m[3] !== undefined || m[4] !== undefined) out.index = unquote(m, 3);
  if (verb === 'INSERT') out.inserted = insertedKeys(s);
  if (verb === 'UPDATE') Object.assign(out, updateTargets(s.slice(m.index + m[0].length)));
  return out;
}

/** The statements of a BatchExecuteStatement input (`{ Statements: [{ Statement, ... }] }`) or an ExecuteStatement one. */
export function statementsOf(input: Record<string, unknown>): Array<{ statement: string; consistentRead: boolean; parsed: ParsedStatement }> {
  const list = Array.isArray(input.Statements)
    ? (input.Statements as Array<{ Statement?: string; ConsistentRead?: boolean }>)
    : typeof input.Statement === 'string'
      ? [input as { Statement?: string; ConsistentRead?: boolean }]
      : [];
  return list.map((st) => ({ statement: String(st.Statement ?? ''), consistentRead: st.ConsistentRead === true, parsed: parseStatement(String(st.Statement ?? '')) }));
}

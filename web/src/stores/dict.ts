/**
 * A record keyed by user ids with no prototype: a user named "__proto__", "constructor" or "toString" is a key like
 * any other, never Object.prototype's member (`{}["constructor"]` is a function; `{}["__proto__"] = x` sets the
 * prototype instead of an entry).
 */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Empty a record in place (it stays the same reactive object). */
export function clear(rec: Record<string, unknown>): void {
  for (const k of Object.keys(rec)) delete rec[k];
}

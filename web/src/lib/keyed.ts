/**
 * Errors a user sees. Their English `message` is for logs and tests; what the page shows is the message `key` in
 * the active locale with its named `params` (`t(err.key, err.params)`, docs/WEB.md "Languages"). This module does
 * not import i18n (api/ and lib/config.ts use it before the app is mounted, and tests use it without a locale).
 */
export type Params = Record<string, string | number>;

/** What to show: a message key and its named placeholders. */
export interface Shown {
  key: string;
  params?: Params;
}

export class KeyedError extends Error {
  readonly key: string;
  readonly params: Params;
  constructor(message: string, key: string, params: Params = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyedError';
    this.key = key;
    this.params = params;
  }
}

/** The key and params an error carries, or the fallback key (e.g. `signin.failed`) for any other error. */
export function shownOf(err: unknown, fallback: string): Shown {
  return err instanceof KeyedError ? { key: err.key, params: err.params } : { key: fallback };
}

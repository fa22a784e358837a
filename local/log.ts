/**
 * The local stack's own console output (the handlers log through Powertools on their own).
 * One short line per request; never tokens, never message bodies.
 */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export interface Log {
  level: LogLevel;
  error(msg: string, err?: unknown): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

/** The message of an error, never its stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === 'string' ? err : JSON.stringify(err) ?? String(err);
}

export function createLog(level: LogLevel = 'info', out: (line: string) => void = (l) => process.stderr.write(l + '\n')): Log {
  const at = (l: LogLevel) => RANK[l] <= RANK[level];
  const stamp = () => new Date().toISOString().slice(11, 23);
  return {
    level,
    error(msg, err) {
      if (!at('error')) return;
      out(`${stamp()} ERROR ${msg}${err === undefined ? '' : `: ${errorMessage(err)}`}`);
      // A stack helps the developer at the console; it never reaches a client.
      if (err instanceof Error && err.stack && at('debug')) out(err.stack);
    },
    warn: (msg) => at('warn') && out(`${stamp()} WARN  ${msg}`),
    info: (msg) => at('info') && out(`${stamp()} ${msg}`),
    debug: (msg) => at('debug') && out(`${stamp()} DEBUG ${msg}`),
  } as Log;
}

export function parseLogLevel(text: string | undefined, fallback: LogLevel): LogLevel {
  return text && text in RANK ? (text as LogLevel) : fallback;
}

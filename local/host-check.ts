/**
 * DNS rebinding: a page on `attacker.example` whose name is made to resolve to 127.0.0.1 can make a victim's
 * browser send requests to this stack — same-origin for the page, so it could read the answers (a dev token for any
 * user, everyone's messages). Browsers always send the name they resolved as `Host`, so the stack answers only
 * requests that name it by its own loopback names (127.0.0.1, localhost, [::1]) and port; anything else is 403.
 */
import type { IncomingMessage } from 'node:http';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether `Host` names this stack (its loopback names, with its port or none). */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!m) return false;
  return LOOPBACK_NAMES.has(m[1]) && (m[2] === undefined || Number(m[2]) === port);
}

export const requestHostAllowed = (req: IncomingMessage, port: number) => hostAllowed(req.headers.host, port);

export const FOREIGN_HOST_MESSAGE = 'this local stack answers only to 127.0.0.1, localhost and [::1] (a foreign Host header is refused: DNS rebinding)';

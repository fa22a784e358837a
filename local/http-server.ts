/** The stack's HTTP server plumbing: listening on loopback, checking a port first, and answering at the socket. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/** Listen on 127.0.0.1; a taken port is a clear error. Resolves with the port (0 = any free one). */
export function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is in use (set PORT or --port to another one)`) : err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/** Throws the same message as `listen` when the port is taken (checked before DynamoDB Local is started). */
export async function assertPortFree(port: number): Promise<void> {
  const probe = http.createServer();
  await listen(probe, port);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** Reason phrases of the statuses answered at a socket (API Gateway's and Node's wording); anything else is "Error". */
const REASON_PHRASE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};
const reasonPhrase = (status: number): string => REASON_PHRASE[status] ?? 'Error';

/** `{"message": …}`: the body of API Gateway's own answers. */
export const messageBody = (message: string | null): string => JSON.stringify({ message });

/**
 * A complete JSON HTTP/1.1 answer written straight to a socket, which is then closed: for what has no response object
 * (parser errors, refused WebSocket upgrades). The body defaults to `{"message":"<reason phrase>"}`; a socket already
 * destroyed (the client left) is left alone.
 */
export function answerAtSocket(socket: Duplex, status: number, body = messageBody(reasonPhrase(status)), headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

/**
 * What Node's parser refuses gets an HTTP answer, as from a real gateway, not a reset: headers over Node's 16 KB limit
 * (a 17 KB Authorization header) are 431, anything else malformed 400.
 */
export function answerParserErrors(server: http.Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) return socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') answerAtSocket(socket, 431);
    else answerAtSocket(socket, 400);
  });
}

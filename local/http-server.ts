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

/** A complete JSON HTTP/1.1 answer written straight to a socket (no request object: parser errors, upgrades). */
export function answerAtSocket(socket: Duplex, status: number, text: string, message: string): void {
  const body = JSON.stringify({ message });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * What Node's parser refuses gets an HTTP answer, as from a real gateway, not a reset: headers over Node's 16 KB limit
 * (a 17 KB Authorization header) are 431, anything else malformed 400.
 */
export function answerParserErrors(server: http.Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) return socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') answerAtSocket(socket, 431, 'Request Header Fields Too Large', 'Request Header Fields Too Large');
    else answerAtSocket(socket, 400, 'Bad Request', 'Bad Request');
  });
}

/**
 * TLS on the stack's own port, so the endpoint handlers commonly build for the Management API from their event,
 * `https://${requestContext.domainName}/${requestContext.stage}`, reaches the local one (management-api.ts) the way
 * it reaches AWS's, with a stock `ApiGatewayManagementApiClient`.
 *
 * - One port, two protocols: the first byte of a connection decides. 0x16 opens a TLS handshake (a TLS record of
 *   type "handshake"); anything else is plain HTTP. Both end up at the same http.Server, so `https://` and `wss://`
 *   reach the same routes as `http://` and `ws://`. (@httptoolkit/httpolyglot does this too, but as a server of its
 *   own; here the stack's existing http.Server gains TLS in place, so it stays the one server the stack starts and
 *   stops.)
 * - The certificate is made at start by `selfsigned` (EC P-256, for localhost, 127.0.0.1 and ::1) and its key never
 *   leaves this process.
 * - Trust, without turning any check off: this process trusts that one certificate for TLS connections to the
 *   stack's own loopback port only (`trustInProcess`), by handing it as `ca` to those `tls.connect` calls — the call
 *   every https agent (the SDK's included) makes. Every other TLS connection is untouched, certificate and host name
 *   are still verified, and NODE_TLS_REJECT_UNAUTHORIZED is never set. Other processes (a browser, curl) don't trust
 *   it: they get the usual self-signed warning, or `curl --cacert` with the PEM from `certificatePem`.
 */
import type * as http from 'node:http';
import type { Socket } from 'node:net';
// `import =` keeps the module object itself (not an interop copy), so `tls.connect` can be wrapped for real.
import tls = require('node:tls');
import { generate } from 'selfsigned';

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export interface LocalTls {
  /** The certificate (PEM) the port presents. */
  certificatePem: string;
  /** Trust the certificate in this process for TLS connections to `port` on loopback; returns the undo. */
  trustInProcess(port: number): () => void;
}

type Connect = typeof tls.connect;
const trusted = new Map<number, string>();
let originalConnect: Connect | undefined;

function trustingConnect(this: unknown, ...args: unknown[]): tls.TLSSocket {
  const options = args[0] as tls.ConnectionOptions | undefined;
  if (options && typeof options === 'object' && options.ca === undefined && options.secureContext === undefined) {
    const cert = LOOPBACK_HOSTS.has(options.host ?? 'localhost') ? trusted.get(Number(options.port)) : undefined;
    if (cert) args[0] = { ...options, ca: cert };
  }
  return (originalConnect as (...a: unknown[]) => tls.TLSSocket).apply(this, args);
}

function trust(port: number, certificatePem: string): () => void {
  trusted.set(port, certificatePem);
  if (!originalConnect) {
    originalConnect = tls.connect;
    tls.connect = trustingConnect as Connect;
  }
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    if (trusted.get(port) === certificatePem) trusted.delete(port);
    if (!trusted.size && originalConnect) {
      tls.connect = originalConnect;
      originalConnect = undefined;
    }
  };
}

/** A self-signed certificate for the loopback names, valid from an hour ago (clock skew) for 30 days. */
export async function localCertificate(): Promise<{ key: string; cert: string }> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'Parley local stack' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 3600_000),
    notAfterDate: new Date(now + 30 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * Make `server` (not listening yet) also speak TLS on its port. Call it before adding other 'connection' listeners:
 * those see every raw socket at once; the HTTP parser gets each one once its first byte has said which it is.
 */
export async function acceptTlsOnSamePort(server: http.Server): Promise<LocalTls> {
  const { key, cert } = await localCertificate();
  const httpListeners = server.listeners('connection') as ((socket: Socket | tls.TLSSocket) => void)[];
  server.removeAllListeners('connection');
  const toHttp = (socket: Socket | tls.TLSSocket) => {
    for (const listener of httpListeners) listener.call(server, socket);
  };
  const tlsServer = tls.createServer({ key, cert, ALPNProtocols: ['http/1.1'] }, toHttp);
  // A client that refuses the certificate (a browser before the developer accepts it) just ends its handshake.
  tlsServer.on('tlsClientError', (_err, socket) => socket.destroy());
  server.on('connection', (socket: Socket) => {
    const fail = () => socket.destroy();
    socket.once('error', fail);
    socket.once('readable', () => {
      socket.off('error', fail);
      const head: Buffer | null = socket.read();
      if (head === null) return void socket.destroy(); // closed before sending anything
      socket.unshift(head);
      if (head[0] === 0x16) tlsServer.emit('connection', socket);
      else toHttp(socket);
    });
  });
  return { certificatePem: cert, trustInProcess: (port) => trust(port, cert) };
}

/** A raw HTTP/1.1 request with any Host header (fetch won't let a caller set Host), answered status and body. */
import * as http from 'node:http';

export function hostHeaderRequest(
  port: number,
  opts: { method: string; path: string; host: string; body?: string; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method, path: opts.path, headers: { host: opts.host, ...(opts.body ? { 'content-type': 'application/json' } : {}), ...opts.headers }, setHost: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    // A refused upgrade arrives as a normal response; an accepted one would be 'upgrade'.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, body: '' });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * A counting reverse proxy in front of DynamoDB: the handlers talk to it, it forwards every request unchanged and
 * counts them by operation (the `X-Amz-Target` header, e.g. `DynamoDB_20120810.TransactWriteItems` ->
 * `TransactWriteItems`). Used by tests and benchmarks to prove what a request costs.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  endpoint: string;
  port: number;
  counts: Record<string, number>;
  reset(): void;
  stop(): Promise<void>;
}

export async function startCountingProxy(target: string, port = 0): Promise<CountingProxy> {
  const to = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const counts: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? 'unknown').replace(/^.*\./, '');
    counts[op] = (counts[op] ?? 0) + 1;
    const upstream = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ __type: 'com.amazonaws#ProxyError', message: err.message }));
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    port: actual,
    counts,
    reset: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A programmable fault-injecting reverse proxy for the fault tests: put it between the handlers and an AWS
 * endpoint (DynamoDB via AWS_ENDPOINT_URL_DYNAMODB, the Management API via WS_MANAGEMENT_ENDPOINT) and it forwards
 * every request unchanged — unless a rule says to answer with an AWS-shaped error or to hold the request a while.
 * The stock SDK clients see exactly what they would see from AWS (a throttling error, a 5xx), so their own retry
 * and backoff run for real.
 *
 * Rules are matched in order against `{ op, method, path }`, where `op` is the DynamoDB operation from
 * `X-Amz-Target` (e.g. `TransactWriteItems`) or `PostToConnection` / `GetConnection` / `DeleteConnection` for the
 * Management API. A rule fires `times` times (default: for ever), optionally only after `after` matching
 * requests passed.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RequestInfo {
  op: string;
  method: string;
  path: string;
}

export type FaultAction =
  | { kind: 'throttle' } // DynamoDB ProvisionedThroughputExceededException (400; the SDK retries it with backoff)
  | { kind: 'status'; status: number; errorType: string } // any AWS JSON error, e.g. 500 InternalServerError
  | { kind: 'delay'; ms: number }; // forward after a pause

export interface FaultRule {
  match: (r: RequestInfo) => boolean;
  action: FaultAction;
  /** How many times it fires (default Infinity). */
  times?: number;
  /** Let this many matching requests through before firing. */
  after?: number;
  /** How many times it fired / how many matching requests it saw. */
  fired: number;
  seen: number;
}

export interface FaultProxy {
  url: string;
  /** Where requests go; may be set after the proxy started (e.g. once the stack knows its port). */
  target: string | undefined;
  /** Requests seen, by op. */
  counts: Record<string, number>;
  add(rule: Omit<FaultRule, 'fired' | 'seen'>): FaultRule;
  clear(): void;
  stop(): Promise<void>;
}

const DYNAMO_ERROR_NS = 'com.amazonaws.dynamodb.v20120810#';

function opOf(req: http.IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.replace(/^.*\./, '');
  if (/\/@connections\//.test(req.url ?? '')) {
    return req.method === 'POST' ? 'PostToConnection' : req.method === 'GET' ? 'GetConnection' : 'DeleteConnection';
  }
  return 'unknown';
}

function answer(res: http.ServerResponse, action: FaultAction, op: string): void {
  if (action.kind === 'throttle') {
    const body = JSON.stringify({ __type: `${DYNAMO_ERROR_NS}ProvisionedThroughputExceededException`, message: 'The level of configured provisioned throughput for the table was exceeded (injected)' });
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (action.kind === 'status') {
    const body = JSON.stringify(op === 'PostToConnection' ? { message: `${action.errorType} (injected)` } : { __type: `${DYNAMO_ERROR_NS}${action.errorType}`, message: 'injected' });
    res.writeHead(action.status, {
      'content-type': 'application/json',
      'x-amzn-errortype': action.errorType,
      'x-amzn-requestid': 'fault',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }
}

export async function startFaultProxy(target?: string): Promise<FaultProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const rules: FaultRule[] = [];
  const counts: Record<string, number> = {};
  const proxy: FaultProxy = {
    url: '',
    target,
    counts,
    add(rule) {
      const r: FaultRule = { ...rule, fired: 0, seen: 0 };
      rules.push(r);
      return r;
    },
    clear() {
      rules.length = 0;
    },
    stop: async () => undefined,
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    if (!proxy.target) {
      res.writeHead(502).end('no target');
      return;
    }
    const to = new URL(proxy.target);
    // The target may have a base path (the Management API endpoint is http://host/_aws/ws).
    const path = `${to.pathname.replace(/\/$/, '')}${req.url ?? '/'}`;
    // Host names the target (the stack answers only to its own host names: DNS-rebinding defence).
    const upstream = http.request({ host: to.hostname, port: to.port, method: req.method, path, headers: { ...req.headers, host: to.host }, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: err.message }));
    });
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const info: RequestInfo = { op: opOf(req), method: req.method ?? 'GET', path: req.url ?? '/' };
      counts[info.op] = (counts[info.op] ?? 0) + 1;
      const rule = rules.find((r) => {
        if (r.fired >= (r.times ?? Infinity) || !r.match(info)) return false;
        r.seen++;
        return r.seen > (r.after ?? 0);
      });
      if (!rule) return forward(req, res, body);
      rule.fired++;
      if (rule.action.kind === 'delay') {
        setTimeout(() => forward(req, res, body), rule.action.ms);
        return;
      }
      answer(res, rule.action, info.op);
    });
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}

/** Matchers. */
export const op =
  (...names: string[]) =>
  (r: RequestInfo) =>
    names.includes(r.op);
export const pushTo =
  (connectionId: string) =>
  (r: RequestInfo) =>
    r.op === 'PostToConnection' && decodeURIComponent(r.path).endsWith(`/@connections/${connectionId}`);

/**
 * The web client at `/`: files from `web/dist` (the Vite build), SPA fallback to index.html for other paths
 * without a file extension, and `GET /config.json` -> the WebConfig of lib/wiring.ts for this stack.
 * When `web/dist` is missing the stack can build it first (`npm run build:web`); without web sources a small
 * placeholder page says what to do.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import type { WebConfig } from '../lambdas/contract/web-config';
import { REPO_ROOT } from './functions';
import { send, sendJson } from './http-util';
import type { Log } from './log';

export const WEB_DIR = path.join(REPO_ROOT, 'web');
export const WEB_DIST = path.join(WEB_DIR, 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
};

export interface WebPreparation {
  /** The folder served, or undefined when the placeholder page is served. */
  distDir?: string;
  note?: string;
}

function hasBuildScript(): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    return typeof pkg.scripts?.['build:web'] === 'string';
  } catch {
    return false;
  }
}

function runBuild(log: Log): Promise<boolean> {
  return new Promise((resolve) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // Always the production build, whatever NODE_ENV this process has (jest sets "test", which gives Vue's dev build).
    const env = { ...process.env, NODE_ENV: 'production' };
    const child = spawn(npm, ['run', 'build:web'], { cwd: REPO_ROOT, env, stdio: log.level === 'silent' ? 'ignore' : 'inherit' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Find (or build) the web client. `build: false` only serves what is there. */
export async function prepareWeb(opts: { build: boolean; log: Log; distDir?: string }): Promise<WebPreparation> {
  const dist = opts.distDir ?? WEB_DIST;
  if (fs.existsSync(path.join(dist, 'index.html'))) return { distDir: dist };
  if (opts.distDir || !fs.existsSync(path.join(WEB_DIR, 'index.html'))) {
    return { note: 'the web client is not there yet (no web/index.html): serving a placeholder page at /' };
  }
  if (!opts.build) return { note: 'web/dist is missing (run "npm run build:web"): serving a placeholder page at /' };
  if (!hasBuildScript()) return { note: 'web/dist is missing and package.json has no "build:web" script: serving a placeholder page at /' };
  opts.log.info('web/dist is missing: building the web client first (npm run build:web) ...');
  if ((await runBuild(opts.log)) && fs.existsSync(path.join(dist, 'index.html'))) return { distDir: dist, note: 'built the web client into web/dist' };
  return { note: 'building the web client failed (see above): serving a placeholder page at /' };
}

export type AuthConfigFor = (origin: string) => WebConfig['auth'];

const devAuth: AuthConfigFor = (origin) => ({ mode: 'dev', tokenUrl: `${origin}/dev/token` });

/** The WebConfig for a browser that reached us at `host` (127.0.0.1 or localhost keep the origin it used). */
export function webConfig(hostHeader: string | undefined, port: number, auth: AuthConfigFor = devAuth): WebConfig {
  const hostname = (hostHeader ?? '').replace(/:\d+$/, '');
  const host = hostname === 'localhost' || hostname === '127.0.0.1' ? `${hostname}:${port}` : `127.0.0.1:${port}`;
  return {
    wsUrl: `ws://${host}/ws`,
    apiUrl: `http://${host}`,
    auth: auth(`http://${host}`),
  };
}

function placeholder(port: number): string {
  const base = `http://127.0.0.1:${port}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Parley (local)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem}code,pre{background:#f3f3f3;padding:.1rem .3rem;border-radius:4px}pre{padding:.8rem;overflow:auto}</style></head>
<body><h1>Parley local stack is running</h1>
<p>The web client isn't built yet (no <code>web/dist</code>). Build it with <code>npm run build:web</code> and reload,
or use the API directly:</p>
<pre>TOKEN=$(curl -s -X POST ${base}/dev/token -H 'content-type: application/json' \\
  -d '{"userId":"alice","name":"Alice"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')
curl -s ${base}/api/friends -H "authorization: Bearer $TOKEN"
npx wscat -c "ws://127.0.0.1:${port}/ws?token=$TOKEN"</pre>
<p>Endpoints: <code>/ws</code>, <code>/api/...</code>, <code>/_aws/ws/@connections/{id}</code>, <code>/_aws/events</code>,
<code>/dev/token</code>, <code>/config.json</code>. See docs/LOCAL.md.</p></body></html>`;
}

export interface StaticSite {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export function createStaticSite(opts: { distDir?: string; port: () => number; auth?: AuthConfigFor }): StaticSite {
  const root = opts.distDir ? path.resolve(opts.distDir) : undefined;

  const serveFile = (req: IncomingMessage, res: ServerResponse, file: string, size: number, cache: string) => {
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(size),
      'cache-control': cache,
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };

  const stat = (file: string) => fs.promises.stat(file).then((s) => (s.isFile() ? s : undefined), () => undefined);

  return {
    async handle(req, res, url) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (url.pathname === '/config.json') {
        sendJson(res, 200, webConfig(req.headers.host, opts.port(), opts.auth), { 'cache-control': 'no-store' });
        return true;
      }
      if (!root) {
        send(res, 200, placeholder(opts.port()), { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        return true;
      }
      let rel: string;
      try {
        rel = decodeURIComponent(url.pathname);
      } catch {
        send(res, 400, 'bad path', { 'content-type': 'text/plain' });
        return true;
      }
      const file = path.resolve(root, `.${path.posix.normalize(rel)}`);
      if (file !== root && !file.startsWith(root + path.sep)) {
        send(res, 404, 'not found', { 'content-type': 'text/plain' });
        return true;
      }
      const found = file !== root ? await stat(file) : undefined;
      if (found) {
        const hashed = rel.startsWith('/assets/');
        serveFile(req, res, file, found.size, hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
        return true;
      }
      // A missing file (it has an extension) is a 404; any other path is a client-side route.
      if (path.extname(rel)) {
        send(res, 404, 'not found', { 'content-type': 'text/plain' });
        return true;
      }
      const index = path.join(root, 'index.html');
      const indexStat = await stat(index);
      if (!indexStat) send(res, 404, 'web/dist/index.html is missing', { 'content-type': 'text/plain' });
      else serveFile(req, res, index, indexStat.size, 'no-cache');
      return true;
    },
  };
}

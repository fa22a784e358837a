/**
 * Hardening round 2, the local stack on a developer's machine (issue #10, 6 and 11): a foreign Host header (DNS
 * rebinding) gets nothing, and an oversized header gets an HTTP answer, as from a real gateway.
 */
import * as net from 'node:net';
import { hostHeaderRequest } from '../support/raw-http';
import { useStack } from './session';

const session = useStack();

describe('DNS rebinding: only the stack’s own host names are served', () => {
  it.each([
    ['POST', '/dev/token', '{"userId":"alice"}'],
    ['GET', '/api/friends', undefined],
    ['GET', '/_aws/events/dead-letters', undefined],
    ['GET', '/config.json', undefined],
    ['GET', '/', undefined],
  ])('%s %s with Host attacker.example: 403, nothing served', async (method, path, body) => {
    const res = await hostHeaderRequest(session.stack.port, { method, path, host: `attacker.example:${session.stack.port}`, body });
    expect(res.status).toBe(403);
    expect(res.body).not.toMatch(/token|items|deadLetters/i);
    expect(res.body).toMatch(/DNS rebinding/);
  });

  it('the WebSocket handshake with a foreign Host is refused with 403', async () => {
    const token = await session.stack.token('alice');
    const res = await hostHeaderRequest(session.stack.port, {
      method: 'GET',
      path: `/ws?token=${token}`,
      host: 'attacker.example',
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    expect(res.status).toBe(403);
  });

  it.each(['127.0.0.1', 'localhost', '[::1]'])('Host %s (with the port, or none) is served', async (name) => {
    for (const host of [`${name}:${session.stack.port}`, name]) {
      const res = await hostHeaderRequest(session.stack.port, { method: 'GET', path: '/config.json', host });
      expect({ host, status: res.status }).toEqual({ host, status: 200 });
    }
  });

  it('a loopback name with another port (another local service’s origin) is refused', async () => {
    expect((await hostHeaderRequest(session.stack.port, { method: 'GET', path: '/config.json', host: 'localhost:1' })).status).toBe(403);
  });
});

describe('oversized headers', () => {
  it('a 17 KB Authorization header is answered 431, not a reset connection; the server keeps serving', async () => {
    const res = await hostHeaderRequest(session.stack.port, {
      method: 'GET',
      path: '/api/friends',
      host: `127.0.0.1:${session.stack.port}`,
      headers: { authorization: `Bearer ${'x'.repeat(17 * 1024)}` },
    });
    expect(res.status).toBe(431);
    expect((await fetch(`${session.stack.url}/config.json`)).status).toBe(200);
  });

  it('a request line that is not HTTP gets 400', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(session.stack.port, '127.0.0.1', () => s.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      s.on('data', (c) => (text += c.toString()));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });
});


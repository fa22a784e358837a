/** The REST client: the contract's routes and query strings, the Bearer token, one renewal on 401, errors. */
import { ApiError, RestClient } from '../../web/src/api/rest';

type Reply = { status: number; body?: unknown };
function client(replies: Reply[], opts: { onUnauthorized?: () => Promise<void> } = {}) {
  const calls: { url: string; method: string; auth: string; body?: string }[] = [];
  let token = 't1';
  const f = (async (url: string, init: RequestInit) => {
    calls.push({ url, method: String(init.method), auth: (init.headers as Record<string, string>).authorization!, body: init.body as string | undefined });
    const r = replies.shift();
    if (!r) throw new TypeError('Failed to fetch');
    return { ok: r.status < 400, status: r.status, text: async () => (r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body)) };
  }) as unknown as typeof fetch;
  const rest = new RestClient({
    apiUrl: 'https://api.example.com/',
    token: async () => token,
    onUnauthorized: opts.onUnauthorized ?? (async () => void (token = 't2')),
    fetch: f,
  });
  return { rest, calls };
}

test('routes, query strings and the bearer token follow the contract', async () => {
  const ok = (body: unknown) => ({ status: 200, body });
  const { rest, calls } = client([ok({ items: [], hasMore: false }), ok({ items: [], hasMore: false }), ok({ items: [] }), ok({ chat: 0, system: 0, total: 0 }), ok({ items: [], hasMore: false }), ok({ updated: 2 }), ok({ updated: 1 }), { status: 204 }]);
  await rest.history('bob smith', { limit: 30, before: '01J2' });
  await rest.conversations({ limit: 50 });
  await rest.friends();
  await rest.unreadCount();
  await rest.systemList({ limit: 30, unreadOnly: false });
  expect(await rest.markSystemRead({ all: true })).toEqual({ updated: 2 });
  await rest.markConversationRead('bob');
  expect(await rest.deleteMessage('01J9')).toBeUndefined();
  expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
    'GET https://api.example.com/api/messages/bob%20smith?limit=30&before=01J2',
    'GET https://api.example.com/api/messages/conversations/list?limit=50',
    'GET https://api.example.com/api/friends',
    'GET https://api.example.com/api/messages/unread/count',
    'GET https://api.example.com/api/messages/system/list?limit=30',
    'POST https://api.example.com/api/messages/system/mark-read',
    'POST https://api.example.com/api/messages/bob/read',
    'DELETE https://api.example.com/api/messages/01J9',
  ]);
  expect(calls.every((c) => c.auth === 'Bearer t1')).toBe(true);
  expect(JSON.parse(calls[5]!.body!)).toEqual({ all: true });
});

test('a 401 renews the token once and retries with the new one', async () => {
  // API Gateway's JWT authorizer answers an expired token itself, with its own body (no contract error object).
  const { rest, calls } = client([{ status: 401, body: { message: 'Unauthorized' } }, { status: 200, body: { items: [] } }]);
  expect(await rest.friends()).toEqual({ items: [] });
  expect(calls.map((c) => c.auth)).toEqual(['Bearer t1', 'Bearer t2']);
});

test('a second 401 is an error, not a loop', async () => {
  const { rest, calls } = client([{ status: 401, body: { message: 'Unauthorized' } }, { status: 401, body: { message: 'Unauthorized' } }]);
  await expect(rest.friends()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' });
  expect(calls).toHaveLength(2);
});

test("errors carry the contract's code (API Gateway's own answers: by status); a network failure is NETWORK; a non-JSON error still has its status", async () => {
  const { rest } = client([
    { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such message' } } },
    { status: 429, body: { message: 'Too Many Requests' } },
    { status: 502, body: '<html>bad gateway</html>' },
  ]);
  const e = await rest.deleteMessage('x').catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ApiError);
  expect(e).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'no such message' });
  await expect(rest.friends()).rejects.toMatchObject({ status: 429, code: 'RATE_LIMITED', message: 'Too Many Requests' });
  await expect(rest.friends()).rejects.toMatchObject({ status: 502, code: 'INTERNAL' });
  await expect(rest.friends()).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
});

test('attachments: a ticket is POSTed as JSON; the status is read by id; 413 is TOO_LARGE', async () => {
  const ticket = { attachmentId: 'att_X', upload: { url: 'https://b/', fields: { key: 'k' } }, expiresAt: '2026-01-01T00:00:00Z' };
  const { rest, calls } = client([
    { status: 201, body: ticket },
    { status: 200, body: { attachmentId: 'att_X', status: 'pending' } },
    { status: 413, body: { error: { code: 'TOO_LARGE', message: 'too large' } } },
  ]);
  expect(await rest.createAttachment({ contentType: 'image/png', size: 12 })).toEqual(ticket);
  expect(await rest.getAttachment('att_X')).toEqual({ attachmentId: 'att_X', status: 'pending' });
  await expect(rest.createAttachment({ contentType: 'image/png', size: 11e6 })).rejects.toMatchObject({ status: 413, code: 'TOO_LARGE' });
  expect(calls.map((c) => `${c.method} ${c.url} ${c.body ?? ''}`)).toEqual([
    'POST https://api.example.com/api/attachments {"contentType":"image/png","size":12}',
    'GET https://api.example.com/api/attachments/att_X ',
    'POST https://api.example.com/api/attachments {"contentType":"image/png","size":11000000}',
  ]);
});

/** Plain helpers: runtime config validation, text (length, previews, ids, initials) and system-message views. */
import { loadConfig, parseConfig } from '../../web/src/lib/config';
import { describeSystem } from '../../web/src/lib/system';
import { charCount, initials, linkify, newClientMessageId, preview, shortName } from '../../web/src/lib/text';
import { system } from './fakes';

describe('config.json', () => {
  const dev = { wsUrl: 'ws://127.0.0.1:3000/ws', apiUrl: 'http://127.0.0.1:3000', auth: { mode: 'dev', tokenUrl: 'http://127.0.0.1:3000/dev/token' } };

  const cloud = { wsUrl: 'wss://abc.execute-api.eu-west-1.amazonaws.com/prod', apiUrl: 'https://xyz.execute-api.eu-west-1.amazonaws.com' };

  test('accepts the local stack config, a Cognito one (endpoints given) and an OIDC one (issuer kept exactly, trailing "/" included)', () => {
    expect(parseConfig(dev)).toEqual(dev);
    const cognito = {
      ...cloud,
      auth: {
        mode: 'oidc',
        issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC',
        clientId: 'cid',
        scopes: ['openid', 'email', 'profile'],
        redirectUri: 'https://d.cloudfront.net/',
        endpoints: { authorization: 'https://a.auth/oauth2/authorize', token: 'https://a.auth/oauth2/token', endSession: 'https://a.auth/logout' },
      },
    };
    expect(parseConfig(cognito)).toEqual(cognito);
    const auth0 = { ...cloud, auth: { mode: 'oidc', issuer: 'https://tenant.eu.auth0.com/', clientId: 'cid', scopes: ['openid', 'profile'], redirectUri: 'https://d.cloudfront.net/' } };
    expect(parseConfig(auth0)).toEqual(auth0);
  });

  test('an OIDC config without "openid" among its scopes gets it (no ID token otherwise); empty endpoints are dropped', () => {
    const raw = { ...cloud, auth: { mode: 'oidc', issuer: 'https://sso.example.com/realms/parley', clientId: 'cid', scopes: ['profile'], redirectUri: 'https://d/', endpoints: { token: '' } } };
    expect(parseConfig(raw).auth).toEqual({ mode: 'oidc', issuer: 'https://sso.example.com/realms/parley', clientId: 'cid', scopes: ['openid', 'profile'], redirectUri: 'https://d/' });
  });

  test.each([
    ['not an object', null, /JSON object/],
    ['no wsUrl', { ...dev, wsUrl: undefined }, /wsUrl/],
    ['http wsUrl', { ...dev, wsUrl: 'http://x' }, /wsUrl/],
    ['no apiUrl', { ...dev, apiUrl: '' }, /apiUrl/],
    ['unknown auth mode', { ...dev, auth: { mode: 'magic' } }, /auth.mode/],
    ['oidc without client id', { ...dev, auth: { mode: 'oidc', issuer: 'https://i/', redirectUri: 'https://r' } }, /clientId/],
    ['oidc without issuer (the old authorizeUrl/tokenUrl shape)', { ...dev, auth: { mode: 'oidc', authorizeUrl: 'https://a', tokenUrl: 'https://t', clientId: 'c', redirectUri: 'https://r' } }, /issuer/],
  ])('refuses %s with a message that says what is wrong', (_name, raw, msg) => {
    expect(() => parseConfig(raw)).toThrow(msg);
  });

  test('loadConfig fetches /config.json without caching and explains HTTP failures', async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const ok = (async (url: string, init?: RequestInit) => {
      calls.push([url, init]);
      return { ok: true, status: 200, json: async () => dev };
    }) as unknown as typeof fetch;
    expect(await loadConfig(ok)).toEqual(dev);
    expect(calls).toEqual([['/config.json', { cache: 'no-store' }]]);
    const missing = (async () => ({ ok: false, status: 404, json: async () => ({}) })) as unknown as typeof fetch;
    await expect(loadConfig(missing)).rejects.toThrow(/HTTP 404/);
  });
});

describe('text', () => {
  test('counts characters as the server does (code points)', () => {
    expect(charCount('héllo')).toBe(5);
    expect(charCount('👍🏽')).toBe(2);
    expect(charCount('😀😀')).toBe(2);
  });

  test('previews are one line and cut at the limit with an ellipsis', () => {
    expect(preview('a\n\n  b\tc')).toBe('a b c');
    expect(preview('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  test('clientMessageIds fit the contract (1–64 of [A-Za-z0-9_-]) and do not repeat', () => {
    const ids = new Set(Array.from({ length: 500 }, () => newClientMessageId()));
    expect(ids.size).toBe(500);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  test('initials', () => {
    expect(initials('Alice')).toBe('A');
    expect(initials('Mary Jane Watson')).toBe('MJ');
    expect(initials('  ')).toBe('?');
  });
});

test('shortName: short names whole; long ones by their first word, cut with an ellipsis (for one-line hints)', () => {
  expect(shortName('Ben')).toBe('Ben');
  expect(shortName('Maximilian Alexander Bartholomew')).toBe('Maximilian');
  expect(shortName('Bartholomew-Maximilian von Habsburg')).toBe('Bartholomew-Max…');
  expect(charCount(shortName('😀'.repeat(40)))).toBe(16); // code points, never half an emoji
});

describe('links in messages', () => {
  const join = (text: string) => linkify(text).map((p) => p.text).join('');

  test('http(s) URLs become links; the text around them stays text; nothing is lost or added', () => {
    const text = 'See https://example.com/a?b=1&c=<2> and http://x.org/path.';
    expect(linkify(text)).toEqual([
      { text: 'See ' },
      { text: 'https://example.com/a?b=1&c=', href: 'https://example.com/a?b=1&c=' },
      { text: '<2> and ' },
      { text: 'http://x.org/path', href: 'http://x.org/path' },
      { text: '.' },
    ]);
    expect(join(text)).toBe(text);
  });

  test('javascript:, data: and markup never become links', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', '<a href="javascript:alert(1)">x</a>', 'https://']) {
      expect(linkify(text).filter((p) => p.href)).toEqual([]);
      expect(join(text)).toBe(text);
    }
  });

  test('sentence punctuation after a link is not part of it; a bracket that belongs to it is', () => {
    expect(linkify('(see https://en.wikipedia.org/wiki/Foo_(bar))').filter((p) => p.href)[0]!.href).toBe('https://en.wikipedia.org/wiki/Foo_(bar)');
    expect(linkify('go to https://example.com!').filter((p) => p.href)[0]!.href).toBe('https://example.com');
  });
});

describe('system messages read as sentences, from metadata, as plain text', () => {
  test.each([
    ['SYSTEM_ACHIEVEMENT', { achievement: { id: 'a', name: 'First sale', description: 'Nice!' } }, 'Achievement unlocked: First sale', 'Nice!'],
    ['SYSTEM_FOLLOW', { follower: { id: 'bob', name: 'Bob' } }, 'Bob started following you', ''],
    ['SYSTEM_FRIEND', { friend: { id: 'bob', name: 'Bob' } }, 'You and Bob are now friends', 'Say hello!'],
    ['SYSTEM_TASK', { task: { id: 't', title: 'Upload a work' } }, 'Task: Upload a work', 'content'],
  ] as const)('%s', (type, metadata, title, body) => {
    const v = describeSystem(system('alice', type, 'content', metadata));
    expect([v.title, v.body]).toEqual([title, body]);
  });

  test('a purchase shows buyer, work and price', () => {
    const v = describeSystem(system('alice', 'SYSTEM_PURCHASE', 'sold', { buyer: { id: 'b', name: 'Bob' }, work: { id: 'w', title: 'Sunset' }, price: { amount: 12.5, currency: 'EUR' } }));
    expect(v.title).toBe('Bob bought “Sunset”');
    expect(v.badge).toMatch(/12[.,]50/);
  });

  test('missing or odd metadata falls back to the content', () => {
    expect(describeSystem(system('alice', 'SYSTEM_ACHIEVEMENT', 'You unlocked something', null)).body).toBe('You unlocked something');
    expect(describeSystem(system('alice', 'SYSTEM_TASK', 'Do it', { task: 'not an object' })).title).toBe('New task');
  });
});

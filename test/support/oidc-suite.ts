/**
 * The same questions asked of every shape of real issuer (test/support/oidc-provider.ts): does a token the provider
 * issues through its own sign-in open a WebSocket, call REST and chat — and are tokens of another issuer, another
 * audience or past their expiry refused by both authorizers (the WebSocket $connect authorizer: 403; the HTTP API's
 * JWT authorizer: 401 {"message":"Unauthorized"})? One stack per test file (the handlers read their issuer once).
 */
import { handshakeStatus, rawRest } from './attack-clients';
import { sendEvent, WsClient } from './clients';
import { startOidcProvider, type IssuerShape, type OidcProvider } from './oidc-provider';
import { startTestStack, type TestStack } from './stack';

export const CLIENT_ID = 'parley-web';

export interface OidcSuite {
  readonly stack: TestStack;
  readonly provider: OidcProvider;
  /** Sign `login` in through the provider's pages as the web client; the ID token. */
  idToken(login: string, clientId?: string): Promise<string>;
  /** Open a WebSocket with a token (closed after the test). */
  connect(login: string, token: string): Promise<WsClient>;
  /** What both gateways answer to a token: [handshake status, REST status, REST body]. */
  verdict(token: string): Promise<[number, number, unknown]>;
  friends(a: string, b: string): Promise<void>;
}

export function useOidcStack(shape: IssuerShape): OidcSuite {
  let stack: TestStack | undefined;
  let provider: OidcProvider | undefined;
  const open: WsClient[] = [];
  beforeAll(async () => {
    provider = await startOidcProvider(shape);
    stack = await startTestStack({ oidc: { issuer: provider.issuer, audience: [CLIENT_ID] } });
    await provider.configure({
      clients: [
        { client_id: CLIENT_ID, redirect_uris: [`${stack.url}/`] },
        // Another app of the same provider: its tokens carry aud "other-app".
        { client_id: 'other-app', redirect_uris: ['http://127.0.0.1:1/cb'] },
      ],
    });
  }, 60000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await stack?.stop();
    await provider?.stop();
  }, 60000);

  const suite: OidcSuite = {
    get stack() {
      if (!stack) throw new Error('not started');
      return stack;
    },
    get provider() {
      if (!provider) throw new Error('not started');
      return provider;
    },
    async idToken(login, clientId = CLIENT_ID) {
      const redirectUri = clientId === CLIENT_ID ? `${suite.stack.url}/` : 'http://127.0.0.1:1/cb';
      return (await suite.provider.signIn({ clientId, redirectUri, login })).id_token;
    },
    async connect(login, token) {
      const c = await WsClient.openWithToken(suite.stack, login, token);
      open.push(c);
      return c;
    },
    async verdict(token) {
      const ws = await handshakeStatus(suite.stack.wsUrl, token);
      const rest = await rawRest(suite.stack.url, 'GET', '/api/friends', `Bearer ${token}`);
      return [ws, rest.status, rest.body];
    },
    async friends(a, b) {
      await sendEvent(suite.stack, 'FriendshipCreated', { userIds: [a, b] });
      await suite.stack.drainEvents();
    },
  };
  return suite;
}

/** The tests every issuer shape must pass. */
export function issuerContract(suite: OidcSuite): void {
  const now = () => Math.floor(Date.now() / 1000);
  const REFUSED: [number, number, unknown] = [403, 401, { message: 'Unauthorized' }];

  it("a token from the provider's own sign-in opens a WebSocket and calls REST", async () => {
    const token = await suite.idToken('alice');
    const alice = await suite.connect('alice', token);
    alice.send({ action: 'ping' });
    await alice.next('pong');
    const res = await rawRest(suite.stack.url, 'GET', '/api/messages/unread/count', `Bearer ${token}`);
    expect(res).toEqual({ status: 200, body: { chat: 0, system: 0, total: 0 } });
  });

  it('two users signed in through the provider chat, live and in history, under their token names', async () => {
    const [aliceToken, bobToken] = await Promise.all([suite.idToken('alice'), suite.idToken('bob')]);
    await suite.friends('alice', 'bob');
    const [alice, bob] = await Promise.all([suite.connect('alice', aliceToken), suite.connect('bob', bobToken)]);
    alice.send({ action: 'sendMessage', to: 'bob', content: 'hello via a real IdP', clientMessageId: 'oidc-1' });
    const ack = await alice.next('ack');
    const pushed = await bob.next('message');
    expect(pushed.message).toEqual(ack.message);
    expect(ack.message).toMatchObject({ fromUserId: 'alice', toUserId: 'bob', content: 'hello via a real IdP' });
    const history = await rawRest(suite.stack.url, 'GET', '/api/messages/alice', `Bearer ${bobToken}`);
    expect((history.body as { items: { id: string }[] }).items.map((m) => m.id)).toContain(ack.message.id);
    const friends = await rawRest(suite.stack.url, 'GET', '/api/friends', `Bearer ${bobToken}`);
    expect((friends.body as { items: unknown[] }).items).toContainEqual(expect.objectContaining({ userId: 'alice', name: 'Alice' }));
  });

  it('refuses a token of another issuer (a second provider), signed by its own published keys', async () => {
    const other = await startOidcProvider('bare');
    try {
      await other.configure({ clients: [{ client_id: CLIENT_ID, redirect_uris: [`${suite.stack.url}/`] }] });
      const token = (await other.signIn({ clientId: CLIENT_ID, redirectUri: `${suite.stack.url}/`, login: 'alice' })).id_token;
      expect(await suite.verdict(token)).toEqual(REFUSED);
    } finally {
      await other.stop();
    }
  });

  it("refuses a token the provider issued to another app (aud is that app's client id)", async () => {
    expect(await suite.verdict(await suite.idToken('alice', 'other-app'))).toEqual(REFUSED);
  });

  it("refuses a token past its exp, signed with the provider's own key (control: the same token unexpired passes)", async () => {
    const claims = { iss: suite.provider.issuer, aud: CLIENT_ID, sub: 'alice', name: 'Alice' };
    expect(await suite.verdict(suite.provider.mint({ ...claims, iat: now() - 60, exp: now() + 600 }))).toEqual([101, 200, { items: expect.any(Array) }]);
    expect(await suite.verdict(suite.provider.mint({ ...claims, iat: now() - 7200, exp: now() - 60 }))).toEqual(REFUSED);
  });
}

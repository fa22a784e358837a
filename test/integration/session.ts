/**
 * One local stack per test file, with the moves most tests need: connect a user (closed after each test) and make
 * two users friends through the real event path.
 */
import { sendEvent, WsClient } from '../support/clients';
import { startTestStack, type TestStack, type TestStackOptions } from '../support/stack';

export interface Session {
  readonly stack: TestStack;
  connect(userId: string, opts?: { name?: string; origin?: string }): Promise<WsClient>;
  friends(a: string, b: string): Promise<void>;
}

/** `opts` may be a function, for options that need something started first (a proxy, a JWKS server). */
export function useStack(opts: TestStackOptions | (() => Promise<TestStackOptions>) = {}): Session {
  let stack: TestStack | undefined;
  const open: WsClient[] = [];
  beforeAll(async () => {
    stack = await startTestStack(typeof opts === 'function' ? await opts() : opts);
  });
  afterEach(async () => {
    while (open.length) await Promise.all(open.splice(0, 50).map((c) => c.close()));
  });
  afterAll(async () => {
    await stack?.stop();
  }, 60000);
  const session: Session = {
    get stack() {
      if (!stack) throw new Error('the stack is not started yet (use it inside a test)');
      return stack;
    },
    async connect(userId, o) {
      const c = await WsClient.open(session.stack, userId, o);
      open.push(c);
      return c;
    },
    async friends(a, b) {
      await sendEvent(session.stack, 'FriendshipCreated', { userIds: [a, b] });
      await session.stack.drainEvents();
    },
  };
  return session;
}

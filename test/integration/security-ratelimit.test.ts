/**
 * Rate limits hold across Lambda instances. Two copies of the sendMessage and typing handlers are loaded in separate
 * module registries. Each copy has its own module state, SDK clients and memory, as two Lambda containers would. Both
 * are pointed at the same local DynamoDB. A limiter kept in process memory would give each copy its own allowance;
 * a stored window gives the user one allowance in total, whichever instance serves each frame.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { partition, tableClient } from '../support/attack-clients';
import { sendEvent, uid } from '../support/clients';
import { startTestStack, type TestStack } from '../support/stack';
import { wsFrame } from '../fixtures/events';

const SEND_LIMIT = 4;
const TYPING_LIMIT = 2;
const WINDOW = 3600;
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ env: { RATE_LIMIT_SEND: `${SEND_LIMIT}/${WINDOW}`, RATE_LIMIT_TYPING: `${TYPING_LIMIT}/${WINDOW}` } });
});
afterAll(async () => {
  await stack?.stop();
});

type Handler = (event: ReturnType<typeof wsFrame>) => Promise<unknown>;
interface Instance {
  send: Handler;
  typing: Handler;
}

/** A fresh "container": the handler modules and everything they import, loaded again in their own registry. */
function lambdaInstance(): Instance {
  let instance: Instance | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    instance = { send: require('../../lambdas/ws/send-message').handler, typing: require('../../lambdas/ws/typing').handler };
  });
  return instance as Instance;
}

const bodyOf = (result: unknown) => {
  const body = (result as { body?: string }).body;
  return body === undefined ? undefined : JSON.parse(body);
};

/** Wait until at least `need` seconds remain in the current fixed window. */
async function awayFromWindowEdge(need = 15): Promise<void> {
  const left = WINDOW - (Math.floor(Date.now() / 1000) % WINDOW);
  if (left < need) await new Promise((r) => setTimeout(r, left * 1000 + 200));
}

it('two Lambda instances serving one user share ONE stored allowance for sendMessage and for typing', async () => {
  await awayFromWindowEdge();
  const [a, b] = [uid('a'), uid('b')];
  await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b] });
  await stack.drainEvents();
  // What a's $connect writes before any frame can arrive: its profile (which also holds its send rate state).
  await tableClient(stack.dynamoEndpoint).send(new PutCommand({ TableName: stack.tables.main, Item: { pk: `USER#${a}`, sk: 'PROFILE', name: a } }));
  const instances = [lambdaInstance(), lambdaInstance()];
  expect(instances[0].send).not.toBe(instances[1].send); // really two copies of the module

  const sends: string[] = [];
  for (let i = 0; i < SEND_LIMIT + 2; i++) {
    const reply = bodyOf(await instances[i % 2].send(wsFrame(a, `conn-${i % 2}`, { action: 'sendMessage', to: b, content: `n${i}`, clientMessageId: `x-${i}` })));
    sends.push(reply.type === 'ack' ? 'ack' : reply.code);
  }
  const typing: string[] = [];
  for (let i = 0; i < TYPING_LIMIT + 2; i++) {
    const reply = bodyOf(await instances[i % 2].typing(wsFrame(a, `conn-${i % 2}`, { action: 'typing', to: b }, 'typing')));
    typing.push(reply === undefined ? 'relayed' : reply.code);
  }

  expect(sends).toEqual([...Array(SEND_LIMIT).fill('ack'), 'RATE_LIMITED', 'RATE_LIMITED']);
  expect(typing).toEqual([...Array(TYPING_LIMIT).fill('relayed'), 'RATE_LIMITED', 'RATE_LIMITED']);
  const db = tableClient(stack.dynamoEndpoint);
  const stored = await partition(db, stack.tables.main, 'pk', a < b ? `CONV#${a}#${b}` : `CONV#${b}#${a}`);
  expect(stored).toHaveLength(SEND_LIMIT);
});

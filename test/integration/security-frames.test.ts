/**
 * Hardening round 2, input (issue #10, 3–5) through the real local stack: metadata nested deeper than the bound,
 * content that shows nothing, and a clientMessageId reused for another message. Each is a clear error on a
 * connection that stays open, and nothing new is stored.
 */
import { partition, tableClient, convPk } from '../support/attack-clients';
import { api, uid } from '../support/clients';
import { useStack } from './session';

const session = useStack();
const { connect, friends } = session;
const messagesBetween = async (a: string, b: string) => partition(tableClient(session.stack.dynamoEndpoint), session.stack.tables.main, 'pk', convPk(a, b));

async function pair() {
  const [a, b] = [uid('a'), uid('b')];
  await friends(a, b);
  return { a, b, wa: await connect(a) };
}

describe('metadata nested deeper than the bound', () => {
  it.each([
    ['17 levels', 17],
    ['5,000 levels (a stack overflow in JSON.stringify before)', 5000],
  ])('%s: TOO_LARGE with the clientMessageId, socket open, nothing stored', async (_name, depth) => {
    const { a, b, wa } = await pair();
    // As text: this client's own JSON.stringify can't nest 5,000 levels either.
    const metadata = '{"x":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
    wa.send(`{"action":"sendMessage","to":"${b}","content":"deep","clientMessageId":"deep-1","metadata":${metadata}}`);
    expect(await wa.next('error')).toEqual({ type: 'error', code: 'TOO_LARGE', message: expect.stringMatching(/nested at most 16 levels/), clientMessageId: 'deep-1' });
    expect(await messagesBetween(a, b)).toEqual([]);
    wa.send({ action: 'ping' });
    await wa.next('pong');
  });

  it('16 levels are accepted and round-trip', async () => {
    const { b, wa } = await pair();
    const metadata = JSON.parse('{"x":'.repeat(15) + '{"leaf":1}' + '}'.repeat(15));
    wa.send({ action: 'sendMessage', to: b, content: 'deep enough', clientMessageId: 'deep-ok', metadata });
    expect((await wa.next('ack')).message.metadata).toEqual(metadata);
  });
});

describe('content that shows nothing', () => {
  it.each([
    ['zero-width space, non-joiner, joiner', '\u200b\u200c\u200d'],
    ['Hangul filler U+3164', '\u3164\u3164'],
    ['blank Braille patterns U+2800', '\u2800\u2800\u2800'],
    ['word joiner, BOM, soft hyphen and spaces', ' \u2060\ufeff\u00ad '],
    ['Hangul choseong/jungseong fillers and half-width filler', '\u115f\u1160\uffa0'],
  ])('%s is empty: BAD_REQUEST, nothing stored', async (_name, content) => {
    const { a, b, wa } = await pair();
    wa.send({ action: 'sendMessage', to: b, content, clientMessageId: 'blank-1' });
    expect(await wa.next('error')).toMatchObject({ code: 'BAD_REQUEST', message: '"content" must not be empty', clientMessageId: 'blank-1' });
    expect(await messagesBetween(a, b)).toEqual([]);
  });

  it('visible text with invisible characters inside, and emoji with joiners and variation selectors, are kept byte-exact', async () => {
    const { b, wa } = await pair();
    for (const [i, content] of ['a\u200bb', '❤️', '👩‍👩‍👧', '\u200bhi\u200b'].entries()) {
      wa.send({ action: 'sendMessage', to: b, content, clientMessageId: `vis-${i}` });
      expect((await wa.next('ack', (f) => f.clientMessageId === `vis-${i}`)).message.content).toBe(content);
    }
  });
});

describe('a clientMessageId reused for another message', () => {
  it.each([
    ['another recipient', (m: Record<string, unknown>, c: string) => ({ ...m, to: c })],
    ['other content', (m: Record<string, unknown>) => ({ ...m, content: 'something else' })],
    ['other metadata', (m: Record<string, unknown>) => ({ ...m, metadata: { v: 2 } })],
  ])('with %s: BAD_REQUEST, the new message is not stored, the original stays the only one', async (_name, change) => {
    const { a, b, wa } = await pair();
    const c = uid('c');
    await friends(a, c);
    const first = { action: 'sendMessage', to: b, content: 'original', clientMessageId: 'reuse-1', metadata: { v: 1 } };
    wa.send(first);
    const original = (await wa.next('ack')).message;

    wa.send(change(first, c));
    expect(await wa.next('error')).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/already used for a different message/), clientMessageId: 'reuse-1' });
    expect((await messagesBetween(a, b)).map((m) => m.id)).toEqual([original.id]);
    expect(await messagesBetween(a, c)).toEqual([]);
    expect((await api(session.stack, b).get('/api/messages/unread/count')).body.chat).toBe(1);
  });

  it('the same message again (metadata keys in another order) still gets the original ack', async () => {
    const { b, wa } = await pair();
    wa.send({ action: 'sendMessage', to: b, content: 'once', clientMessageId: 'same-1', metadata: { a: 1, b: 2 } });
    const original = (await wa.next('ack')).message;
    wa.send({ action: 'sendMessage', to: b, content: '  once ', clientMessageId: 'same-1', metadata: { b: 2, a: 1 } });
    expect((await wa.next('ack')).message).toEqual(original);
  });
});

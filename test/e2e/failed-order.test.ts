/**
 * End to end (issue 12, 4): a message that failed stays where it was written. ann writes while her socket is down;
 * meanwhile the friendship ends, so when it goes out it fails (NOT_FRIENDS). Friends again, newer messages (ben's
 * and hers) appear BELOW the failed one, not above it; retrying it sends it as new, so it moves to the end.
 */
import { sendEvent, uid } from '../support/clients';
import type { TestStack } from '../support/stack';
import { attrOf, eventually, type ParleyUser, useBrowserStack } from './parley';

jest.setTimeout(120_000);

describe('a failed message among newer ones', () => {
  let stack: TestStack;
  const open: ParleyUser[] = [];

  const person = useBrowserStack(open, (s) => (stack = s));

  /** A chat window's bubbles, top to bottom: text and status (stored ones, sent or seen, as "ok"). */
  async function bubbles(user: ParleyUser, peer: string): Promise<string[]> {
    const all = await user.messages(peer).evaluateAll((els) =>
      els.map((el) => `${el.querySelector('[data-testid="message-text"]')?.textContent ?? ''}|${el.getAttribute('data-status')}`),
    );
    return all.map((x) => x.replace(/\|(sent|read)$/, '|ok'));
  }

  test('newer messages go below the failed one; retry moves it to the end once sent', async () => {
    const [a, b] = [uid('ann'), uid('ben')];
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } });
    await stack.drainEvents();
    const ann = await person(a);
    const ben = await person(b);
    await ann.openChat(b);
    await ann.send(b, 'first');
    await ben.openChat(a);
    await eventually(async () => expect(await ben.messageTexts(a)).toEqual(['first']));
    await eventually(async () => expect(await bubbles(ann, b)).toEqual(['first|ok'])); // acked before the socket drops

    // ann's socket drops; she writes; the friendship ends before her message can go out.
    ann.browserUser.allowErrors(/WebSocket connection to '.*' failed/);
    const outage = await stack.local.socketOutage({ userId: a });
    try {
      await eventually(async () => expect(await attrOf(ann.tid('connection-state'), 'data-state')).toMatch(/^(reconnecting|offline)$/));
      await ann.send(b, 'written while unfriended');
      await eventually(async () => expect(await bubbles(ann, b)).toEqual(['first|ok', 'written while unfriended|sending']));
      await sendEvent(stack, 'FriendshipRemoved', { userIds: [a, b] });
      await stack.drainEvents();
    } finally {
      outage.end();
    }
    await ann.waitConnected(25_000);
    await eventually(async () => expect(await bubbles(ann, b)).toEqual(['first|ok', 'written while unfriended|failed']), 15_000);
    await eventually(async () => expect(await ann.tid(`friend-${b}`).count()).toBe(0)); // the list was read again

    // Friends again: ben writes, then ann writes twice. All of it goes below the failed message.
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } });
    await stack.drainEvents();
    await eventually(async () => expect(await ben.tid(`chat-window-${a}`).getByTestId('composer').isEnabled()).toBe(true));
    await ben.send(a, 'ben is back');
    await eventually(async () => expect((await bubbles(ann, b)).at(-1)).toBe('ben is back|ok'));
    await eventually(async () => expect(await ann.tid(`chat-window-${b}`).getByTestId('composer').isEnabled()).toBe(true));
    await ann.send(b, 'after 1');
    await eventually(async () => expect((await bubbles(ann, b)).at(-1)).toBe('after 1|ok'));
    await ann.send(b, 'after 2');
    await eventually(async () =>
      expect(await bubbles(ann, b)).toEqual([
        'first|ok',
        'written while unfriended|failed',
        'ben is back|ok',
        'after 1|ok',
        'after 2|ok',
      ]),
    );
    await ann.screenshot('failed-message-stays-where-written');

    // Retry: written anew, it moves to the end and is stored now (ben gets it last).
    await ann.tid(`chat-window-${b}`).getByTestId('retry').click();
    await eventually(async () =>
      expect(await bubbles(ann, b)).toEqual([
        'first|ok',
        'ben is back|ok',
        'after 1|ok',
        'after 2|ok',
        'written while unfriended|ok',
      ]),
    );
    await eventually(async () => expect(await ben.messageTexts(a)).toEqual(['first', 'ben is back', 'after 1', 'after 2', 'written while unfriended']));
    await ann.screenshot('failed-message-retried-at-end');
  });
});

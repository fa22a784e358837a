/**
 * End to end (issue 12, 3): a friendship ending or starting shows at once, for both people. An open chat window
 * with someone who is no longer a friend keeps its history but becomes read-only with a sentence saying why; the
 * friends list and its online count follow; the notification centre's *Chat* button on the new-friend notice goes
 * and comes back with the friendship; befriended again, the same window is writable. Same harness as chat.test.ts.
 */
import { sendEvent, uid } from '../support/clients';
import type { TestStack } from '../support/stack';
import { axeViolations } from './axe-scope';
import { eventually, type ParleyUser, textsOf, useBrowserStack } from './parley';

jest.setTimeout(120_000);

describe('unfriending and befriending, live', () => {
  let stack: TestStack;
  const open: ParleyUser[] = [];

  const person = useBrowserStack(open, (s) => (stack = s));

  async function publish(type: 'FriendshipCreated' | 'FriendshipRemoved', a: string, b: string): Promise<void> {
    await sendEvent(stack, type, type === 'FriendshipCreated' ? { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } } : { userIds: [a, b] });
    await stack.drainEvents();
  }

  /** What a chat window offers for writing: the read-only sentence (or null) and whether composer is enabled. */
  async function writable(user: ParleyUser, peer: string): Promise<{ readOnly: string | null; composer: boolean }> {
    const win = user.tid(`chat-window-${peer}`);
    const note = win.getByTestId('read-only');
    return {
      readOnly: (await note.count()) ? ((await note.textContent()) ?? '').replace(/\s+/g, ' ').trim() : null,
      composer: await win.getByTestId('composer').isEnabled(),
    };
  }

  /** The friends card's "n online" count (its header text). */
  async function onlineCount(user: ParleyUser): Promise<number | null> {
    const m = /(\d+) online/.exec((await user.tid('friends-list').textContent()) ?? '');
    return m ? Number(m[1]) : null;
  }

  /** The new-friend notices in the notification centre, and how many offer a Chat button. */
  async function friendNotices(user: ParleyUser): Promise<{ notices: number; chatButtons: number }> {
    const items = user.page.locator('[data-testid="notification-item"][data-type="SYSTEM_FRIEND"]');
    return { notices: await items.count(), chatButtons: await items.getByTestId('notification-chat').count() };
  }

  test('an open chat turns read-only for both when the friendship ends, and writable again when it is made again', async () => {
    const [a, b] = [uid('ann'), uid('ben')];
    await publish('FriendshipCreated', a, b);
    const ann = await person(a);
    const ben = await person(b);
    await eventually(async () => expect(await onlineCount(ann)).toBe(1));

    await ann.openChat(b);
    await ann.send(b, 'hello before');
    await ben.openChat(a);
    await eventually(async () => expect(await ben.messageTexts(a)).toEqual(['hello before']));
    expect(await writable(ann, b)).toEqual({ readOnly: null, composer: true });

    // ann looks at her notification centre (the chat window stays docked over it): the new-friend notice offers Chat.
    await ann.tid('nav-notifications').click();
    await ann.tid('notification-centre').waitFor();
    await eventually(async () => expect(await friendNotices(ann)).toEqual({ notices: 1, chatButtons: 1 }));

    await publish('FriendshipRemoved', a, b);

    // Both windows: history still there, a sentence instead of a composer that works.
    await eventually(async () =>
      expect(await writable(ann, b)).toEqual({ readOnly: 'You are no longer friends with Ben. You can read your chat but not send.', composer: false }),
    );
    await eventually(async () =>
      // (ben knows ann by the name her own sign-in gave, here her id)
      expect(await writable(ben, a)).toEqual({ readOnly: `You are no longer friends with ${a}. You can read your chat but not send.`, composer: false }),
    );
    expect(await ann.messageTexts(b)).toEqual(['hello before']);
    expect(await ben.messageTexts(a)).toEqual(['hello before']);
    expect(await ben.tid(`chat-window-${a}`).getByTestId('send').isDisabled()).toBe(true);
    // The notice stays, its Chat button goes.
    await eventually(async () => expect(await friendNotices(ann)).toEqual({ notices: 1, chatButtons: 0 }));
    await ann.screenshot('unfriended-notification-centre');
    // ben's friends list: ann is gone and the header counts nobody online.
    await eventually(async () => expect(await ben.tid(`friend-${a}`).count()).toBe(0));
    await eventually(async () => expect(await onlineCount(ben)).toBe(0));
    await ben.screenshot('unfriended-read-only-window');
    // (the window's avatar colours are item 10's; checked here: what this item adds)
    expect(await axeViolations(ben, 'read-only')).toEqual([]);
    expect(await axeViolations(ann, 'notification-centre')).toEqual([]);

    // Friends again: a new notice; both notices offer Chat again (buttons follow the friends list), the window is writable.
    await publish('FriendshipCreated', a, b);
    await eventually(async () => expect(await friendNotices(ann)).toEqual({ notices: 2, chatButtons: 2 }));
    await eventually(async () => expect(await writable(ann, b)).toEqual({ readOnly: null, composer: true }));
    await eventually(async () => expect(await writable(ben, a)).toEqual({ readOnly: null, composer: true }));
    await eventually(async () => expect(await textsOf(ben.tid(`friend-${a}`))).toHaveLength(1));
    expect(await ben.tid(`chat-with-${a}`).isEnabled()).toBe(true);
    await eventually(async () => expect(await onlineCount(ben)).toBe(1));
    await ben.send(a, 'friends again');
    await eventually(async () => expect(await ann.messageTexts(b)).toEqual(['hello before', 'friends again']));
    await ben.screenshot('befriended-again-window');
  });
});

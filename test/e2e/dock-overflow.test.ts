/**
 * End to end (issue 12, 8): chats beyond the three the dock shows are not closed but wait in its overflow menu
 * ("+2"), with their unread counts; choosing one brings it into the dock and sends the least recently used shown
 * one to the overflow. Open and minimised chats come back after a reload (per tab, per user), in the same order,
 * minimised as they were — except a chat with someone who is no longer a friend. A half-written message waits with
 * its chat in the overflow.
 */
import type { Browser } from 'playwright-core';
import { sendEvent, uid, WsClient } from '../support/clients';
import type { TestStack } from '../support/stack';
import { axeViolations } from './axe-scope';
import { eventually, type ParleyUser, signIn, useBrowserStack } from './parley';

jest.setTimeout(120_000);

describe('the dock overflow and reload', () => {
  let stack: TestStack;
  let browser: Browser;
  const open: ParleyUser[] = [];

  useBrowserStack(open, (s, b) => ([stack, browser] = [s, b]));

  /** The dock's windows left to right: peer id, and whether it is minimised (no message list). */
  async function dock(user: ParleyUser): Promise<string[]> {
    return user.tid('chat-dock').evaluate((el) =>
      Array.from(el.querySelectorAll<HTMLElement>('[data-testid^="chat-window-"]')).map(
        (w) => `${w.getAttribute('data-testid')!.slice('chat-window-'.length)}${w.querySelector('[data-testid="messages"]') ? '' : ' (min)'}`,
      ),
    );
  }

  /** The overflow menu's chats, top to bottom, with their unread counts. */
  async function overflowMenu(user: ParleyUser): Promise<string[]> {
    if (!(await user.tid('dock-overflow-menu').count())) await user.tid('dock-overflow').click();
    return user.tid('dock-overflow-menu').evaluate((el) =>
      Array.from(el.querySelectorAll<HTMLElement>('[data-testid^="overflow-chat-"]')).map((b) => {
        const badge = b.querySelector('[data-testid^="overflow-unread-"]')?.textContent?.trim();
        return `${b.getAttribute('data-testid')!.slice('overflow-chat-'.length)}${badge ? ` ${badge}` : ''}`;
      }),
    );
  }

  test('five chats: three shown, two in the overflow with unread counts; pick one; a reload brings them back', async () => {
    const ann = uid('ann');
    const peers = [1, 2, 3, 4, 5].map((i) => uid(`f${i}`));
    for (const [i, p] of peers.entries()) await sendEvent(stack, 'FriendshipCreated', { userIds: [ann, p], names: { [ann]: 'Ann', [p]: `Friend ${i + 1}` } });
    await stack.drainEvents();
    const [f1, f2, f3, f4, f5] = peers as [string, string, string, string, string];
    const user = await signIn(browser, stack, ann);
    open.push(user);

    // A half-written message in f1's window: f1 goes to the overflow when the others open, and its draft must wait there.
    await user.openChat(f1);
    await user.tid(`chat-window-${f1}`).getByTestId('composer').fill('half a thought');
    for (const p of peers.slice(1)) await user.openChat(p);
    await user.tid(`minimize-${f4}`).click();
    await eventually(async () => expect(await dock(user)).toEqual([f3, `${f4} (min)`, f5]));
    expect((await user.tid('dock-overflow').textContent())?.replace(/\s+/g, ' ').trim()).toBe('+2 more chats'); // "+2" and, for screen readers, the rest

    // f1, hidden in the overflow, writes: counted there (not read, since ann can't see it).
    const friend1 = await WsClient.open(stack, f1, { name: 'Friend 1' });
    try {
      friend1.send({ action: 'sendMessage', to: ann, content: 'are you there?', clientMessageId: 'c-1' });
      await friend1.next('ack', (f) => f.clientMessageId === 'c-1');
    } finally {
      await friend1.close();
    }
    await eventually(async () => expect(await overflowMenu(user)).toEqual([f2, `${f1} 1`]));
    await user.screenshot('dock-overflow-menu');
    expect(await axeViolations(user, 'dock-overflow')).toEqual([]);
    expect(await axeViolations(user, 'dock-overflow-menu')).toEqual([]);

    // Let the count check that follows a push (stores/unread.ts, 0.8 s later) finish first: a markRead frame racing
    // that REST count can be overtaken by it and leave the badge at 1 (seen once on a busy machine; an unread-store
    // matter, not the dock's).
    await user.browserUser.networkQuiet(undefined, 1500);
    // Choosing f1 brings it in (at the dock's newest end) and sends the least recently used shown one (f3) out.
    await user.tid(`overflow-chat-${f1}`).click();
    await eventually(async () => expect(await dock(user)).toEqual([`${f4} (min)`, f5, f1]));
    await eventually(async () => expect(await user.messageTexts(f1)).toEqual(['are you there?']));
    expect(await user.tid(`chat-window-${f1}`).getByTestId('composer').inputValue()).toBe('half a thought');
    await eventually(async () => expect(await user.badge('chat-unread')).toBe(0));
    await eventually(async () => expect(await overflowMenu(user)).toEqual([f3, f2]));
    await user.screenshot('dock-overflow-chosen');

    // f2 is no longer a friend; then a reload: the same windows, minimised as they were, f2 left out.
    await sendEvent(stack, 'FriendshipRemoved', { userIds: [ann, f2] });
    await stack.drainEvents();
    await eventually(async () => expect(await user.tid(`friend-${f2}`).count()).toBe(0));
    await user.page.reload();
    await user.tid('chats-page').waitFor();
    await user.waitConnected();
    await eventually(async () => expect(await dock(user)).toEqual([`${f4} (min)`, f5, f1]));
    await eventually(async () => expect(await overflowMenu(user)).toEqual([f3]));
    await eventually(async () => expect(await user.messageTexts(f1)).toEqual(['are you there?']));
    await user.screenshot('dock-after-reload');
  });
});

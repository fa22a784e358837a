/**
 * End to end (issue 12, 5 and 10): the page stays usable beside the chat dock at every width, and a phone gets a
 * phone's chat (a Back arrow, labelled top-bar icons, message actions behind a long press). Same harness as
 * chat.test.ts; every screenshot also runs the axe-core check (parley.ts `checkA11y`).
 */
import type { Browser, Locator } from 'playwright-core';
import { sendEvent, uid } from '../support/clients';
import type { TestStack } from '../support/stack';
import type { UserOptions } from '../support/browser';
import { attrOf, eventually, type ParleyUser, signIn, useBrowserStack } from './parley';

jest.setTimeout(120_000);

const PHONE: UserOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/**
 * Scroll the element into view as the browser would for a user (Tab, find) and say what lies on top of its centre:
 * null when it is the element itself (or inside it) — nothing covers it — else a description of the cover.
 */
async function coverOf(el: Locator): Promise<string | null> {
  await el.scrollIntoViewIfNeeded();
  return el.evaluate((node) => {
    const r = node.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return `off screen at (${Math.round(x)}, ${Math.round(y)})`;
    const hit = document.elementFromPoint(x, y);
    if (hit && (hit === node || node.contains(hit))) return null;
    const by = hit?.closest('[data-testid]')?.getAttribute('data-testid') ?? hit?.className ?? 'nothing';
    return `covered at (${Math.round(x)}, ${Math.round(y)}) by ${hit?.tagName.toLowerCase()} in ${by}`;
  });
}

/** Every element the locator matches, each checked with coverOf: the list of those covered (empty: all usable). */
async function coveredAmong(all: Locator, name: (i: number) => string): Promise<string[]> {
  const out: string[] = [];
  const n = await all.count();
  for (let i = 0; i < n; i++) {
    const cover = await coverOf(all.nth(i));
    if (cover) out.push(`${name(i)}: ${cover}`);
  }
  return out;
}

describe('the page beside the chat dock, and on a phone', () => {
  let stack: TestStack;
  let browser: Browser;
  const open: ParleyUser[] = [];

  useBrowserStack(open, (s, b) => ([stack, browser] = [s, b]));

  /** Ann with four friends (so four new-friend notices) and four more notices; signed in with these options. */
  async function annWithFriends(opts: UserOptions): Promise<{ ann: ParleyUser; friends: string[] }> {
    const a = uid('ann');
    const friends = ['bea', 'cid', 'dan', 'eve'].map((n) => uid(n));
    for (const [i, f] of friends.entries()) {
      await sendEvent(stack, 'FriendshipCreated', { userIds: [a, f], names: { [a]: 'Ann', [f]: ['Bea', 'Cid', 'Dan', 'Eve'][i]! } });
    }
    await sendEvent(stack, 'AchievementUnlocked', { userId: a, achievement: { id: 'first-sale', name: 'First sale', description: 'You sold your first work.' } });
    await sendEvent(stack, 'UserFollowed', { userId: a, follower: { id: 'zoe', name: 'Zoe' } });
    await sendEvent(stack, 'UserFollowed', { userId: a, follower: { id: 'yan', name: 'Yan' } });
    await sendEvent(stack, 'WorkPurchased', { sellerId: a, buyer: { id: 'max', name: 'Max' }, work: { id: 'w-1', title: 'Blue Hour' }, price: { amount: 12.5, currency: 'EUR' } });
    await stack.drainEvents();
    const ann = await signIn(browser, stack, a, opts);
    open.push(ann);
    for (const f of friends) await ann.tid(`chat-with-${f}`).waitFor();
    return { ann, friends };
  }

  /** Open chats with the first three friends (on a phone each fills the screen: Back returns to the list). */
  async function openThree(ann: ParleyUser, friends: string[], phone: boolean): Promise<void> {
    for (const f of friends.slice(0, 3)) {
      await ann.openChat(f);
      if (phone) {
        await ann.tid(`back-${f}`).click();
        await eventually(async () => expect(await ann.tid(`chat-window-${f}`).getByTestId('composer').count()).toBe(0));
      }
    }
    expect(await ann.tid('chat-dock').getByTestId('composer').count()).toBe(phone ? 0 : 3);
  }

  for (const [label, opts] of [
    ['1366×800', { viewport: { width: 1366, height: 800 } }],
    ['1024×768', { viewport: { width: 1024, height: 768 } }],
    ['phone 390×844', PHONE],
  ] as [string, UserOptions][]) {
    test(`${label}, three chats open: every friend's Chat button and every notice's buttons can be scrolled to and clicked`, async () => {
      const phone = opts === PHONE;
      const { ann, friends } = await annWithFriends(opts);
      await openThree(ann, friends, phone);
      const slug = label.replace(/[^0-9a-z]+/gi, '-');

      // The chats page: each friend's Chat button comes out from under the dock.
      expect(await coveredAmong(ann.tid('friends-list').locator('[data-testid^="chat-with-"]'), (i) => `Chat button ${i + 1}`)).toEqual([]);
      await ann.screenshot(`dock-room-chats-${slug}`);
      // ... and works: the fourth friend's chat opens (closing the least recently used one on a desktop).
      await ann.tid(`chat-with-${friends[3]}`).click();
      await ann.tid(`chat-window-${friends[3]}`).waitFor();
      if (phone) await ann.tid(`back-${friends[3]}`).click();

      // The notification centre: the notices' buttons too, down to the last (oldest) one.
      await ann.tid('nav-notifications').click();
      await ann.tid('notification-centre').waitFor();
      await eventually(async () => expect(await ann.tid('notification-item').count()).toBe(8));
      const items = ann.tid('notification-item');
      const buttons = items.locator('[data-testid="mark-read"], [data-testid="delete-notification"], [data-testid="notification-chat"]');
      expect(await buttons.count()).toBeGreaterThanOrEqual(8 * 2 + 4);
      expect(await coveredAmong(buttons, (i) => `notice button ${i + 1}`)).toEqual([]);
      expect(await coverOf(ann.tid('mark-all-read'))).toBeNull();
      await ann.screenshot(`dock-room-notifications-${slug}`);
      // The oldest notice's Read button works.
      const last = items.last();
      await last.getByTestId('mark-read').click();
      await eventually(async () => expect(await attrOf(last, 'data-unread')).toBe('false'));
      // With the chats minimised to bars, the page still keeps clear of them.
      if (!phone) for (const f of friends.slice(1)) await ann.tid(`minimize-${f}`).click();
      await eventually(async () => expect(await ann.tid('chat-dock').getByTestId('composer').count()).toBe(0));
      expect(await coveredAmong(buttons, (i) => `notice button ${i + 1} (bars)`)).toEqual([]);
      await ann.screenshot(`dock-room-minimised-${slug}`);
    });
  }

  test('a message waiting to be sent is still readable (axe: contrast of the faded bubble)', async () => {
    const [a, b] = [uid('ann'), uid('ben')];
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } });
    await stack.drainEvents();
    const ann = await signIn(browser, stack, a);
    open.push(ann);
    await ann.openChat(b);
    ann.browserUser.allowErrors(/WebSocket connection to '.*' failed/);
    const outage = await stack.local.socketOutage({ userId: a });
    try {
      await eventually(async () => expect(await attrOf(ann.tid('connection-state'), 'data-state')).toMatch(/^(reconnecting|offline)$/));
      await ann.send(b, 'written while the connection is down');
      await eventually(async () => expect(await attrOf(ann.messages(b).last(), 'data-status')).toBe('sending'));
      await ann.screenshot('message-sending');
    } finally {
      outage.end();
    }
    await ann.waitConnected(20_000);
    await eventually(async () => expect(await attrOf(ann.messages(b).last(), 'data-status')).toMatch(/^(sent|read)$/), 15_000);
  });

  test('on a phone: Back returns to the list, the top bar says what its icons are, and message actions are a long press away', async () => {
    const [a, b] = [uid('ann'), uid('ben')];
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } });
    await stack.drainEvents();
    const ann = await signIn(browser, stack, a, PHONE);
    open.push(ann);

    // Labelled icons: each top-bar button shows its name in text (innerText counts only what is rendered).
    expect((await ann.tid('nav-chats').innerText()).trim()).toMatch(/^Chats/);
    expect((await ann.tid('nav-notifications').innerText()).trim()).toMatch(/^Notifications/);
    expect((await ann.tid('sign-out').innerText()).trim()).toBe('Sign out');

    const win = await ann.openChat(b);
    const back = ann.tid(`back-${b}`);
    expect(await back.getAttribute('aria-label')).toBe('Back');
    expect(await back.isVisible()).toBe(true);
    await ann.send(b, 'keep this one');
    await ann.send(b, 'oops, wrong chat');
    const msg = ann.messages(b).filter({ hasText: 'oops, wrong chat' });
    await eventually(async () => expect(await attrOf(msg, 'data-status')).toMatch(/^(sent|read)$/));

    // No bin beside each message: it is out of sight (kept for keyboards and screen readers).
    const bins = win.getByTestId('delete-message');
    expect(await bins.count()).toBe(2);
    for (const box of await bins.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width))) expect(box).toBeLessThanOrEqual(1);
    await ann.screenshot('phone-chat');

    // A long press on the bubble opens its actions; Delete asks to confirm, and the message goes.
    const bubble = msg.getByTestId('message-text');
    const r = (await bubble.boundingBox())!;
    await ann.page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
    await ann.page.mouse.down();
    await ann.page.waitForTimeout(700); // the press itself: held longer than the 500 ms a long press takes
    await ann.page.mouse.up();
    await msg.getByTestId('message-actions').waitFor();
    expect(await msg.getByTestId('copy-message').isVisible()).toBe(true);
    await ann.screenshot('phone-message-actions');
    await msg.getByTestId('action-delete').click();
    await msg.getByTestId('confirm-delete').click();
    await eventually(async () => expect(await ann.messageTexts(b)).toEqual(['keep this one']));
    // A short tap opens nothing.
    const kept = ann.messages(b).first();
    await kept.getByTestId('message-text').click();
    expect(await kept.getByTestId('message-actions').count()).toBe(0);

    // Back: the lists again, the chat a bar at the bottom; the friend's Chat button is not under it.
    await back.click();
    await eventually(async () => expect(await win.getByTestId('composer').count()).toBe(0));
    expect(await coverOf(ann.tid(`chat-with-${b}`))).toBeNull();
    expect(await coverOf(ann.tid(`conversation-${b}`))).toBeNull();
    await ann.screenshot('phone-back-to-list');
    // Opening it again by tapping its bar: full screen, with the conversation.
    await win.click();
    await win.getByTestId('composer').waitFor();
    expect(await ann.messageTexts(b)).toEqual(['keep this one']);
  });
});

/**
 * End to end (issue 12, 9): in a chat window, "Jump to first unread" when the *New messages* line is above what is
 * in view, and "Jump to latest" (with how many new messages came in below) when scrolled up away from the bottom —
 * also after older history was paged in by scrolling up and newer messages came in by the catch-up after a
 * reconnect (`after=`).
 */
import type { Browser } from 'playwright-core';
import { api, sendEvent, uid, WsClient } from '../support/clients';
import type { TestStack } from '../support/stack';
import { axeViolations } from './axe-scope';
import { attrOf, eventually, type ParleyUser, signIn, useBrowserStack } from './parley';

jest.setTimeout(150_000);

describe('jump to first unread / jump to latest', () => {
  let stack: TestStack;
  let browser: Browser;
  const open: ParleyUser[] = [];

  // 60+ messages are sent in a row below: lift the per-user send limit (30 per 10 s by default).
  useBrowserStack(open, (s, b) => ([stack, browser] = [s, b]), { env: { RATE_LIMIT_SEND: '1000/10' } });

  let sent = 0;
  async function sendAll(from: WsClient, to: string, texts: string[]): Promise<void> {
    for (const content of texts) {
      const clientMessageId = `j-${++sent}`;
      from.send({ action: 'sendMessage', to, content, clientMessageId });
      await from.next('ack', (f) => f.clientMessageId === clientMessageId);
    }
  }

  /** Where the message list is: scrolled to the bottom or not, and which jump buttons show (with the count). */
  async function state(user: ParleyUser, peer: string): Promise<{ atBottom: boolean; unread: boolean; latest: string | null }> {
    const win = user.tid(`chat-window-${peer}`);
    const atBottom = await win.getByTestId('messages').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 60);
    const latest = win.getByTestId('jump-latest');
    const count = win.getByTestId('jump-latest-count');
    return {
      atBottom,
      unread: (await win.getByTestId('jump-unread').count()) > 0,
      latest: (await latest.count()) ? ((await count.count()) ? `+${((await count.textContent()) ?? '').trim()}` : 'shown') : null,
    };
  }

  const scrollTo = (user: ParleyUser, peer: string, where: 'top' | 'bottom' | number) =>
    user.tid(`chat-window-${peer}`).getByTestId('messages').evaluate((el, w) => {
      el.scrollTop = w === 'top' ? 0 : w === 'bottom' ? el.scrollHeight : w;
    }, where);

  test('both buttons, after paging older history and after a catch-up', async () => {
    const [a, b] = [uid('ann'), uid('ben')];
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } });
    await stack.drainEvents();
    const ben = await WsClient.open(stack, b, { name: 'Ben' });
    try {
      const texts = Array.from({ length: 70 }, (_, i) => `#${i + 1}`);
      await sendAll(ben, a, texts.slice(0, 20));
      await api(stack, a).post(`/api/messages/${b}/read`);
      await sendAll(ben, a, texts.slice(20)); // 50 unread: more than fit

      const ann = await signIn(browser, stack, a);
      open.push(ann);
      await ann.openChat(b);
      // Opens at the line (#21): not at the bottom, so "Jump to latest" is offered; the line is in view.
      await eventually(async () => expect(await ann.newMessagesLine(b)).toEqual({ before: '#21', visible: true }), 15_000);
      await eventually(async () => expect(await state(ann, b)).toEqual({ atBottom: false, unread: false, latest: 'shown' }));

      // To the bottom: the line is above, out of view → "Jump to first unread"; no "Jump to latest".
      await scrollTo(ann, b, 'bottom');
      await eventually(async () => expect(await state(ann, b)).toEqual({ atBottom: true, unread: true, latest: null }));
      await ann.screenshot('jump-to-first-unread');
      await ann.tid(`chat-window-${b}`).getByTestId('jump-unread').click();
      await eventually(async () => expect(await ann.newMessagesLine(b)).toEqual({ before: '#21', visible: true }));
      await eventually(async () => expect(await state(ann, b)).toEqual({ atBottom: false, unread: false, latest: 'shown' }));

      // While ann reads up there, two more arrive below: counted on the button.
      await sendAll(ben, a, ['new 1', 'new 2']);
      await eventually(async () => expect(await state(ann, b)).toEqual({ atBottom: false, unread: false, latest: '+2' }));
      await ann.screenshot('jump-to-latest-with-count');
      expect(await axeViolations(ann, 'jump-latest')).toEqual([]);
      await ann.tid(`chat-window-${b}`).getByTestId('jump-latest').click();
      await eventually(async () => expect(await state(ann, b)).toEqual({ atBottom: true, unread: true, latest: null }));
      expect((await ann.messageTexts(b)).at(-1)).toBe('new 2');

      // Page older history in by scrolling to the top (until the beginning), then both buttons still work.
      await eventually(async () => {
        await scrollTo(ann, b, 'top');
        expect((await ann.messageTexts(b))[0]).toBe('#1');
      }, 20_000);
      await eventually(async () => expect(await state(ann, b)).toMatchObject({ atBottom: false, latest: 'shown' }));
      await ann.tid(`chat-window-${b}`).getByTestId('jump-latest').click();
      await eventually(async () => expect(await state(ann, b)).toEqual({ atBottom: true, unread: true, latest: null }));
      await ann.tid(`chat-window-${b}`).getByTestId('jump-unread').click();
      await eventually(async () => expect(await ann.newMessagesLine(b)).toEqual({ before: '#21', visible: true }));

      // Newer messages by the catch-up: ann's socket drops, ben writes three, ann reconnects (GET ?after=).
      ann.browserUser.allowErrors(/WebSocket connection to '.*' failed/);
      const outage = await stack.local.socketOutage({ userId: a });
      try {
        await eventually(async () => expect(await attrOf(ann.tid('connection-state'), 'data-state')).toMatch(/^(reconnecting|offline)$/));
        await sendAll(ben, a, ['while away 1', 'while away 2', 'while away 3']);
      } finally {
        outage.end();
      }
      await ann.waitConnected(25_000);
      await eventually(async () => expect((await ann.messageTexts(b)).at(-1)).toBe('while away 3'), 15_000);
      await eventually(async () => expect(await state(ann, b)).toEqual({ atBottom: false, unread: false, latest: '+3' }));
      await ann.tid(`chat-window-${b}`).getByTestId('jump-latest').click();
      await eventually(async () => expect(await state(ann, b)).toEqual({ atBottom: true, unread: true, latest: null }));
      await ann.screenshot('jump-after-catch-up');
    } finally {
      await ben.close();
    }
  });
});

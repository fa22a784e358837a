/**
 * End to end (issue 12, 7): while our own socket is down, friends' presence is unknown — shown as such, neither
 * "Online" nor "Offline" — and it is read again when the page reconnects. Same harness as chat.test.ts.
 */
import type { Browser } from 'playwright-core';
import { sendEvent, uid, WsClient } from '../support/clients';
import type { TestStack } from '../support/stack';
import { attrOf, eventually, type ParleyUser, signIn, textsOf, useBrowserStack } from './parley';

jest.setTimeout(90_000);

describe('presence while we are not connected', () => {
  let stack: TestStack;
  let browser: Browser;
  const open: ParleyUser[] = [];

  useBrowserStack(open, (s, b) => ([stack, browser] = [s, b]));

  /** What ann's page says about `peer`: in the friends list and in the chat window's header. */
  async function shown(user: ParleyUser, peer: string) {
    return {
      list: await attrOf(user.tid(`presence-${peer}`), 'data-presence'),
      listText: (await textsOf(user.tid(`presence-${peer}`)))[0]?.trim(),
      listOnline: await attrOf(user.tid(`presence-${peer}`), 'data-online'),
      window: await attrOf(user.tid(`chat-presence-${peer}`), 'data-presence'),
      windowText: (await textsOf(user.tid(`chat-presence-${peer}`)))[0]?.trim(),
    };
  }

  test('our socket path dies: the friend shows "Status unknown", and after reconnecting what is true now', async () => {
    const [a, b] = [uid('ann'), uid('ben')];
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } });
    await stack.drainEvents();
    const ben = await WsClient.open(stack, b, { name: 'Ben' });
    let benOpen = true;
    try {
      const ann = await signIn(browser, stack, a);
      open.push(ann);
      await ann.openChat(b);
      const online = { list: 'online', listText: 'Online', listOnline: 'true', window: 'online', windowText: 'Online' };
      await eventually(async () => expect(await shown(ann, b)).toMatchObject({ listText: 'Online', windowText: 'Online' }));
      expect(await shown(ann, b)).toEqual(online);

      ann.browserUser.allowErrors(/WebSocket connection to '.*' failed/);
      const outage = await stack.local.socketOutage({ userId: a });
      const unknown = { list: 'unknown', listText: 'Status unknown', listOnline: null, window: 'unknown', windowText: 'Status unknown' };
      try {
        await eventually(async () => expect(await attrOf(ann.tid('connection-state'), 'data-state')).toMatch(/^(reconnecting|offline)$/));
        await eventually(async () => expect(await shown(ann, b)).toEqual(unknown));
        await ann.screenshot('presence-unknown');
        // ben leaves while ann can't hear about it.
        await ben.close();
        benOpen = false;
      } finally {
        outage.end();
      }
      await ann.waitConnected(20_000);
      const offline = { list: 'offline', listText: 'Offline', listOnline: 'false', window: 'offline', windowText: 'Offline' };
      await eventually(async () => expect(await shown(ann, b)).toEqual(offline));

      // The device's network goes off: unknown at once; it comes back: connected again without waiting out a backoff.
      ann.browserUser.allowErrors(/Failed to load resource|ERR_INTERNET_DISCONNECTED/);
      await ann.browserUser.context.setOffline(true);
      await eventually(async () => expect(await attrOf(ann.tid('connection-state'), 'data-state')).toBe('offline'));
      await eventually(async () => expect(await shown(ann, b)).toEqual(unknown));
      await ann.browserUser.context.setOffline(false);
      await ann.waitConnected();
      await eventually(async () => expect(await shown(ann, b)).toEqual(offline));
    } finally {
      if (benOpen) await ben.close();
    }
  });
});

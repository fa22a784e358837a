/**
 * End to end: the built web client (web/dist) in a real headless Chromium against the real local stack. Each
 * person is their own browser context. One stack and one browser for the file; each test signs in its own users
 * (fresh ids, made friends by a FriendshipCreated event) except the first, which uses the seeded demo users
 * through the sign-in page's quick picks. Any page error or console error fails the test it happens in.
 *
 * Screenshots of the main views go to test-artifacts/ (gitignored). PARLEY_UPDATE_SCREENSHOT=1 also writes the
 * README's docs/screenshot.png (alice's chats page with an open chat window).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { api, sendEvent, uid, WsClient } from '../support/clients';
import { startTestStack, type TestStack, type TestStackOptions } from '../support/stack';
import { attrOf, closeUsers, eventually, type ParleyUser, rebuildWebIfStale, REPO_ROOT, signIn, textsOf } from './parley';

jest.setTimeout(60_000);

describe('Parley in Chromium, against the local stack', () => {
  let stack: TestStack;
  let stackOptions: TestStackOptions;
  let browser: Browser;
  const open: ParleyUser[] = [];

  beforeAll(async () => {
    // The stack builds web/dist when it is missing (a clean checkout) and serves it at /; PARLEY_E2E_WEB_DIST
    // points the suite at another build of the client.
    const webDist = process.env.PARLEY_E2E_WEB_DIST || undefined;
    if (!webDist) rebuildWebIfStale();
    stackOptions = { seed: true, buildWeb: true, webDist };
    [stack, browser] = await Promise.all([startTestStack(stackOptions), launchChromium()]);
    const index = await (await fetch(`${stack.url}/`)).text();
    if (!/<script[^>]+src="[^"]*assets\//.test(index)) {
      throw new Error(`the stack does not serve the built web client at / (${stack.local.notes.join('; ') || 'no note'})`);
    }
  }, 240_000);

  afterEach(() => closeUsers(open));

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function person(userId: string, opts: Parameters<typeof signIn>[3] = {}): Promise<ParleyUser> {
    const user = await signIn(browser, stack, userId, opts);
    open.push(user);
    return user;
  }

  /** Two fresh users who are friends (the FriendshipCreated event a publisher would send). */
  async function friends(a: string, b: string, names: Record<string, string> = {}): Promise<void> {
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names });
    await stack.drainEvents();
  }

  test('alice and bob, each in their own browser, chat both ways', async () => {
    // carol wrote to alice while she was away: her conversation list has more than one chat.
    const carol = await WsClient.open(stack, 'carol', { name: 'Carol' });
    carol.send({ action: 'sendMessage', to: 'alice', content: 'Are you coming to the gallery opening on Saturday?', clientMessageId: 'c-carol' });
    await carol.next('ack');
    await carol.close();

    const alice = await person('alice', { quickPick: true, screenshotSignIn: 'sign-in', deviceScaleFactor: 2 });
    await eventually(async () => expect(await alice.badge('chat-unread')).toBe(1));
    await eventually(async () => expect(await alice.badge('conversation-unread-carol')).toBe(1));
    expect(await textsOf(alice.tid('me'))).toEqual([expect.stringMatching(/alice/i)]);
    await eventually(async () => expect(await attrOf(alice.tid('presence-bob'), 'data-online')).toBe('false'));
    const bob = await person('bob', { quickPick: true });
    // bob's arrival lights his dot on alice's page.
    await eventually(async () => expect(await attrOf(alice.tid('presence-bob'), 'data-online')).toBe('true'));

    // alice -> bob
    await alice.openChat('bob');
    await alice.send('bob', 'Hi Bob! Are we still on for Friday?');
    await eventually(async () => expect(await attrOf(alice.messages('bob').last(), 'data-status')).toMatch(/^(sent|read)$/));
    // bob is told: his chats badge counts it, and the chat shows it once he opens it.
    await eventually(async () => expect(await bob.badge('chat-unread')).toBe(1));
    await bob.openChat('alice', 'conversations');
    await eventually(async () => expect(await bob.messageTexts('alice')).toEqual(['Hi Bob! Are we still on for Friday?']));
    expect(await attrOf(bob.messages('alice').first(), 'data-mine')).toBe('false');
    await eventually(async () => expect(await bob.badge('chat-unread')).toBe(0));

    // bob -> alice, into her open window
    await bob.send('alice', 'Yes! 7pm at the usual place.');
    await eventually(async () => expect(await alice.messageTexts('bob')).toEqual(['Hi Bob! Are we still on for Friday?', 'Yes! 7pm at the usual place.']));
    expect(await attrOf(alice.messages('bob').last(), 'data-mine')).toBe('false');
    // bob read alice's message: her view says so.
    await eventually(async () => expect(await attrOf(alice.messages('bob').first(), 'data-status')).toBe('read'));

    await alice.send('bob', 'Perfect, see you there.');
    await eventually(async () => expect((await bob.messageTexts('alice')).at(-1)).toBe('Perfect, see you there.'));
    await bob.send('alice', "I'll bring the board games.");
    await eventually(async () => expect(await alice.messageTexts('bob')).toHaveLength(4));
    expect(await alice.messageTexts('bob')).toEqual([
      'Hi Bob! Are we still on for Friday?',
      'Yes! 7pm at the usual place.',
      'Perfect, see you there.',
      "I'll bring the board games.",
    ]);
    // Both sides agree with the server's history.
    const history = await api(stack, 'alice').get('/api/messages/bob');
    expect(history.body.items.map((m: { content: string }) => m.content)).toEqual(await bob.messageTexts('alice'));

    // The conversation list shows the latest message.
    await eventually(async () => expect(await textsOf(alice.tid('conversation-bob').getByTestId('conversation-preview'))).toEqual([expect.stringContaining('board games')]));

    await alice.page.mouse.move(0, 0); // no hover effects in the picture
    const shot = await alice.screenshot('chats-alice-with-bob');
    await bob.screenshot('chats-bob-with-alice');
    if (process.env.PARLEY_UPDATE_SCREENSHOT === '1') {
      await alice.page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'screenshot.png') });
    }
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);

    // carol's message, which came while alice was away, is read once she opens that chat.
    await alice.openChat('carol', 'conversations');
    await eventually(async () => expect(await alice.messageTexts('carol')).toEqual(['Are you coming to the gallery opening on Saturday?']));
    await eventually(async () => expect(await alice.badge('chat-unread')).toBe(0));
    expect(await alice.badge('conversation-unread-carol')).toBe(0);
    await alice.tid('close-carol').click();

    // The same on a phone: the open chat fills the screen.
    await alice.page.setViewportSize({ width: 390, height: 844 });
    await alice.screenshot('chats-alice-phone');
    expect(await alice.messageTexts('bob')).toHaveLength(4);
    const box = await alice.tid('chat-window-bob').boundingBox();
    expect(box).toMatchObject({ x: 0, width: 390 });
    expect(box!.height).toBeGreaterThan(844 * 0.9);
    // Nothing (a long conversation preview, say) makes the page wider than the phone.
    expect(await alice.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  test("a friend's presence dot turns grey when they close their page", async () => {
    const [a, b] = [uid('ann'), uid('ben')];
    await friends(a, b, { [a]: 'Ann', [b]: 'Ben' });
    const ann = await person(a);
    await eventually(async () => expect(await attrOf(ann.tid(`presence-${b}`), 'data-online')).toBe('false'));
    const ben = await person(b);
    await eventually(async () => expect(await attrOf(ann.tid(`presence-${b}`), 'data-online')).toBe('true'));
    await ann.openChat(b);
    expect(await attrOf(ann.tid(`chat-presence-${b}`), 'data-online')).toBe('true');

    await ben.page.close();

    await eventually(async () => expect(await attrOf(ann.tid(`presence-${b}`), 'data-online')).toBe('false'));
    await eventually(async () => expect(await attrOf(ann.tid(`chat-presence-${b}`), 'data-online')).toBe('false'));
    // The picture shows the grey dot; the test asserts the contract's data-online, which the dot is drawn from.
    await ann.screenshot('presence-offline');
  });

  test("alice's badges count bob's messages while her chat window is closed, and clear when she opens it", async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await friends(a, b, { [a]: 'Alice', [b]: 'Bob' });
    const alice = await person(a);
    const bob = await WsClient.open(stack, b);
    try {
      // A window that was open and is closed again counts too.
      await alice.openChat(b);
      await alice.tid(`close-${b}`).click();
      await eventually(async () => expect(await alice.tid(`chat-window-${b}`).count()).toBe(0));
      expect(await alice.badge('chat-unread')).toBe(0);

      for (const [i, content] of ['one', 'two', 'three'].entries()) {
        bob.send({ action: 'sendMessage', to: a, content, clientMessageId: `c-${i}` });
        await bob.next('ack', (f) => f.clientMessageId === `c-${i}`);
      }

      await eventually(async () => expect(await alice.badge('chat-unread')).toBe(3));
      await eventually(async () => expect(await alice.badge(`friend-unread-${b}`)).toBe(3));
      await eventually(async () => expect(await alice.badge(`conversation-unread-${b}`)).toBe(3));
      await alice.screenshot('chats-unread-badges');

      await alice.openChat(b, 'conversations');
      await eventually(async () => expect(await alice.messageTexts(b)).toEqual(['one', 'two', 'three']));
      await eventually(async () => expect(await alice.badge('chat-unread')).toBe(0));
      expect(await alice.badge(`friend-unread-${b}`)).toBe(0);
      expect(await alice.badge(`conversation-unread-${b}`)).toBe(0);
      // Read for real: the server agrees, and bob got the read receipt.
      await eventually(async () => expect((await api(stack, a).get('/api/messages/unread/count')).body.chat).toBe(0));
      await bob.next('read', (f) => f.by === a);

      // After a reload (everything from the server again) the badges stay cleared.
      await alice.page.reload();
      await alice.tid('chats-page').waitFor();
      await alice.waitConnected();
      await alice.browserUser.networkQuiet();
      await alice.tid(`conversation-${b}`).waitFor();
      expect(await alice.badge(`conversation-unread-${b}`)).toBe(0);
      await alice.tid(`friend-${b}`).waitFor();
      expect(await alice.badge(`friend-unread-${b}`)).toBe(0);
      expect(await alice.badge('chat-unread')).toBe(0);
    } finally {
      await bob.close();
    }
  });

  test('an AchievementUnlocked event appears in the bell and in the notification centre', async () => {
    const a = uid('alice');
    const alice = await person(a);
    expect(await alice.badge('system-unread')).toBe(0);

    await sendEvent(stack, 'AchievementUnlocked', {
      userId: a,
      achievement: { id: 'first-sale', name: 'First sale', description: 'You sold your first work. Nice!' },
    });

    await eventually(async () => expect(await alice.badge('system-unread')).toBe(1));
    // A toast says so too (it goes by itself after a few seconds).
    await alice.tid('toast').filter({ hasText: 'First sale' }).waitFor();
    await alice.screenshot('notification-toast');

    await alice.tid('nav-notifications').click();
    await alice.tid('notification-centre').waitFor();
    const item = alice.tid('notification-item');
    await eventually(async () => expect(await item.count()).toBe(1));
    expect(await textsOf(item.getByTestId('notification-title'))).toEqual([expect.stringContaining('First sale')]);
    expect(await textsOf(item.getByTestId('notification-body'))).toEqual(['You sold your first work. Nice!']);
    expect(await attrOf(item, 'data-unread')).toBe('true');
    await alice.screenshot('notification-centre');

    await item.getByTestId('mark-read').click();
    await eventually(async () => expect(await attrOf(item, 'data-unread')).toBe('false'));
    await eventually(async () => expect(await alice.badge('system-unread')).toBe(0));
    // The server agrees (the badge may clear before the request is done).
    await eventually(async () => expect((await api(stack, a).get('/api/messages/unread/count')).body.system).toBe(0));

    // More arrive while she is on the page: listed newest first, and "mark all read" clears them.
    await sendEvent(stack, 'UserFollowed', { userId: a, follower: { id: 'zoe', name: 'Zoe' } });
    await eventually(async () => expect(await alice.tid('notification-item').count()).toBe(2));
    await sendEvent(stack, 'WorkPurchased', {
      sellerId: a,
      buyer: { id: 'max', name: 'Max' },
      work: { id: 'w-1', title: 'Blue Hour' },
      price: { amount: 12.5, currency: 'EUR' },
    });
    await eventually(async () => expect(await alice.tid('notification-item').count()).toBe(3));
    await eventually(async () => expect(await alice.badge('system-unread')).toBe(2));
    const titles = await textsOf(alice.tid('notification-title'));
    expect(titles[0]).toContain('Blue Hour');
    expect(titles[1]).toContain('Zoe');
    expect(titles[2]).toContain('First sale');
    // Their toasts sit over the page's top right; she clicks them away (each leads here) first. One may go by
    // itself meanwhile, so a click that finds nothing is fine.
    for (let n = await alice.tid('toast').count(); n > 0; n = await alice.tid('toast').count()) {
      await alice.tid('toast').first().click({ timeout: 2000 }).catch(() => undefined);
      await eventually(async () => expect(await alice.tid('toast').count()).toBeLessThan(n));
    }
    await alice.tid('mark-all-read').click();
    await eventually(async () => expect(await alice.badge('system-unread')).toBe(0));
    await eventually(async () =>
      expect(await alice.tid('notification-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-unread')))).toEqual(['false', 'false', 'false']),
    );
    // The server agrees (the badge may clear before the request is done).
    await eventually(async () => expect((await api(stack, a).get('/api/messages/unread/count')).body.system).toBe(0));
  });

  test('a deleted message disappears on both sides', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await friends(a, b, { [a]: 'Alice', [b]: 'Bob' });
    const alice = await person(a);
    const bob = await person(b);
    await alice.openChat(b);
    await bob.openChat(a);
    await alice.send(b, 'keep this');
    await alice.send(b, 'oops, wrong chat');
    await eventually(async () => expect(await bob.messageTexts(a)).toEqual(['keep this', 'oops, wrong chat']));
    // Only her own messages offer delete.
    expect(await bob.messages(a).getByTestId('delete-message').count()).toBe(0);

    const mine = alice.messages(b).filter({ hasText: 'oops, wrong chat' });
    await eventually(async () => expect(await attrOf(mine, 'data-status')).toMatch(/^(sent|read)$/));
    await mine.hover();
    await mine.getByTestId('delete-message').click();
    await mine.getByTestId('confirm-delete').click();

    await eventually(async () => expect(await alice.messageTexts(b)).toEqual(['keep this']));
    await eventually(async () => expect(await bob.messageTexts(a)).toEqual(['keep this']));
    const history = await api(stack, b).get(`/api/messages/${a}`);
    expect(history.body.items.map((m: { content: string }) => m.content)).toEqual(['keep this']);
  });

  test('signing out goes back to the sign-in page, and friends see them go offline', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await friends(a, b, { [a]: 'Alice', [b]: 'Bob' });
    const alice = await person(a);
    await eventually(async () => expect(await attrOf(alice.tid(`presence-${b}`), 'data-online')).toBe('false'));
    const bob = await person(b);
    await eventually(async () => expect(await attrOf(alice.tid(`presence-${b}`), 'data-online')).toBe('true'));

    await bob.tid('sign-out').click();

    await bob.tid('signin').waitFor();
    expect(await bob.tid('chats-page').count()).toBe(0);
    await eventually(async () => expect(await attrOf(alice.tid(`presence-${b}`), 'data-online')).toBe('false'));
    // Signed out for real: a reload stays on the sign-in page.
    await bob.page.reload();
    await bob.tid('signin').waitFor();
    expect(await bob.tid('chats-page').count()).toBe(0);
  });

  test('a message with markup shows literally and runs nothing', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await friends(a, b, { [a]: 'Alice', [b]: 'Bob' });
    const alice = await person(a);
    const bob = await person(b);
    const markup = '<img src=x onerror=alert(1)>';
    await alice.openChat(b);
    await bob.openChat(a);

    await bob.send(a, markup);

    await eventually(async () => expect(await alice.messageTexts(b)).toEqual([markup]));
    await eventually(async () => expect(await bob.messageTexts(a)).toEqual([markup]));
    for (const [user, peer] of [
      [alice, b],
      [bob, a],
    ] as const) {
      // Text, not an element: nothing inside the chat window is an <img> from the message, and no dialog opened
      // (a dialog is recorded as an error by the harness and fails the test in afterEach).
      expect(await user.tid(`chat-window-${peer}`).getByTestId('message-text').locator('img').count()).toBe(0);
      expect(await user.page.evaluate(() => document.querySelectorAll('img[src="x"]').length)).toBe(0);
    }
    await eventually(async () => expect(await textsOf(alice.tid(`conversation-${b}`).getByTestId('conversation-preview'))).toEqual([expect.stringContaining(markup)]));
  });

  test('killing and restarting the socket path: the page reconnects and catches up, showing each message once', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await friends(a, b, { [a]: 'Alice', [b]: 'Bob' });
    const alice = await person(a);
    const bob = await WsClient.open(stack, b);
    try {
      await alice.openChat(b);
      bob.send({ action: 'sendMessage', to: a, content: 'before', clientMessageId: 'c-before' });
      await eventually(async () => expect(await alice.messageTexts(b)).toEqual(['before']));

      // alice's socket path dies: her connection drops (1006) and her handshakes are refused while bob keeps chatting.
      alice.browserUser.allowErrors(/WebSocket connection to '.*' failed/);
      const outage = await stack.local.socketOutage({ userId: a });
      let ended = false;
      try {
        await eventually(async () => expect(await attrOf(alice.tid('connection-state'), 'data-state')).toMatch(/^(reconnecting|offline)$/));
        for (const n of [1, 2, 3]) {
          bob.send({ action: 'sendMessage', to: a, content: `missed ${n}`, clientMessageId: `c-missed-${n}` });
          await bob.next('ack', (f) => f.clientMessageId === `c-missed-${n}`);
        }
        // Nothing can reach her now (no connection of hers exists).
        expect(await alice.messageTexts(b)).toEqual(['before']);
        await alice.screenshot('reconnecting');
        outage.end();
        ended = true;
      } finally {
        if (!ended) outage.end();
      }

      await alice.waitConnected(20_000);
      await eventually(async () => expect(await alice.messageTexts(b)).toEqual(['before', 'missed 1', 'missed 2', 'missed 3']), 45_000);
      // Live again: a new message arrives after the caught-up ones, and nothing is shown twice.
      bob.send({ action: 'sendMessage', to: a, content: 'after', clientMessageId: 'c-after' });
      await eventually(async () => expect((await alice.messageTexts(b)).at(-1)).toBe('after'));
      expect(await alice.messageTexts(b)).toEqual(['before', 'missed 1', 'missed 2', 'missed 3', 'after']);
      const ids = await alice.messages(b).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
      expect(new Set(ids).size).toBe(5);
    } finally {
      await bob.close();
    }
  });

  // Last: it restarts the stack.
  test('the whole local stack restarting: the page comes back on its own, with its history and live chat', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await friends(a, b, { [a]: 'Alice', [b]: 'Bob' });
    const alice = await person(a);
    await alice.openChat(b);
    await alice.send(b, 'see you after the restart');
    await eventually(async () => expect(await attrOf(alice.messages(b).last(), 'data-status')).toBe('sent'));

    // While the server is down the browser logs its failed reconnects and requests.
    alice.browserUser.allowErrors(/WebSocket connection to '.*' failed|Failed to load resource|ERR_CONNECTION_REFUSED/);
    await stack.stop();
    await eventually(async () => expect(await attrOf(alice.tid('connection-state'), 'data-state')).toMatch(/^(reconnecting|offline)$/));
    stack = await startTestStack(stackOptions); // same port, same tables

    await alice.waitConnected(30_000);
    const bob = await WsClient.open(stack, b, { name: 'Bob' });
    try {
      bob.send({ action: 'sendMessage', to: a, content: 'back again', clientMessageId: 'c-back' });
      await eventually(async () => expect(await alice.messageTexts(b)).toEqual(['see you after the restart', 'back again']));
    } finally {
      await bob.close();
    }
  });
});

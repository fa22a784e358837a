/**
 * End to end (issue 12, 13): a browser whose language is Chinese gets the app in Chinese — the sign-in page, the
 * top bar, the friends list, the composer, a system notification worded from its metadata with the price
 * formatted by Intl for zh-CN — under the CloudFront Content-Security-Policy (no 'unsafe-eval': vue-i18n's JIT
 * message compiler must not need it). The switch to English is remembered across a reload.
 */
import type { Browser } from 'playwright-core';
import { newBrowserUser } from '../support/browser';
import { sendEvent, uid } from '../support/clients';
import type { TestStack } from '../support/stack';
import { localProductionCsp, serveWithCsp } from './csp';
import { attrOf, eventually, ParleyUser, textsOf, useBrowserStack } from './parley';

jest.setTimeout(90_000);

describe('Chinese and English', () => {
  let stack: TestStack;
  let browser: Browser;
  const open: ParleyUser[] = [];

  useBrowserStack(open, (s, b) => ([stack, browser] = [s, b]));

  const csp = () => localProductionCsp(stack.url);

  test('a zh-CN browser signs in and sees Chinese; switching to English is remembered across a reload', async () => {
    const [me, friend] = [uid('li'), uid('bob')];
    await sendEvent(stack, 'FriendshipCreated', { userIds: [me, friend], names: { [me]: 'Li Lei', [friend]: 'Bob' } });
    await stack.drainEvents();

    const user = new ParleyUser(await newBrowserUser(browser, me, { locale: 'zh-CN' }), me);
    open.push(user);
    const page = user.page;
    page.setDefaultTimeout(15_000);
    // The page as CloudFront serves it: with the Content-Security-Policy header. Violations are collected.
    const violations = await serveWithCsp(page, csp());

    const served = await page.goto(`${stack.url}/#/`);
    expect(served?.headers()['content-security-policy']).toBe(csp());
    await user.tid('signin').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await textsOf(user.tid('signin-submit'))).toEqual([expect.stringContaining('登录')]);
    await user.tid('signin-name').fill(me);
    await user.tid('signin-submit').click();
    await user.tid('chats-page').waitFor();
    await user.waitConnected();
    await user.browserUser.networkQuiet();

    // Top bar, friends list, composer.
    expect((await textsOf(user.tid('connection-state')))[0]).toContain('已连接');
    expect(await attrOf(user.tid('nav-chats'), 'aria-label')).toBe('聊天，0 条未读');
    expect(await attrOf(user.tid('sign-out'), 'aria-label')).toBe('退出登录');
    expect(await page.locator('#friends-h').textContent()).toBe('好友');
    expect(await page.locator('#conv-h').textContent()).toBe('会话');
    expect(await attrOf(user.tid(`chat-with-${friend}`), 'aria-label')).toBe('与Bob聊天');
    await user.openChat(friend);
    expect(await attrOf(user.tid(`chat-window-${friend}`).getByTestId('composer'), 'placeholder')).toBe('发消息给Bob');

    // The emoji picker speaks Chinese too: its labels, and its data (Chinese names, so a Chinese search finds emoji)
    // from this origin, under the same CSP.
    const emojiData: string[] = [];
    page.on('request', (r) => {
      if (/\.json(\?|$)/.test(r.url())) emojiData.push(r.url());
    });
    const win = user.tid(`chat-window-${friend}`);
    await win.getByTestId('emoji-button').click();
    const picker = win.getByTestId('emoji-picker');
    await picker.waitFor();
    const emoji = picker.locator('.tabpanel button.emoji');
    await eventually(async () => expect(await emoji.count()).toBeGreaterThan(10));
    expect(await attrOf(picker.locator('input.search'), 'placeholder')).toBe('搜索');
    await picker.locator('input.search').fill('猫');
    await eventually(async () => expect((await emoji.evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label') ?? ''))).some((l) => l.includes('猫'))).toBe(true));
    expect(emojiData.length).toBeGreaterThan(0);
    // (Which data file it is, the Chinese search above tells: the English names have no 猫.)
    expect(emojiData.every((u) => u.startsWith(`${stack.url}/`))).toBe(true);
    await emoji.first().click();
    await eventually(async () => expect((await win.getByTestId('composer').inputValue()).length).toBeGreaterThan(0));
    await page.keyboard.press('Escape');
    await eventually(async () => expect(await picker.count()).toBe(0));
    await win.getByTestId('composer').fill('');

    // The friendship's own notification first (it may land just after sign-in), so the count below is exact.
    await eventually(async () => expect(await user.badge('system-unread')).toBe(1));
    await eventually(async () => expect(await page.title()).toBe('(1) Parley'));

    // A sale: worded in Chinese from its metadata, the price by Intl for zh-CN; the tab title counts it.
    await sendEvent(stack, 'WorkPurchased', {
      sellerId: me,
      buyer: { id: 'max', name: 'Max' },
      work: { id: 'w-1', title: '蓝色时刻' },
      price: { amount: 1280, currency: 'CNY' },
    });
    await eventually(async () => expect(await user.badge('system-unread')).toBe(2));
    await eventually(async () => expect(await page.title()).toBe('(2) Parley'));
    await user.tid('toast').filter({ hasText: 'Max购买了《蓝色时刻》' }).waitFor();
    await user.tid('nav-notifications').click();
    await user.tid('notification-centre').waitFor();
    // (The friendship has its own notification too; this is about the sale.)
    const item = page.locator('[data-testid="notification-item"][data-type="SYSTEM_PURCHASE"]');
    await eventually(async () => expect(await item.count()).toBe(1));
    expect(await textsOf(item.getByTestId('notification-title'))).toEqual(['Max购买了《蓝色时刻》']);
    expect(await textsOf(item.getByTestId('notification-body'))).toEqual(['你的作品又卖出了一份。']);
    expect(await textsOf(item.getByTestId('notification-badge'))).toEqual(['¥1,280.00']);
    expect(await attrOf(item.getByTestId('mark-read'), 'aria-label')).toBe('标为已读：Max购买了《蓝色时刻》');
    expect(await page.locator('#nc-h').textContent()).toBe('通知');
    await user.screenshot('i18n-zh-CN');

    // Switch to English: at once, and still after a reload (the tab stays signed in).
    await user.tid('locale-switch').selectOption('en');
    await eventually(async () => expect(await page.locator('#nc-h').textContent()).toBe('Notifications'));
    expect(await textsOf(item.getByTestId('notification-title'))).toEqual(['Max bought “蓝色时刻”']);
    expect(await textsOf(item.getByTestId('notification-badge'))).toEqual(['CN¥1,280.00']);
    expect(await page.evaluate(() => [document.documentElement.lang, localStorage.getItem('parley.locale')])).toEqual(['en', 'en']);
    await page.reload();
    await user.tid('notification-centre').waitFor();
    await user.waitConnected();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.locator('#nc-h').textContent()).toBe('Notifications');
    expect((await textsOf(user.tid('connection-state')))[0]).toContain('Connected');
    expect(await attrOf(user.tid('sign-out'), 'aria-label')).toBe('Sign out');

    // The CSP held throughout: no violation (vue-i18n compiles its messages without eval / new Function).
    expect(await violations()).toEqual([]);
  });
});

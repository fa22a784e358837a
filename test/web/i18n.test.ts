/**
 * The two languages: the same keys and placeholders in both, the locale chosen from the browser or the remembered
 * switch, Intl formatting in the active locale, and system notifications worded per locale from metadata (the
 * server's English `content` as the fallback).
 */
import en from '../../web/src/i18n/en';
import zhCN from '../../web/src/i18n/zh-CN';
import { browserLocale, currentLocale, detectLocale, i18n, setLocale, STORAGE_KEY, t } from '../../web/src/i18n';
import { errorText } from '../../web/src/lib/errors';
import { describeSystem } from '../../web/src/lib/system';
import { formatBadge, formatNumber, formatPrice, fullTime, longDay, shortTime } from '../../web/src/lib/text';
import { system } from './fakes';

type Tree = { [k: string]: string | Tree };
function flatten(tree: Tree, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out[prefix + k] = v;
    else Object.assign(out, flatten(v, `${prefix}${k}.`));
  }
  return out;
}
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const forms = (s: string) => s.split('|').length;

afterEach(() => {
  setLocale('en');
  localStorage.clear();
});

describe('messages', () => {
  const a = flatten(en as unknown as Tree);
  const b = flatten(zhCN as unknown as Tree);

  test('en and zh-CN have exactly the same keys', () => {
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  });

  test('every message has the same placeholders and plural forms in both', () => {
    for (const key of Object.keys(a)) {
      expect({ key, placeholders: placeholders(b[key]!), forms: forms(b[key]!) }).toEqual({ key, placeholders: placeholders(a[key]!), forms: forms(a[key]!) });
    }
  });

  test('every message compiles and renders in both locales (no stray @, | or braces)', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const key of Object.keys(a)) {
        const named = Object.fromEntries(placeholders(a[key]!).map((p) => [p, `<${p}>`]));
        const out = t(key, named, { locale });
        expect(typeof out).toBe('string');
        expect(out).not.toBe(key);
        for (const p of Object.keys(named)) expect(out).toContain(`<${p}>`);
      }
    }
  });

  test('plural forms: none, one, many', () => {
    expect([0, 1, 5].map((n) => t('common.unread', { count: n }, n))).toEqual(['no unread', '1 unread', '5 unread']);
    setLocale('zh-CN');
    expect([0, 1, 5].map((n) => t('common.unread', { count: n }, n))).toEqual(['没有未读', '1 条未读', '5 条未读']);
  });
});

describe('which language', () => {
  test.each([
    [['zh-CN', 'en'], 'zh-CN'],
    [['zh'], 'zh-CN'],
    [['zh-Hans-CN'], 'zh-CN'],
    [['zh-TW'], 'zh-CN'],
    [['en-GB', 'zh-CN'], 'en'],
    [['fr-FR', 'zh-CN'], 'zh-CN'],
    [['fr-FR', 'de'], 'en'],
    [[], 'en'],
  ])('browser languages %j → %s', (languages, locale) => {
    expect(browserLocale(languages)).toBe(locale);
  });

  test('a remembered choice wins over the browser; a junk value is ignored', () => {
    const store = (v: string | null) => ({ getItem: () => v });
    expect(detectLocale(['zh-CN'], store('en'))).toBe('en');
    expect(detectLocale(['en-US'], store('zh-CN'))).toBe('zh-CN');
    expect(detectLocale(['zh-CN'], store('klingon'))).toBe('zh-CN');
    expect(detectLocale(['en-US'], undefined)).toBe('en');
  });

  test('the switch changes the language at once, sets <html lang> and is remembered in localStorage', () => {
    expect(currentLocale()).toBe('en'); // jsdom's navigator says en-US
    setLocale('zh-CN');
    expect(i18n.global.locale.value).toBe('zh-CN');
    expect(document.documentElement.lang).toBe('zh-CN');
    expect(localStorage.getItem(STORAGE_KEY)).toBe('zh-CN');
    expect(t('message.failed')).toBe('发送失败');
    // The next page load reads it back, whatever the browser prefers.
    expect(detectLocale(['en-US'])).toBe('zh-CN');
    setLocale('en');
    expect(document.documentElement.lang).toBe('en');
    expect(detectLocale(['zh-CN'])).toBe('en');
    expect(t('message.failed')).toBe('Not sent');
  });
});

describe('Intl in the active locale', () => {
  test('prices with the event currency', () => {
    expect(formatPrice(12.5, 'EUR', 'en')).toBe('€12.50');
    expect(formatPrice(12.5, 'CNY', 'en')).toBe('CN¥12.50');
    expect(formatPrice(1200, 'CNY', 'zh-CN')).toBe('¥1,200.00');
    expect(formatPrice(12.5, 'EUR', 'zh-CN')).toBe('€12.50');
    expect(formatPrice(12.5, 'USD', 'zh-CN')).toBe('US$12.50');
    expect(formatPrice('3', 'JPY', 'en')).toBe('¥3');
    expect(formatPrice(12.5, 'not a code', 'en')).toBe('12.5 not a code');
    expect(formatPrice('abc', 'EUR', 'en')).toBeUndefined();
  });

  test('counts and badges', () => {
    expect(formatNumber(4000, 'en')).toBe('4,000');
    expect(formatNumber(4000, 'zh-CN')).toBe('4,000');
    expect([formatBadge(7, 'en'), formatBadge(99, 'en'), formatBadge(100, 'en'), formatBadge(1234, 'zh-CN')]).toEqual(['7', '99', '99+', '99+']);
  });

  test('times and dates', () => {
    const now = new Date(2026, 10, 30, 15, 0); // local time
    const today = new Date(2026, 10, 30, 14, 5).toISOString();
    const older = new Date(2026, 10, 2, 9, 0).toISOString();
    expect(shortTime(today, now, 'en')).toMatch(/^0?2:05\sPM$/);
    expect(shortTime(today, now, 'zh-CN')).toBe('14:05');
    expect(shortTime(older, now, 'en')).toBe('Nov 2');
    expect(shortTime(older, now, 'zh-CN')).toBe('11月2日');
    expect(longDay(older, 'zh-CN')).toBe('11月2日星期一');
    expect(longDay(older, 'en')).toBe('Monday, November 2');
    expect(fullTime(today, 'zh-CN')).toBe('2026/11/30 14:05:00');
  });
});

describe('system notifications per locale', () => {
  const purchase = system('alice', 'SYSTEM_PURCHASE', 'Max bought Blue Hour for 99 CNY', {
    buyer: { id: 'max', name: 'Max' },
    work: { id: 'w', title: 'Blue Hour' },
    price: { amount: 99, currency: 'CNY' },
  });

  test('worded from metadata in English and in Chinese, price through Intl', () => {
    expect(describeSystem(purchase, 'en')).toMatchObject({ title: 'Max bought “Blue Hour”', body: 'A new sale of your work.', badge: 'CN¥99.00' });
    expect(describeSystem(purchase, 'zh-CN')).toMatchObject({ title: 'Max购买了《Blue Hour》', body: '你的作品又卖出了一份。', badge: '¥99.00' });
    const cases = [
      [system('a', 'SYSTEM_ACHIEVEMENT', 'c', { achievement: { id: 'x', name: '首单' } }), '解锁成就：首单'],
      [system('a', 'SYSTEM_FOLLOW', 'Zoe started following you', { follower: { id: 'zoe', name: 'Zoe' } }), 'Zoe关注了你'],
      [system('a', 'SYSTEM_FRIEND', 'c', { friend: { id: 'bob', name: 'Bob' } }), '你和Bob已成为好友'],
      [system('a', 'SYSTEM_TASK', 'Upload by Friday', { task: { id: 't', title: '上传作品' } }), '任务：上传作品'],
    ] as const;
    for (const [m, title] of cases) expect(describeSystem(m, 'zh-CN').title).toBe(title);
    expect(describeSystem(cases[1][0], 'zh-CN').body).toBe('');
  });

  test('follows the active locale by default', () => {
    setLocale('zh-CN');
    expect(describeSystem(purchase).title).toBe('Max购买了《Blue Hour》');
  });

  test("the server's content is the fallback when the metadata lacks what the template needs", () => {
    const bare = system('a', 'SYSTEM_PURCHASE', 'You sold a work.', { price: { amount: 5, currency: 'EUR' } });
    expect(describeSystem(bare, 'zh-CN')).toMatchObject({ title: '新的销售', body: 'You sold a work.', badge: '€5.00' });
    expect(describeSystem(system('a', 'SYSTEM_FOLLOW', 'Someone followed you', null), 'zh-CN')).toMatchObject({ title: '有人关注了你', body: 'Someone followed you' });
    expect(describeSystem(system('a', 'SYSTEM_ACHIEVEMENT', 'You unlocked it', null), 'zh-CN')).toMatchObject({ title: '解锁成就', body: 'You unlocked it' });
    expect(describeSystem(system('a', 'SYSTEM_FRIEND', 'New friend: x', {}), 'zh-CN')).toMatchObject({ title: '新好友', body: 'New friend: x' });
  });
});

describe('error texts per contract code', () => {
  test('in both languages, with the name and the limit as placeholders', () => {
    expect(errorText('NOT_FRIENDS', 'Bob')).toBe("You and Bob are not friends, so this can't be sent.");
    expect(errorText('TOO_LARGE')).toBe('Too long: a message can have at most 4,000 characters.');
    expect(errorText('SOMETHING_NEW')).toBe('Something went wrong on the server. Please retry.');
    setLocale('zh-CN');
    expect(errorText('NOT_FRIENDS', 'Bob')).toBe('你和Bob还不是好友，无法发送。');
    expect(errorText('TOO_LARGE')).toBe('太长了：一条消息最多 4,000 个字符。');
    expect(errorText('RATE_LIMITED')).toBe('发送太快了，请稍等几秒再重试。');
  });
});

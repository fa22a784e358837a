/** The main table's key builders: no user-given part can make a key of another kind (issue #10, 1). */
import * as keys from '../../lambdas/adapters/dynamo/keys';

const NAMES = ['SYS', 'SYSTEM', 'CHAT', 'COUNTS', 'PROFILE', 'MSG', 'CONV', 'FRIEND', 'USER', 'UNREAD', 'alice', 'a_b-c', 'auth0|123'];

it('no user id makes an unread-chat key equal to anyone’s unread-system key, nor to another pair’s', () => {
  const system = new Set(NAMES.map((u) => keys.unreadSystemPk(u)));
  const chat = NAMES.flatMap((to) => NAMES.map((from) => keys.unreadChatPk(to, from)));
  expect(chat.filter((k) => system.has(k))).toEqual([]);
  expect(new Set(chat).size).toBe(chat.length);
  expect(keys.unreadPk('me', null)).toBe(keys.unreadSystemPk('me'));
  expect(keys.unreadPk('me', 'SYSTEM')).toBe('UNREAD#me#CHAT#SYSTEM');
});

it('no two user pairs share a conversation key, and sort keys of different kinds never meet', () => {
  const pairs = NAMES.flatMap((a) => NAMES.filter((b) => b > a).map((b) => keys.convPk(a, b)));
  expect(new Set(pairs).size).toBe(pairs.length);
  const userSks = [...NAMES.map(keys.convSk), ...NAMES.map(keys.friendSk), keys.COUNTS_SK, keys.PROFILE_SK];
  expect(new Set(userSks).size).toBe(userSks.length);
});

it.each([
  ['userPk', () => keys.userPk('a#b')],
  ['convPk', () => keys.convPk('a', 'b#c')],
  ['unreadChatPk', () => keys.unreadChatPk('a', 'SYS#x')],
  ['unreadSystemPk', () => keys.unreadSystemPk('a#CHAT')],
  ['friendSk', () => keys.friendSk('x#y')],
])('%s refuses a part containing "#", so a part can never pose as two', (_name, build) => {
  expect(build).toThrow('may not contain "#"');
});

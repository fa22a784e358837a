/**
 * EventBridge detail types Parley consumes (one rule in wiring's EVENT_RULES matches them all). A file of its own,
 * without the schemas: the wiring (plain data, lib/wiring.ts) and the publisher client read the names cheaply.
 */
export const EVENT_DETAIL_TYPES = [
  'AchievementUnlocked',
  'WorkPurchased',
  'UserFollowed',
  'FriendshipCreated',
  'FriendshipRemoved',
  'TaskNotification',
] as const;
export type EventDetailType = (typeof EVENT_DETAIL_TYPES)[number];

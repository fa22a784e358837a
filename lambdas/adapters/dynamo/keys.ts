/** Key layout of the main table (lib/wiring.ts documents the item shapes). */
export const userPk = (u: string) => `USER#${u}`;
export const convPk = (a: string, b: string) => (a < b ? `CONV#${a}#${b}` : `CONV#${b}#${a}`);
export const sysPk = (u: string) => `SYS#${u}`;
export const msgSk = (id: string) => `MSG#${id}`;
export const convSk = (peer: string) => `CONV#${peer}`;
export const friendSk = (v: string) => `FRIEND#${v}`;
export const COUNTS_SK = 'COUNTS';
export const PROFILE_SK = 'PROFILE';
export const unreadPk = (to: string, from: string | null) => `UNREAD#${to}#${from ?? 'SYS'}`;
export const cmidPk = (sender: string) => `CMID#${sender}`;
export const eventPk = (eventId: string) => `EVT#${eventId}`;
export const ratePk = (u: string) => `RATE#${u}`;

export const INDEX = { unread: 'unread', recent: 'recent', byId: 'byId' } as const;

export interface Key {
  pk: string;
  sk: string;
}

/**
 * How each system messageType reads in the UI: an icon, a title and a body built from `content` and the
 * `metadata` the server attaches (docs/API.md, Events). Unknown or missing metadata falls back to `content`.
 * Everything returned is plain text; components render it with text interpolation only.
 */
import type { Message } from '../types';

export type SystemKind = 'achievement' | 'purchase' | 'follow' | 'friend' | 'task' | 'other';

export type SystemIcon = 'trophy' | 'cart' | 'user-plus' | 'users' | 'clipboard' | 'bell';

export interface SystemView {
  kind: SystemKind;
  /** An Icon.vue name. */
  icon: SystemIcon;
  title: string;
  body: string;
  /** A short highlighted fact: a price, a task title. */
  badge?: string;
  /** A chat to open from this notification (a new friend). */
  peerId?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : typeof v === 'number' ? String(v) : undefined);

/** "€12.50", "12.5 XYZ" when the currency isn't an ISO code the browser knows. */
export function formatPrice(amount: unknown, currency: unknown): string | undefined {
  const n = typeof amount === 'number' ? amount : typeof amount === 'string' ? Number(amount) : NaN;
  if (!Number.isFinite(n)) return undefined;
  const cur = str(currency);
  if (cur) {
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: cur }).format(n);
    } catch {
      return `${n} ${cur}`;
    }
  }
  return String(n);
}

/** How a system message reads; a body that only repeats the title is dropped. */
export function describeSystem(m: Message): SystemView {
  const v = describe(m);
  return v.body.trim() === v.title.trim() ? { ...v, body: '' } : v;
}

function describe(m: Message): SystemView {
  const meta = obj(m.metadata) ?? {};
  switch (m.messageType) {
    case 'SYSTEM_ACHIEVEMENT': {
      const a = obj(meta.achievement);
      return {
        kind: 'achievement',
        icon: 'trophy',
        title: a && str(a.name) ? `Achievement unlocked: ${str(a.name)}` : 'Achievement unlocked',
        body: (a && str(a.description)) ?? m.content,
      };
    }
    case 'SYSTEM_PURCHASE': {
      const buyer = obj(meta.buyer);
      const work = obj(meta.work);
      const price = obj(meta.price);
      const who = (buyer && (str(buyer.name) ?? str(buyer.id))) ?? 'Someone';
      const title = work && str(work.title);
      const p = price ? formatPrice(price.amount, price.currency) : undefined;
      return {
        kind: 'purchase',
        icon: 'cart',
        title: title ? `${who} bought “${title}”` : 'New sale',
        body: title ? 'A new sale of your work.' : m.content,
        badge: p,
      };
    }
    case 'SYSTEM_FOLLOW': {
      const f = obj(meta.follower);
      const who = (f && (str(f.name) ?? str(f.id))) ?? 'Someone';
      return { kind: 'follow', icon: 'user-plus', title: `${who} started following you`, body: m.content };
    }
    case 'SYSTEM_FRIEND': {
      const f = obj(meta.friend);
      const who = (f && (str(f.name) ?? str(f.id))) ?? undefined;
      return {
        kind: 'friend',
        icon: 'users',
        title: who ? `You and ${who} are now friends` : 'New friend',
        body: who ? 'Say hello!' : m.content,
        peerId: f && str(f.id),
      };
    }
    case 'SYSTEM_TASK': {
      const t = obj(meta.task);
      const title = t && str(t.title);
      return { kind: 'task', icon: 'clipboard', title: title ? `Task: ${title}` : 'New task', body: m.content };
    }
    default:
      return { kind: 'other', icon: 'bell', title: 'Notification', body: m.content };
  }
}

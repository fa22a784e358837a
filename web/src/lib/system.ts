/**
 * How each system messageType reads in the UI: an icon, a title and a body built from `content` and the
 * `metadata` the server attaches (docs/API.md, Events), worded in the active locale (i18n: `system.*` keys; a
 * price through Intl with the event's currency). The server's `content` (English) is the fallback whenever the
 * metadata lacks what a template needs. Everything returned is plain text; components render it with text
 * interpolation only. Called inside a computed/render it re-runs when the locale changes.
 */
import { currentLocale, t, type Locale } from '../i18n';
import type { Message } from '../types';
import { formatPrice } from './text';

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

/** How a system message reads; a body that only repeats the title is dropped. */
export function describeSystem(m: Message, locale: string = currentLocale()): SystemView {
  const v = describe(m, locale);
  return v.body.trim() === v.title.trim() ? { ...v, body: '' } : v;
}

function describe(m: Message, locale: string): SystemView {
  const tr = (key: string, named: Record<string, unknown> = {}) => t(key, named, { locale: locale as Locale });
  const meta = obj(m.metadata) ?? {};
  switch (m.messageType) {
    case 'SYSTEM_ACHIEVEMENT': {
      const a = obj(meta.achievement);
      return {
        kind: 'achievement',
        icon: 'trophy',
        title: a && str(a.name) ? tr('system.achievementNamed', { name: str(a.name) }) : tr('system.achievement'),
        body: (a && str(a.description)) ?? m.content,
      };
    }
    case 'SYSTEM_PURCHASE': {
      const buyer = obj(meta.buyer);
      const work = obj(meta.work);
      const price = obj(meta.price);
      const who = (buyer && (str(buyer.name) ?? str(buyer.id))) ?? tr('system.someone');
      const title = work && str(work.title);
      const p = price ? formatPrice(price.amount, price.currency, locale) : undefined;
      return {
        kind: 'purchase',
        icon: 'cart',
        title: title ? tr('system.purchaseNamed', { buyer: who, work: title }) : tr('system.purchase'),
        body: title ? tr('system.purchaseBody') : m.content,
        badge: p,
      };
    }
    case 'SYSTEM_FOLLOW': {
      const f = obj(meta.follower);
      const who = f && (str(f.name) ?? str(f.id));
      // The title says it all when the follower is known; the server's English sentence only stands in otherwise.
      return who
        ? { kind: 'follow', icon: 'user-plus', title: tr('system.follow', { follower: who }), body: '' }
        : { kind: 'follow', icon: 'user-plus', title: tr('system.follow', { follower: tr('system.someone') }), body: m.content };
    }
    case 'SYSTEM_FRIEND': {
      const f = obj(meta.friend);
      const who = (f && (str(f.name) ?? str(f.id))) ?? undefined;
      return {
        kind: 'friend',
        icon: 'users',
        title: who ? tr('system.friendNamed', { friend: who }) : tr('system.friend'),
        body: who ? tr('system.friendBody') : m.content,
        peerId: f && str(f.id),
      };
    }
    case 'SYSTEM_TASK': {
      const t = obj(meta.task);
      const title = t && str(t.title);
      // The body is the publisher's own task text (`content`), which no template can word.
      return { kind: 'task', icon: 'clipboard', title: title ? tr('system.taskNamed', { title }) : tr('system.task'), body: m.content };
    }
    default:
      return { kind: 'other', icon: 'bell', title: tr('system.other'), body: m.content };
  }
}

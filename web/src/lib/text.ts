/** Small text helpers shared by stores and components. */

/** Length in Unicode code points (an emoji counts once), as the server counts `content`. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

let seq = 0;
/** A clientMessageId: 1–64 characters of [A-Za-z0-9_-], unique per tab. */
export function newClientMessageId(now: number = Date.now(), random: () => number = Math.random): string {
  seq = (seq + 1) % 1_000_000;
  const r = Math.floor(random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `c-${now.toString(36)}-${seq.toString(36)}-${r}`;
}

/**
 * A name short enough for a one-line hint (the composer's placeholder, which a textarea clips without an
 * ellipsis): the whole name when it is short, else its first word, cut to `max` code points with "…". Only for
 * hints: the full name stays in the window's title and the composer's label.
 */
export function shortName(name: string, max = 16): string {
  const whole = name.trim();
  if (charCount(whole) <= max) return whole;
  const first = whole.split(/\s+/)[0] ?? whole;
  const chars = [...first];
  return chars.length <= max ? first : `${chars.slice(0, max - 1).join('')}…`;
}

/** Compare two message ids (ULIDs sort by time as strings). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * "14:05" today, "Mon 14:05" this week, "24 Nov" otherwise — in `locale` (the active one: `locale.value` from
 * useI18n, or currentLocale()); zh-CN reads "14:05", "周一 14:05", "11月24日".
 */
export function shortTime(iso: string, now: Date = new Date(), locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const sameDay = d.toDateString() === now.toDateString();
  if (sameDay) return d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const days = (now.getTime() - d.getTime()) / 86_400_000;
  if (days < 6 && days > 0) return d.toLocaleString(locale, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  return d.toLocaleDateString(locale, { day: 'numeric', month: 'short', ...(d.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}) });
}

/** Full date and time for a title/tooltip, in `locale`. */
export function fullTime(iso: string, locale?: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString(locale);
}

/** A day separator's date: "Monday 24 November" / "11月24日星期一" (Today/Yesterday are messages, not Intl). */
export function longDay(iso: string, locale?: string): string {
  return new Date(iso).toLocaleDateString(locale, { weekday: 'long', day: 'numeric', month: 'long' });
}

/** A count in `locale`: "4,000". */
export function formatNumber(n: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** A badge number, capped: "7", "99+" (the digits and the plus through Intl, in `locale`). */
export function formatBadge(n: number, locale?: string, cap = 99): string {
  const f = new Intl.NumberFormat(locale);
  return n > cap ? `${f.format(cap)}+` : f.format(n);
}

/** A price in `locale` with the event's ISO currency: "€12.50" (en), "€12.50" / "¥1,200" (zh-CN); "12.5 XYZ" for a code Intl rejects. */
export function formatPrice(amount: unknown, currency: unknown, locale?: string): string | undefined {
  const n = typeof amount === 'number' ? amount : typeof amount === 'string' && amount.trim() ? Number(amount) : NaN;
  if (!Number.isFinite(n)) return undefined;
  const cur = typeof currency === 'string' && currency.trim() ? currency.trim() : undefined;
  if (cur) {
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency: cur }).format(n);
    } catch {
      return `${new Intl.NumberFormat(locale).format(n)} ${cur}`;
    }
  }
  return new Intl.NumberFormat(locale).format(n);
}

/** One-line preview of a message text. */
export function preview(text: string, max = 80): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return charCount(one) > max ? `${Array.from(one).slice(0, max - 1).join('')}…` : one;
}

/** Initials for an avatar. */
export function initials(name: string): string {
  const parts = name.trim().split(/[\s._-]+/).filter(Boolean);
  if (!parts.length) return '?';
  const first = (w: string) => Array.from(w)[0]!;
  return (parts.length > 1 ? first(parts[0]!) + first(parts[1]!) : first(parts[0]!)).toUpperCase();
}

/** A stable hue for a user id (avatar colour). */
export function hueOf(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

export interface TextPart {
  text: string;
  /** Set for a web link: always an http(s) URL taken from the text itself. */
  href?: string;
}

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Trailing punctuation that ends a sentence rather than the URL. */
const TRAILING = /[.,;:!?)\]}'"»”’]+$/;

/**
 * Split message text into plain runs and http(s) links, for rendering with text interpolation (the text is never
 * parsed as HTML). Only `http://` and `https://` become links, so `javascript:` and the like stay text.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    let url = match[0];
    const trail = TRAILING.exec(url)?.[0] ?? '';
    // Keep a closing bracket that closes one opened inside the URL (e.g. Wikipedia links).
    const keep = trail.startsWith(')') && (url.match(/\(/g)?.length ?? 0) > (url.slice(0, url.length - trail.length).match(/\)/g)?.length ?? 0) ? 1 : 0;
    url = url.slice(0, url.length - trail.length + keep);
    if (!url.replace(/^https?:\/\//i, '')) continue;
    const start = match.index!;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

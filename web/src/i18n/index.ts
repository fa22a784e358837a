/**
 * The app's languages: zh-CN and en (vue-i18n, Composition API mode). The language follows the browser
 * (`navigator.languages`: the first zh* → zh-CN, else en) until the user picks one with the switch, which is
 * remembered in localStorage. `<html lang>` follows the active locale.
 *
 * Components: `const { t, locale } = useI18n()`; plain modules (stores, lib): `t` from here. Never build a sentence
 * by concatenation: one key per sentence, with `{named}` placeholders and plural forms (docs/WEB.md, "Languages").
 * Numbers, dates, times and prices go through the Intl helpers in lib/text.ts with `locale.value`.
 */
import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN from './zh-CN';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export const STORAGE_KEY = 'parley.locale';

const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

/** The browser's preference: the first of its languages we have (zh, zh-CN, zh-Hans-… → zh-CN; en-* → en), else en. */
export function browserLocale(languages: readonly string[] | undefined): Locale {
  for (const tag of languages ?? []) {
    const l = tag.toLowerCase();
    if (l === 'zh' || l.startsWith('zh-')) return 'zh-CN';
    if (l === 'en' || l.startsWith('en-')) return 'en';
  }
  return 'en';
}

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // storage blocked
  }
}

/** The remembered choice if there is one, else the browser's. */
export function detectLocale(
  languages: readonly string[] | undefined = typeof navigator === 'undefined' ? undefined : navigator.languages?.length ? navigator.languages : [navigator.language],
  store: Pick<Storage, 'getItem'> | undefined = storage(),
): Locale {
  let saved: string | null = null;
  try {
    saved = store?.getItem(STORAGE_KEY) ?? null;
  } catch {
    /* private mode */
  }
  return isLocale(saved) ? saved : browserLocale(languages);
}

export const i18n = createI18n({
  legacy: false,
  locale: detectLocale(),
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zhCN },
  // Every key exists in both locales (tested); no console noise for the fallback.
  missingWarn: false,
  fallbackWarn: false,
});

/** For plain modules (stores, lib). Reactive: a computed or template that calls it re-renders on a switch. */
export const t = i18n.global.t;

/** The active locale (reactive when read inside a computed or render). */
export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale;
}

function applyHtmlLang(locale: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}
applyHtmlLang(currentLocale());

/** The switch: change the language now and remember it in this browser. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  applyHtmlLang(locale);
  try {
    storage()?.setItem(STORAGE_KEY, locale);
  } catch {
    /* private mode: it lasts for this page */
  }
}

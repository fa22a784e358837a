/**
 * The emoji picker (emoji-picker-element, a web component), loaded only when a composer's emoji button is first
 * used (its own chunk: EmojiButton.vue imports this module dynamically). Its data — the emoji and their names, in
 * English or Chinese — is a JSON file copied into the build (Vite `?url`) and fetched from Parley's own origin: no
 * request leaves it, and the CSP's connect-src stays as it is. The picker keeps the data in IndexedDB.
 */
import Picker from 'emoji-picker-element/picker';
import zhCN from 'emoji-picker-element/i18n/zh_CN';
import enData from 'emoji-picker-element-data/en/emojibase/data.json?url';
import zhData from 'emoji-picker-element-data/zh/emojibase/data.json?url';

export type EmojiPicker = Picker;

/** A picker for the active language (en, or zh-CN: Chinese names, search and labels). */
export function createPicker(locale: string): Picker {
  const zh = locale.startsWith('zh');
  return new Picker({
    locale: zh ? 'zh' : 'en',
    // Absolute, on this origin (the picker resolves it against the page).
    dataSource: new URL(zh ? zhData : enData, window.location.href).href,
    ...(zh ? { i18n: zhCN } : {}),
  });
}

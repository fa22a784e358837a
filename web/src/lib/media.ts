/** Images and emoji in messages: the one-line preview ("Photo"), and which messages are shown as big emoji. */
import { t } from '../i18n';
import type { Message } from '../types';
import { preview } from './text';

/** Drawn as an emoji: emoji presentation by default, or asked for (U+FE0F), or a keycap; "©" and "→" alone are text. */
const EMOJI_LOOK = /\p{Emoji_Presentation}|\ufe0f|\u20e3/u;
/** What may sit in an emoji's grapheme besides pictographs: joiners, variation selectors, skin tones, keycaps, tags. */
const EMOJI_PART = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Modifier}|\u200d|\ufe0f|\ufe0e|\u20e3|[\u{e0020}-\u{e007f}]|[#*0-9])+$/u;

/**
 * The text is one to three emoji and nothing else (white space aside): such a message is shown large. Counted in
 * graphemes (Intl.Segmenter), so "👍🏽", "👨‍👩‍👧" and a flag count once each.
 */
export function isEmojiOnly(text: string, max = 3): boolean {
  const s = text.replace(/\s+/g, '');
  if (!s) return false;
  const seg = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let n = 0;
  for (const { segment } of seg.segment(s)) {
    if (!EMOJI_LOOK.test(segment) || !EMOJI_PART.test(segment)) return false;
    if (++n > max) return false;
  }
  return n > 0;
}

/**
 * A message in one line, for the conversation list, toasts and desktop notifications: its text; an image-only one
 * reads "Photo" ("3 photos"), in the active language.
 */
export function messagePreview(m: Pick<Message, 'content' | 'attachments'>, max = 80): string {
  const text = preview(m.content ?? '', max);
  const n = m.attachments?.length ?? 0;
  if (text || !n) return text;
  return n === 1 ? t('media.photo') : t('media.photos', { count: n });
}

/** Images and emoji in messages (lib/media.ts): big-emoji detection and the one-line preview ("Photo" / "照片"). */
import { setLocale } from '../../web/src/i18n';
import { isEmojiOnly, messagePreview } from '../../web/src/lib/media';
import type { Attachment } from '../../web/src/types';

afterEach(() => setLocale('en'));

describe('isEmojiOnly', () => {
  test('one to three emoji (graphemes: skin tones, families, flags and keycaps count once), white space aside', () => {
    for (const s of ['😀', '👍🏽', '😀 😂', '❤️🔥✨', '👨‍👩‍👧', '🇫🇷🇯🇵', '1️⃣', ' 🎉\n']) expect([s, isEmojiOnly(s)]).toEqual([s, true]);
  });
  test('four emoji, text, digits, symbols or nothing are not', () => {
    for (const s of ['😀😀😀😀', 'hi 😀', '😀!', '123', '#', '', '  ', '©', '→', '中']) expect([s, isEmojiOnly(s)]).toEqual([s, false]);
  });
});

describe('messagePreview', () => {
  const img = (id: string): Attachment => ({ id, contentType: 'image/png', size: 1, width: 10, height: 10, url: 'u', thumbnailUrl: 't' });
  test('an image-only message reads "Photo" ("3 photos"); with text, the text; in the active language', () => {
    expect(messagePreview({ content: '', attachments: [img('a')] })).toBe('Photo');
    expect(messagePreview({ content: '', attachments: [img('a'), img('b'), img('c')] })).toBe('3 photos');
    expect(messagePreview({ content: ' look\nhere ', attachments: [img('a')] })).toBe('look here');
    expect(messagePreview({ content: 'plain' })).toBe('plain');
    setLocale('zh-CN');
    expect(messagePreview({ content: '', attachments: [img('a')] })).toBe('照片');
    expect(messagePreview({ content: '', attachments: [img('a'), img('b')] })).toBe('2 张照片');
  });
});

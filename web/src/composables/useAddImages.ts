import { useI18n } from 'vue-i18n';
import { useToastStore } from '../stores/toasts';
import { useUploadsStore } from '../stores/uploads';
import { ATTACHMENT_LIMITS } from '../types';

/**
 * Images picked, pasted or dropped into a conversation: they join its draft's uploads (stores/uploads.ts); the ones
 * refused (type, size, too many) are named in one toast. Nothing is added while the conversation is read-only.
 * Used by the composer (attach button, paste) and by the chat window (drop anywhere on it, even minimised).
 */
export function useAddImages(peerId: () => string, readOnly: () => boolean): (files: Iterable<File>) => void {
  const { t: tr } = useI18n();
  const uploads = useUploadsStore();
  const toasts = useToastStore();
  return (files) => {
    if (readOnly()) return;
    const refused = uploads.add(peerId(), files);
    if (refused.length)
      toasts.show({
        kind: 'error',
        title: tr('uploads.refusedTitle'),
        body: refused.map((r) => tr(`uploads.${r.reason}`, { name: r.file, max: ATTACHMENT_LIMITS.perMessage })).join(' '),
      });
  };
}

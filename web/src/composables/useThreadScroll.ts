/**
 * A chat window's message list scrolling: it sticks to the bottom while the user is there (new messages, my own
 * sends, "is typing" keep it in view), scrolling to the top pages back in history keeping the message under the eye
 * where it was, and a chat opened with more new messages than fit starts at the "New messages" line.
 */
import { nextTick, onMounted, watch, type Ref } from 'vue';
import type { ChatItem, Thread } from '../stores/threads';

export interface ThreadScrollOptions {
  /** The scrolling element (the message list). */
  list: Ref<HTMLElement | null>;
  thread: () => Thread;
  /** What is shown: the server's messages, then my pending ones. */
  items: () => ChatItem[];
  isMine: (m: ChatItem) => boolean;
  typing: () => boolean;
  minimized: () => boolean;
  /** Load the page before the oldest shown; true when it brought messages. */
  loadOlder: () => Promise<boolean>;
  /** After the list is shown (mounted, restored) and scrolled to the bottom. */
  onShown?: () => void;
}

export function useThreadScroll(o: ThreadScrollOptions) {
  let stickToBottom = true;

  function nearBottom(): boolean {
    const el = o.list.value;
    return !el || el.scrollHeight - el.scrollTop - el.clientHeight < 60;
  }
  function scrollToBottom(): void {
    const el = o.list.value;
    if (el) el.scrollTop = el.scrollHeight;
  }
  /** The user sent something (or otherwise asked to be at the newest): stay at the bottom. */
  function stick(): void {
    stickToBottom = true;
  }
  const isStuck = () => stickToBottom;

  async function onScroll(): Promise<void> {
    const el = o.list.value;
    if (!el) return;
    stickToBottom = nearBottom();
    const t = o.thread();
    if (el.scrollTop < 40 && t.hasMoreBefore && !t.loadingOlder) {
      const before = el.scrollHeight;
      const got = await o.loadOlder();
      if (got) {
        await nextTick();
        el.scrollTop += el.scrollHeight - before; // keep the message under the eye where it was
      }
    }
  }

  watch(
    () => {
      const all = o.items();
      return [all.length, all[all.length - 1]?.id, all[all.length - 1]?.status, o.typing()];
    },
    async (_n, old) => {
      const wasAtBottom = stickToBottom;
      await nextTick();
      const all = o.items();
      const last = all[all.length - 1];
      if (wasAtBottom || (last && o.isMine(last) && last.local) || !old) scrollToBottom();
    },
  );
  watch(o.minimized, async (m) => {
    if (!m) {
      await nextTick();
      scrollToBottom();
      o.onShown?.();
    }
  });
  onMounted(async () => {
    await nextTick();
    scrollToBottom();
    o.onShown?.();
  });
  // With more new messages than fit, start at the "New messages" line rather than at the bottom.
  watch(
    () => o.thread().newSince,
    async (id) => {
      if (!id) return;
      await nextTick();
      const el = o.list.value;
      const divider = el?.querySelector<HTMLElement>('.new-divider');
      if (!el || !divider) return;
      const top = divider.offsetTop - 8;
      if (el.scrollHeight - top > el.clientHeight) {
        el.scrollTop = top;
        stickToBottom = false;
      }
    },
  );

  return { onScroll, scrollToBottom, stick, isStuck };
}

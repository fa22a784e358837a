/**
 * A chat window's message list scrolling: it sticks to the bottom while the user is there (new messages, my own
 * sends, "is typing" keep it in view), scrolling to the top pages back in history keeping the message under the eye
 * where it was, and a chat opened with more new messages than fit starts at the "New messages" line.
 * It also says when to offer "Jump to first unread" (the line is above the visible part) and "Jump to latest"
 * (scrolled up away from the bottom; with how many messages from the peer arrived below since the user was last
 * at the bottom).
 */
import { computed, nextTick, onMounted, ref, watch, type Ref } from 'vue';
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
  /** Scrolled up away from the bottom (offer "Jump to latest"). */
  const awayFromBottom = ref(false);
  /** The "New messages" line is above what is in view (offer "Jump to first unread"). */
  const lineAbove = ref(false);
  /** The newest message the user had in view at the bottom: what came after it is "new below". */
  const seenUpTo = ref<string | undefined>();
  const newBelow = computed(() => {
    const all = o.items();
    const i = seenUpTo.value === undefined ? -1 : all.findIndex((m) => m.id === seenUpTo.value);
    if (i < 0 || !awayFromBottom.value) return 0;
    return all.slice(i + 1).filter((m) => !o.isMine(m)).length;
  });

  /** Re-read where the list is: after a scroll, new messages, a page loaded, the line placed. */
  function measure(): void {
    const el = o.list.value;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    awayFromBottom.value = !atBottom;
    if (atBottom) seenUpTo.value = o.items()[o.items().length - 1]?.id;
    const divider = el.querySelector<HTMLElement>('.new-divider');
    lineAbove.value = !!divider && divider.offsetTop + divider.offsetHeight <= el.scrollTop;
  }

  function nearBottom(): boolean {
    const el = o.list.value;
    return !el || el.scrollHeight - el.scrollTop - el.clientHeight < 60;
  }
  function scrollToBottom(): void {
    const el = o.list.value;
    if (el) el.scrollTop = el.scrollHeight;
    measure();
  }
  /** "Jump to latest": to the newest message, and stay there. */
  function jumpToLatest(): void {
    stickToBottom = true;
    scrollToBottom();
  }
  /** "Jump to first unread": the "New messages" line at the top of the list. */
  function jumpToFirstUnread(): void {
    const el = o.list.value;
    const divider = el?.querySelector<HTMLElement>('.new-divider');
    if (!el || !divider) return;
    el.scrollTop = Math.max(0, divider.offsetTop - 8);
    stickToBottom = nearBottom();
    measure();
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
    measure();
    const t = o.thread();
    if (el.scrollTop < 40 && t.hasMoreBefore && !t.loadingOlder) {
      const before = el.scrollHeight;
      const got = await o.loadOlder();
      if (got) {
        await nextTick();
        el.scrollTop += el.scrollHeight - before; // keep the message under the eye where it was
        measure();
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
      else measure();
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
      measure();
    },
  );

  return { onScroll, scrollToBottom, stick, isStuck, awayFromBottom, lineAbove, newBelow, jumpToLatest, jumpToFirstUnread };
}

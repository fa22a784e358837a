/**
 * The docked chat windows: which are open, which are minimised, and which was used last. All open chats are kept;
 * the `capacity()` most recently used are shown in the dock and the rest wait in its overflow menu ("+2"). Opening
 * or choosing a chat makes it the most recently used, so the least recently used shown one moves to the overflow.
 * Pure window bookkeeping — what opening a chat means for its thread and its unread count is the chat store's
 * (which holds one dock, see stores/chat.ts).
 */
import { computed, ref } from 'vue';

/** The most windows shown side by side (a wide screen). */
export const MAX_WINDOWS = 3;
/** Open chats kept at all (shown + overflow); opening one more closes the least recently used. */
export const MAX_OPEN_CHATS = 12;
/** The narrowest a docked window is useful at, plus the gap between two (ChatDock.vue's `.slot` shrinks to fit). */
const SLOT_PX = 300 + 12;
/** The dock's side margins and its overflow button. */
const DOCK_CHROME_PX = 32 + 56 - 12;

/**
 * How many windows the dock shows for a viewport this wide: the one place that decides it. Phones (under 640 px)
 * show one chat full screen and the others as bars, so they keep MAX_WINDOWS.
 */
export function visibleWindowsFor(width: number): number {
  if (width < 640) return MAX_WINDOWS;
  return Math.max(1, Math.min(MAX_WINDOWS, Math.floor((width - DOCK_CHROME_PX) / SLOT_PX)));
}

export interface ChatWindow {
  peerId: string;
  minimized: boolean;
  usedAt: number;
}

/** What is kept of the dock across a reload (sessionStorage): open chats in dock order; `used` ranks their use. */
export interface SavedDock {
  windows: { peerId: string; minimized: boolean; used: number }[];
}

export function useDock(capacity: () => number = () => MAX_WINDOWS) {
  const windows = ref<ChatWindow[]>([]);
  let usedClock = 0;

  const windowOf = (peerId: string) => windows.value.find((w) => w.peerId === peerId);
  /** The peers of the windows shown in the dock: the `capacity()` most recently used. */
  const shownPeers = computed(() => new Set([...windows.value].sort((a, b) => b.usedAt - a.usedAt).slice(0, capacity()).map((w) => w.peerId)));
  /** Shown in the dock, in dock order. */
  const shown = computed(() => windows.value.filter((w) => shownPeers.value.has(w.peerId)));
  /** Open but not shown (the overflow menu), most recently used first. */
  const overflow = computed(() => windows.value.filter((w) => !shownPeers.value.has(w.peerId)).sort((a, b) => b.usedAt - a.usedAt));
  const isShown = (peerId: string) => shownPeers.value.has(peerId);
  /** The window shown full screen on a phone: the most recently used shown one that is not minimised. */
  const focusedPeer = computed(() => {
    const open = shown.value.filter((w) => !w.minimized).sort((a, b) => b.usedAt - a.usedAt);
    return open[0]?.peerId;
  });
  /** Some window is shown and not minimised (the page leaves room for it). */
  const anyOpen = computed(() => shown.value.some((w) => !w.minimized));

  /** It is the most recently used window now. */
  function touch(peerId: string): void {
    const w = windowOf(peerId);
    if (w) w.usedAt = ++usedClock;
  }

  /**
   * Open (or restore) a window and make it the most recently used (shown; the least recently used shown one goes
   * to the overflow). One from the overflow joins the dock at its newest end.
   */
  function open(peerId: string, minimized = false): void {
    const w = windowOf(peerId);
    if (w) {
      if (!isShown(peerId)) windows.value = [...windows.value.filter((x) => x !== w), w];
      w.minimized = minimized;
      w.usedAt = ++usedClock;
      return;
    }
    if (windows.value.length >= MAX_OPEN_CHATS) {
      const lru = [...windows.value].sort((a, b) => a.usedAt - b.usedAt)[0]!;
      windows.value = windows.value.filter((x) => x !== lru);
    }
    windows.value.push({ peerId, minimized, usedAt: ++usedClock });
  }

  function minimize(peerId: string): void {
    const w = windowOf(peerId);
    if (w) w.minimized = true;
  }

  function close(peerId: string): void {
    windows.value = windows.value.filter((w) => w.peerId !== peerId);
  }

  /** For sessionStorage. */
  function save(): SavedDock {
    return { windows: windows.value.map((w) => ({ peerId: w.peerId, minimized: w.minimized, used: w.usedAt })) };
  }

  /** Put back what `save` kept (after a reload), leaving out the chats `keep` refuses; same order, same use order. */
  function restore(saved: SavedDock, keep: (peerId: string) => boolean): void {
    const kept = saved.windows.filter((w) => keep(w.peerId) && !windowOf(w.peerId)).slice(-MAX_OPEN_CHATS);
    const byUse = [...kept].sort((a, b) => a.used - b.used);
    const restored = kept.map((w) => ({ peerId: w.peerId, minimized: w.minimized, usedAt: 0 }));
    for (const w of byUse) restored.find((r) => r.peerId === w.peerId)!.usedAt = ++usedClock;
    windows.value = [...restored, ...windows.value];
  }

  function reset(): void {
    windows.value = [];
  }

  return { windows, shown, overflow, isShown, windowOf, focusedPeer, anyOpen, touch, open, minimize, close, save, restore, reset };
}

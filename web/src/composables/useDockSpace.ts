import { onBeforeUnmount, onMounted, type Ref } from 'vue';

/**
 * The room the chat dock takes at the bottom of the screen, for the page to keep free: the dock's height (0 with no
 * window open, a bar's height with only minimised ones) goes into the CSS variable `--dock-space` on <html>. The page
 * adds it to its bottom padding (so its last row can scroll out from under the dock) and to the root's
 * `scroll-padding-bottom` (so scrolling an element into view — focus moving by Tab, a find-in-page, a script —
 * places it above the dock, not under it). A window filling a phone's screen is position: fixed and doesn't count.
 */
export function useDockSpace(dock: Ref<HTMLElement | null>): void {
  let observer: ResizeObserver | undefined;
  const root = document.documentElement;
  const update = () => {
    const el = dock.value;
    if (!el) return;
    const h = Math.ceil(el.getBoundingClientRect().height);
    root.style.setProperty('--dock-space', `${h}px`);
  };
  onMounted(() => {
    update();
    if (typeof ResizeObserver !== 'undefined' && dock.value) {
      observer = new ResizeObserver(update);
      observer.observe(dock.value);
    }
  });
  onBeforeUnmount(() => {
    observer?.disconnect();
    root.style.removeProperty('--dock-space');
  });
}

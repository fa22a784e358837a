/**
 * useDockSpace: the dock's height becomes --dock-space on <html> (the room the page keeps free), follows the dock's
 * size, and is removed with the dock (a plain Vue app in jsdom; ResizeObserver is faked: jsdom has none).
 */
import { createApp, defineComponent, h, ref } from 'vue';
import { useDockSpace } from '../../web/src/composables/useDockSpace';

class FakeResizeObserver {
  static last: FakeResizeObserver | undefined;
  observed: Element[] = [];
  disconnected = false;
  constructor(readonly callback: () => void) {
    FakeResizeObserver.last = this;
  }
  observe(el: Element): void {
    this.observed.push(el);
  }
  disconnect(): void {
    this.disconnected = true;
  }
}

describe('useDockSpace', () => {
  const root = document.documentElement;
  let height = 0;

  beforeEach(() => {
    (globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = FakeResizeObserver;
    root.style.removeProperty('--dock-space');
  });
  afterEach(() => {
    delete (globalThis as unknown as { ResizeObserver?: unknown }).ResizeObserver;
  });

  function mountDock() {
    const Dock = defineComponent({
      setup() {
        const el = ref<HTMLElement | null>(null);
        useDockSpace(el);
        return () =>
          h('aside', {
            ref: (e) => {
              el.value = e as HTMLElement | null;
              if (e) (e as HTMLElement).getBoundingClientRect = () => ({ height }) as DOMRect;
            },
          });
      },
    });
    const host = document.createElement('div');
    document.body.append(host);
    const app = createApp(Dock);
    app.mount(host);
    return app;
  }

  test("the dock's height, rounded up, as --dock-space; followed when it changes; removed with the dock", () => {
    height = 0;
    const app = mountDock();
    expect(root.style.getPropertyValue('--dock-space')).toBe('0px');
    const observer = FakeResizeObserver.last!;
    expect(observer.observed).toHaveLength(1);

    height = 460.4; // a window opened
    observer.callback();
    expect(root.style.getPropertyValue('--dock-space')).toBe('461px');
    height = 52; // minimised to a bar
    observer.callback();
    expect(root.style.getPropertyValue('--dock-space')).toBe('52px');

    app.unmount();
    expect(observer.disconnected).toBe(true);
    expect(root.style.getPropertyValue('--dock-space')).toBe('');
  });
});

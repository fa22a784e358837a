/**
 * System messages (the bell and the notification centre): newest first, unique by id, the system unread count.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { RestClient } from '../api/rest';
import { compareIds } from '../lib/text';
import type { Message } from '../types';
import { describeSystem } from '../lib/system';

export interface NotificationDeps {
  rest: Pick<RestClient, 'systemList' | 'markSystemRead' | 'deleteMessage'> & Partial<Pick<RestClient, 'unreadCount'>>;
  /** Toast / desktop notification for a new system message. */
  notify?(n: { title: string; body: string; messageId: string }): void;
}

const PAGE = 30;
/**
 * A count answered just before a push arrives may already include the pushed message (stored, counted, then pushed
 * while the answer travelled): a push this soon after a count was taken is checked with the server shortly after.
 */
export const RECONCILE_WINDOW_MS = 5_000;
export const RECONCILE_DELAY_MS = 800;

export const useNotificationStore = defineStore('notifications', () => {
  let deps: NotificationDeps | undefined;
  const items = ref<Message[]>([]);
  const hasMore = ref(false);
  const loaded = ref(false);
  const loading = ref(false);
  const unread = ref(0);
  /** Moves whenever the unread count changes here, so a count fetched meanwhile is known to be stale. */
  const epoch = ref(0);
  const bump = () => epoch.value++;
  /** When the server's count was last applied (ms). */
  let countedAt = Number.NEGATIVE_INFINITY;
  let reconcileTimer: ReturnType<typeof setTimeout> | undefined;

  const sorted = computed(() => [...items.value].sort((a, b) => compareIds(b.id, a.id)));

  function attach(d: NotificationDeps): void {
    deps = d;
  }

  function insert(m: Message): boolean {
    if (items.value.some((x) => x.id === m.id)) return false;
    items.value.push(m);
    return true;
  }

  /** A `notification` frame. */
  function receive(m: Message): void {
    if (!insert(m)) return;
    if (!m.isRead) {
      unread.value++;
      bump();
      if (Date.now() - countedAt < RECONCILE_WINDOW_MS) scheduleReconcile();
    }
    const d = describeSystem(m);
    deps?.notify?.({ title: d.title, body: d.body, messageId: m.id });
  }

  async function load(): Promise<void> {
    if (!deps || loading.value) return;
    loading.value = true;
    try {
      const page = await deps.rest.systemList({ limit: PAGE });
      // A fresh first page replaces what we had (deleted elsewhere, read elsewhere).
      const keep = loaded.value ? items.value.filter((x) => page.items.length && compareIds(x.id, page.items[page.items.length - 1]!.id) < 0) : [];
      items.value = [...page.items, ...keep.filter((k) => !page.items.some((p) => p.id === k.id))];
      if (!loaded.value) hasMore.value = page.hasMore;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    if (!deps || !hasMore.value || loading.value) return;
    const oldest = sorted.value[sorted.value.length - 1];
    if (!oldest) return;
    loading.value = true;
    try {
      const page = await deps.rest.systemList({ limit: PAGE, before: oldest.id });
      for (const m of page.items) insert(m);
      hasMore.value = page.hasMore;
    } finally {
      loading.value = false;
    }
  }

  async function markRead(id: string): Promise<void> {
    const m = items.value.find((x) => x.id === id);
    if (!m || m.isRead || !deps) return;
    m.isRead = true;
    unread.value = Math.max(0, unread.value - 1);
    bump();
    try {
      await deps.rest.markSystemRead({ messageIds: [id] });
      bump(); // a count read while the request ran may predate it: it must be asked again
    } catch (e) {
      m.isRead = false;
      unread.value++;
      throw e;
    }
  }

  async function markAllRead(): Promise<void> {
    if (!deps) return;
    const before = items.value.filter((x) => !x.isRead);
    const count = unread.value;
    for (const m of before) m.isRead = true;
    unread.value = 0;
    bump();
    try {
      await deps.rest.markSystemRead({ all: true });
      bump(); // a count read while the request ran may predate it: it must be asked again
    } catch (e) {
      for (const m of before) m.isRead = false;
      unread.value = count;
      throw e;
    }
  }

  async function remove(id: string): Promise<void> {
    if (!deps) return;
    await deps.rest.deleteMessage(id);
    const m = items.value.find((x) => x.id === id);
    items.value = items.value.filter((x) => x.id !== id);
    if (m && !m.isRead) unread.value = Math.max(0, unread.value - 1);
    bump();
  }

  /**
   * The server's system count, from a request made when `epoch` was `since`. If the count changed here
   * meanwhile, the answer may be stale: ask the server again (a few times at most).
   */
  async function setUnreadFrom(n: number, since: number): Promise<void> {
    for (let attempt = 1; epoch.value !== since && attempt <= 3 && deps?.rest.unreadCount; attempt++) {
      since = epoch.value;
      n = (await deps.rest.unreadCount()).system;
    }
    setUnread(n);
  }

  function setUnread(n: number): void {
    unread.value = Math.max(0, n);
    countedAt = Date.now();
  }

  /** Ask the server for the count once the pushes of the moment have arrived (one request per burst). */
  function scheduleReconcile(): void {
    const rest = deps?.rest;
    if (reconcileTimer || !rest?.unreadCount) return;
    reconcileTimer = setTimeout(() => {
      reconcileTimer = undefined;
      const since = epoch.value;
      void rest
        .unreadCount!()
        .then((c) => setUnreadFrom(c.system, since))
        .catch(() => undefined);
    }, RECONCILE_DELAY_MS);
  }

  function reset(): void {
    clearTimeout(reconcileTimer);
    reconcileTimer = undefined;
    countedAt = Number.NEGATIVE_INFINITY;
    items.value = [];
    hasMore.value = false;
    loaded.value = false;
    unread.value = 0;
  }

  return { items, sorted, hasMore, loaded, loading, unread, epoch, attach, receive, load, loadMore, markRead, markAllRead, remove, setUnread, setUnreadFrom, reset };
});

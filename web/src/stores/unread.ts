/**
 * The chat unread count — its one source. Per peer (`of(id)`: the friend, conversation and window badges) and in
 * total (`total`: the top bar and the tab title); both derive from the same state. The server's counts replace the
 * local ones on every (re)connect; in between they move with what arrives and what is read here.
 *
 * A count answered just before a push arrives may already include the pushed message (stored and counted, then
 * pushed while the answer travelled): a push that soon after the counts were applied is re-checked with the server
 * a moment later (one request per burst).
 *
 * A read races the counts the other way: markRead goes out as a frame, and a count request sent after it may be
 * answered before the server has handled it (a Lambda per request: no order between them). Until the server
 * confirms the read (`conversationRead`, or the REST call's answer), an answer's count for that peer is not taken:
 * what this tab knows (0, plus what arrived since) stands.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { useChatStore } from './chat';
import { useConversationsStore } from './conversations';
import { clear, dict } from './dict';
import { useFriendsStore } from './friends';
import { useThreadsStore } from './threads';
import type { UnreadCounts } from '../types';

/** A push this soon after the server's counts were applied may already be in them: re-check (after a short delay). */
export const RECONCILE_WINDOW_MS = 5_000;
export const RECONCILE_DELAY_MS = 800;
const MAX_COUNT_ATTEMPTS = 3;

export const useUnreadStore = defineStore('unread', () => {
  const chat = useChatStore();
  const friends = useFriendsStore();
  const conversations = useConversationsStore();
  const threads = useThreadsStore();

  /** Unread messages per peer. */
  const byPeer = reactive(dict<number>());
  /**
   * What the server's total holds beyond the peers listed here (conversations past the first page of the list), as
   * of the last count: the total is the per-peer sum plus this. 0 when the list has no further page.
   */
  const elsewhere = ref(0);
  /** Moves whenever a count changes here; see refreshCounts. */
  let epoch = 0;
  /** When the server's counts were last applied, and the pending re-check. */
  let countsAt = Number.NEGATIVE_INFINITY;
  let reconcileTimer: ReturnType<typeof setTimeout> | undefined;
  /** Peers marked read here whose read the server has not confirmed yet. */
  const readsInFlight = new Set<string>();

  const of = (peerId: string) => byPeer[peerId] ?? 0;
  const total = computed(() => Math.max(0, Object.values(byPeer).reduce((a, b) => a + b, elsewhere.value)));

  function set(peerId: string, n: number): void {
    if (Math.max(0, n) !== of(peerId)) epoch++;
    byPeer[peerId] = Math.max(0, n);
  }

  /** A message from `peerId` arrived while the user wasn't looking. */
  function arrived(peerId: string): void {
    set(peerId, of(peerId) + 1);
    // Counts answered just before this push may already include it: check with the server once the pushes of the
    // moment are in.
    if (chat.now() - countsAt < RECONCILE_WINDOW_MS) scheduleReconcile();
  }

  /** Unread counts from the server: the total, and per peer from the friend and conversation lists. */
  function applyCounts(counts: UnreadCounts): void {
    const perPeer = dict<number>();
    for (const c of Object.values(conversations.byPeer)) perPeer[c.peerId] = c.unreadCount;
    for (const f of Object.values(friends.friends)) perPeer[f.userId] = f.unreadCount;
    // The total and the two lists are three requests, answered at three moments: their difference is unread in
    // conversations the list did not show — and only that. With every conversation listed there is none, whatever
    // the total says (a message stored between the answers would otherwise stay counted after it is read).
    elsewhere.value = conversations.hasMore ? Math.max(0, counts.chat - Object.values(perPeer).reduce((a, b) => a + b, 0)) : 0;
    // A read the server has not handled yet may still be counted in the answer: this tab's count for that peer stands.
    for (const peer of readsInFlight) perPeer[peer] = of(peer);
    clear(byPeer);
    Object.assign(byPeer, perPeer);
    countsAt = chat.now();
  }

  function scheduleReconcile(): void {
    if (reconcileTimer) return;
    reconcileTimer = setTimeout(() => {
      reconcileTimer = undefined;
      void refreshCounts().catch(() => undefined);
    }, RECONCILE_DELAY_MS);
  }

  /**
   * Fresh counts from the server (with the friend and conversation lists they come from). A count that changed here
   * while the request was in flight (a pushed message, a read in another tab) may or may not be in the answer, so
   * such an answer is not trusted: ask again (a few times at most; the last answer wins).
   */
  async function refreshCounts(): Promise<UnreadCounts> {
    for (let attempt = 1; ; attempt++) {
      const before = epoch;
      const [counts] = await Promise.all([chat.deps().rest.unreadCount(), friends.refresh(), conversations.refresh()]);
      if (before === epoch || attempt >= MAX_COUNT_ATTEMPTS) {
        applyCounts(counts);
        return counts;
      }
    }
  }

  /** The conversation is read (here, or in another tab: a `conversationRead` frame, which also confirms ours). */
  function applyRead(peerId: string, confirmed = true): void {
    if (confirmed) {
      readsInFlight.delete(peerId);
      // The server handled a read: a count answered meanwhile may or may not include it, even when the count here
      // was 0 already, so an answer in flight is not trusted (refreshCounts asks again). A read of our own needs no
      // such retry: while it is in flight the answer's count for that peer is not taken anyway.
      epoch++;
    }
    set(peerId, 0);
    threads.readByMe(peerId);
    conversations.readByMe(peerId);
  }

  /** Mark a conversation read (frame when connected, REST otherwise). `force`: even if nothing looks unread here. */
  function markRead(peerId: string, force = false): void {
    const t = threads.threads[peerId];
    // Its first page is on its way (and is marked read when it lands): reading now would clear the unread state
    // the "New messages" line is placed by, and could make that page come back already read.
    if (t?.loading && !t.loaded) return;
    const hasUnread = of(peerId) > 0 || !!t?.items.some((x) => !chat.isMine(x) && !x.isRead);
    if (!hasUnread && !force) {
      if (t && chat.isActive(peerId)) t.unseen = false; // looked at, nothing new: no divider for what comes next
      return;
    }
    applyRead(peerId, false);
    readsInFlight.add(peerId);
    const deps = chat.deps();
    if (!deps.send({ action: 'markRead', peerId })) {
      void deps.rest.markConversationRead(peerId).then(
        () => readsInFlight.delete(peerId),
        () => readsInFlight.delete(peerId),
      );
    }
  }

  /** An unread message was deleted by its sender: it stops counting. A delete we can't place: ask the server. */
  function deleted(peerId: string, wasUnread: boolean | undefined): void {
    if (wasUnread) set(peerId, of(peerId) - 1);
    else if (wasUnread === undefined) void refreshCounts();
  }

  /** A new connection: reads sent on the old one were handled or lost; the server's next counts are the truth. */
  function reconnected(): void {
    readsInFlight.clear();
  }

  function reset(): void {
    clearTimeout(reconcileTimer);
    reconcileTimer = undefined;
    countsAt = Number.NEGATIVE_INFINITY;
    readsInFlight.clear();
    clear(byPeer);
    elsewhere.value = 0;
  }

  return { byPeer, elsewhere, of, total, arrived, applyCounts, refreshCounts, applyRead, markRead, deleted, reconnected, reset };
});

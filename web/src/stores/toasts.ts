/** Short-lived toasts (new message in a closed chat, a new system message, an error). */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface Toast {
  id: number;
  kind: 'chat' | 'system' | 'error' | 'info';
  title: string;
  body: string;
  /** Open this chat when clicked. */
  peerId?: string;
  /** Or go to this route. */
  route?: string;
}

export const TOAST_MS = 6000;
const MAX_TOASTS = 4;

export const useToastStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([]);
  let next = 1;
  const timers = new Map<number, ReturnType<typeof setTimeout>>();

  /** Show a toast. A chat toast from someone who already has one replaces it (newest text, full time again). */
  function show(t: Omit<Toast, 'id'>, ms = TOAST_MS): number {
    const same = t.kind === 'chat' && t.peerId ? toasts.value.find((x) => x.kind === 'chat' && x.peerId === t.peerId) : undefined;
    if (same) dismiss(same.id);
    const id = next++;
    toasts.value.push({ ...t, id });
    while (toasts.value.length > MAX_TOASTS) dismiss(toasts.value[0]!.id);
    timers.set(
      id,
      setTimeout(() => dismiss(id), ms),
    );
    return id;
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
    const timer = timers.get(id);
    if (timer) clearTimeout(timer);
    timers.delete(id);
  }

  /** That chat was opened: its toasts have done their job. */
  function dismissPeer(peerId: string): void {
    for (const t of toasts.value.filter((x) => x.peerId === peerId)) dismiss(t.id);
  }

  /** Sign-out: nothing of the last user stays on screen. */
  function clear(): void {
    for (const t of [...toasts.value]) dismiss(t.id);
  }

  return { toasts, show, dismiss, dismissPeer, clear };
});

/** Who is signed in, and the connection state the top bar shows. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Identity } from '../api/auth';
import type { ConnectionState } from '../api/socket';

export const useSessionStore = defineStore('session', () => {
  const me = ref<Identity | null>(null);
  const connection = ref<ConnectionState>('idle');
  /** When the next reconnect attempt starts (epoch ms), while one is scheduled. */
  const retryAt = ref<number | undefined>(undefined);
  const desktopPermission = ref<NotificationPermission | 'unsupported'>(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  /** Try to reconnect now instead of waiting for the next backoff step (set by the running session). */
  const reconnectNow = ref<(() => void) | null>(null);
  return { me, connection, retryAt, desktopPermission, reconnectNow };
});

/**
 * Wires one signed-in session together: the REST client, the socket client and the stores. Frames go to the
 * store that owns them; every (re)open runs the catch-up; browser events (online/offline, visibility) nudge the
 * socket and the read state. Returns `stop()` for sign-out.
 */
import type { Pinia } from 'pinia';
import { AuthError, type Auth } from './api/auth';
import { RestClient } from './api/rest';
import { SocketClient } from './api/socket';
import { notifyDesktop } from './lib/desktop';
import { navigate, route } from './router';
import { useChatStore } from './stores/chat';
import { useNotificationStore } from './stores/notifications';
import { usePresenceStore } from './stores/presence';
import { useSessionStore } from './stores/session';
import { useToastStore } from './stores/toasts';
import { useUploadsStore } from './stores/uploads';
import type { ServerFrame, WebConfig } from './types';

export interface RunningSession {
  rest: RestClient;
  socket: SocketClient;
  stop(): void;
}

/** For the e2e tests and debugging: the live session. */
declare global {
  interface Window {
    __parley?: RunningSession;
  }
}

export interface SessionOptions {
  /** The sign-in can't be renewed any more (the refresh token expired): the app goes back to the sign-in page. */
  onExpired?: () => void;
}

/** After this many failed handshakes in a row, get a fresh token before the next one (the old one may be refused). */
const RENEW_AFTER_FAILED_ATTEMPTS = 2;

export function startSession(config: WebConfig, auth: Auth, pinia: Pinia, opts: SessionOptions = {}): RunningSession {
  const session = useSessionStore(pinia);
  const chat = useChatStore(pinia);
  const presence = usePresenceStore(pinia);
  const notifications = useNotificationStore(pinia);
  const toasts = useToastStore(pinia);
  const me = auth.identity!;
  session.me = me;

  let expired = false;
  const lost = (err: unknown) => {
    if (err instanceof AuthError && !expired) {
      expired = true;
      queueMicrotask(() => opts.onExpired?.());
    }
  };
  const renew = () =>
    auth.renew().catch((err: unknown) => {
      lost(err);
      throw err;
    });
  // Renew each token shortly before it expires, in the background: REST calls then never wait for a renewal, and the
  // socket moves to a connection opened with the new token before the server would end the old one (contract v1.1:
  // a connection lives no longer than its token) — make-before-break, so nothing is lost and nothing flickers.
  // (`socket` is declared below; renewals start at the earliest one tick from now.)
  const stopRenewing = auth.keepFresh(lost, () => socket.renewConnection());
  const rest = new RestClient({ apiUrl: config.apiUrl, token: () => auth.token(), onUnauthorized: renew });
  const socket = new SocketClient({
    url: async () => {
      // A browser can't see why a handshake failed (401/403 look like any close): after a few failures in a row,
      // renew the token in case it is the token that is refused (e.g. the local stack restarted with a new key).
      if (socket.attempt >= RENEW_AFTER_FAILED_ATTEMPTS && socket.attempt % RENEW_AFTER_FAILED_ATTEMPTS === 0) await renew();
      const u = new URL(config.wsUrl);
      u.searchParams.set('token', await auth.token());
      return u.toString();
    },
  });

  chat.attach({
    me: me.userId,
    send: (f) => socket.send(f),
    rest,
    isVisible: () => document.visibilityState === 'visible',
    notify: (n) => {
      if (n.kind === 'error') {
        toasts.show({ kind: 'error', title: n.title, body: n.body });
        return;
      }
      if (!n.windowOpen) toasts.show({ kind: 'chat', title: n.title, body: n.body, peerId: n.peerId });
      notifyDesktop(n.title, n.body, `chat-${n.peerId}`, () => n.peerId && chat.openChat(n.peerId));
    },
  });
  useUploadsStore(pinia).attach({ rest });
  notifications.attach({
    rest,
    notify: (n) => {
      // On the notification centre the new item appears in the list itself: no toast on top of it.
      if (route.value !== '/notifications') toasts.show({ kind: 'system', title: n.title, body: n.body, route: '/notifications' });
      notifyDesktop(n.title, n.body, `sys-${n.messageId}`, () => navigate('/notifications'));
    },
  });

  const onFrame = (f: ServerFrame) => {
    if (f.type === 'notification') {
      notifications.receive(f.message);
      // A new friendship: the friends list (and presence) comes from the server.
      if (f.message.messageType === 'SYSTEM_FRIEND') void chat.refreshFriends().catch(() => undefined);
    } else chat.handleFrame(f);
  };

  const offs = [
    socket.on('frame', onFrame),
    socket.on('state', (s) => {
      session.connection = s;
      // Presence comes over this socket: without it, nobody's "online" can be trusted (re-read on the next open).
      if (s !== 'connected') presence.lost();
      if (s === 'connected' || s === 'closed' || s === 'offline') session.retryAt = undefined;
    }),
    socket.on('retry', ({ delayMs }) => (session.retryAt = Date.now() + delayMs)),
    // Opening a chat (from the lists, a toast or a desktop notification) retires that chat's toasts.
    chat.$onAction(({ name, args }) => {
      if (name === 'openChat') toasts.dismissPeer(args[0] as string);
    }),
    socket.on('open', () => {
      const since = notifications.epoch;
      void chat
        .onConnected()
        .then((counts) => notifications.setUnreadFrom(counts.system, since))
        .catch(() => undefined);
      if (notifications.loaded) void notifications.load().catch(() => undefined);
    }),
  ];

  const onOnline = () => socket.networkBack();
  const onOffline = () => socket.networkLost();
  const onVisibility = () => {
    if (document.visibilityState === 'visible') {
      socket.reconnectNow();
      chat.onVisible();
    }
  };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  document.addEventListener('visibilitychange', onVisibility);

  session.reconnectNow = () => socket.reconnectNow();

  // The socket's open loads lists and counts (and closes any gap). If it can't open soon, load them over REST anyway.
  socket.connect();
  const fallback = setTimeout(() => {
    if (socket.state !== 'connected') {
      const since = notifications.epoch;
      void chat
        .refreshCounts()
        .then((c) => notifications.setUnreadFrom(c.system, since))
        .catch(() => undefined);
    }
  }, 2500);

  const running: RunningSession = {
    rest,
    socket,
    stop() {
      clearTimeout(fallback);
      stopRenewing();
      for (const off of offs) off();
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      document.removeEventListener('visibilitychange', onVisibility);
      socket.close();
      chat.reset();
      notifications.reset();
      toasts.clear();
      session.me = null;
      session.connection = 'idle';
      session.retryAt = undefined;
      session.reconnectNow = null;
      if (window.__parley === running) delete window.__parley;
    },
  };
  window.__parley = running;
  return running;
}

/** Desktop notifications: only when the tab is hidden, and permission is asked only on a user gesture. */

export function desktopSupported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

/** Call from a click handler only. */
export async function askDesktopPermission(): Promise<NotificationPermission | 'unsupported'> {
  if (!desktopSupported()) return 'unsupported';
  if (Notification.permission !== 'default') return Notification.permission;
  return Notification.requestPermission();
}

/** Show one when the tab is hidden and permission was granted; clicking it focuses the tab. */
export function notifyDesktop(title: string, body: string, tag: string, onClick?: () => void): void {
  if (!desktopSupported() || Notification.permission !== 'granted' || document.visibilityState !== 'hidden') return;
  try {
    const n = new Notification(title, { body, tag, icon: '/favicon.svg' });
    n.onclick = () => {
      window.focus();
      onClick?.();
      n.close();
    };
  } catch {
    /* some browsers only allow notifications from a service worker */
  }
}

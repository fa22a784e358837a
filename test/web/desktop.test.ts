/**
 * Desktop notifications: shown only when the tab is hidden and the user allowed them; the permission prompt only
 * from askDesktopPermission (called from a click), never by showing a notification or starting a session.
 */
import { askDesktopPermission, notifyDesktop } from '../../web/src/lib/desktop';

class FakeNotification {
  static permission: NotificationPermission = 'default';
  static shown: FakeNotification[] = [];
  static requestPermission = jest.fn(async () => {
    FakeNotification.permission = 'granted';
    return 'granted' as NotificationPermission;
  });
  onclick: (() => void) | null = null;
  closed = false;
  constructor(
    readonly title: string,
    readonly options: NotificationOptions,
  ) {
    FakeNotification.shown.push(this);
  }
  close(): void {
    this.closed = true;
  }
}

let visibility: DocumentVisibilityState = 'visible';
beforeAll(() => {
  Object.defineProperty(window, 'Notification', { value: FakeNotification, configurable: true });
  Object.defineProperty(document, 'visibilityState', { get: () => visibility, configurable: true });
});
beforeEach(() => {
  FakeNotification.permission = 'default';
  FakeNotification.shown = [];
  FakeNotification.requestPermission.mockClear();
  visibility = 'visible';
});

test('nothing is shown, and nothing is asked, before the user allowed it', () => {
  visibility = 'hidden';
  notifyDesktop('Bob', 'hi', 'chat-bob');
  expect(FakeNotification.shown).toEqual([]);
  expect(FakeNotification.requestPermission).not.toHaveBeenCalled();
});

test('asking (from a click) prompts once; afterwards a hidden tab gets notifications, a visible one does not', async () => {
  expect(await askDesktopPermission()).toBe('granted');
  expect(await askDesktopPermission()).toBe('granted');
  expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1);

  notifyDesktop('Bob', 'visible tab', 'chat-bob');
  expect(FakeNotification.shown).toEqual([]);

  visibility = 'hidden';
  const opened: string[] = [];
  notifyDesktop('Bob', 'hidden tab', 'chat-bob', () => opened.push('bob'));
  expect(FakeNotification.shown.map((n) => [n.title, n.options.body, n.options.tag])).toEqual([['Bob', 'hidden tab', 'chat-bob']]);
  const focus = jest.spyOn(window, 'focus').mockImplementation(() => undefined);
  FakeNotification.shown[0]!.onclick!();
  expect(focus).toHaveBeenCalled(); // clicking it brings the tab forward…
  expect(opened).toEqual(['bob']); // …and opens that chat
  expect(FakeNotification.shown[0]!.closed).toBe(true);
});

test('a denied permission is respected (no prompt again, nothing shown)', async () => {
  FakeNotification.permission = 'denied';
  expect(await askDesktopPermission()).toBe('denied');
  visibility = 'hidden';
  notifyDesktop('Bob', 'x', 't');
  expect(FakeNotification.requestPermission).not.toHaveBeenCalled();
  expect(FakeNotification.shown).toEqual([]);
});

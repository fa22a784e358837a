/** Toasts: they go away by themselves, at most four at once, and one per chat partner (the newest message). */
import { createPinia, setActivePinia } from 'pinia';
import { TOAST_MS, useToastStore } from '../../web/src/stores/toasts';

beforeEach(() => {
  jest.useFakeTimers();
  setActivePinia(createPinia());
});
afterEach(() => jest.useRealTimers());

test('a toast disappears after its time, and can be dismissed earlier', () => {
  const toasts = useToastStore();
  const a = toasts.show({ kind: 'system', title: 'Achievement', body: 'x' });
  toasts.show({ kind: 'info', title: 'Other', body: 'y' });
  toasts.dismiss(a);
  expect(toasts.toasts.map((t) => t.title)).toEqual(['Other']);
  jest.advanceTimersByTime(TOAST_MS);
  expect(toasts.toasts).toEqual([]);
});

test('at most four at once: the oldest goes first', () => {
  const toasts = useToastStore();
  for (const n of [1, 2, 3, 4, 5]) toasts.show({ kind: 'system', title: `n${n}`, body: '' });
  expect(toasts.toasts.map((t) => t.title)).toEqual(['n2', 'n3', 'n4', 'n5']);
});

test("several messages from one friend keep one toast with the newest text, and it stays its full time", () => {
  const toasts = useToastStore();
  toasts.show({ kind: 'chat', title: 'Bob', body: 'one', peerId: 'bob' });
  toasts.show({ kind: 'chat', title: 'Carol', body: 'hi', peerId: 'carol' });
  jest.advanceTimersByTime(TOAST_MS - 1000);
  toasts.show({ kind: 'chat', title: 'Bob', body: 'two', peerId: 'bob' });
  expect(toasts.toasts.map((t) => [t.title, t.body])).toEqual([
    ['Carol', 'hi'],
    ['Bob', 'two'],
  ]);
  jest.advanceTimersByTime(1000);
  expect(toasts.toasts.map((t) => t.body)).toEqual(['two']);
  jest.advanceTimersByTime(TOAST_MS);
  expect(toasts.toasts).toEqual([]);
});

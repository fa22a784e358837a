/** A tiny hash router: `#/` (chats) and `#/notifications`. */
import { ref } from 'vue';

export type Route = '/' | '/notifications';

function parse(): Route {
  const h = location.hash.replace(/^#/, '') || '/';
  return h.startsWith('/notifications') ? '/notifications' : '/';
}

export const route = ref<Route>(typeof location === 'undefined' ? '/' : parse());

if (typeof window !== 'undefined') window.addEventListener('hashchange', () => (route.value = parse()));

export function navigate(to: Route): void {
  if (parse() !== to) location.hash = to;
  route.value = to;
}

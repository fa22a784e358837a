/**
 * The drafts store (stores/drafts.ts): a chat's half-written message outlives its window (minimised, in the dock's
 * overflow, closed) and goes with the session.
 */
import { useDraftsStore } from '../../web/src/stores/drafts';
import { setup } from './chat-support';

test('a draft per conversation, kept until it is sent or emptied, and dropped on sign-out', () => {
  const { store } = setup();
  const drafts = useDraftsStore();
  drafts.set('bob', 'half a thought');
  drafts.set('carol', 'see you');
  expect([drafts.get('bob'), drafts.get('carol'), drafts.get('dave')]).toEqual(['half a thought', 'see you', '']);
  drafts.set('bob', '');
  expect(drafts.get('bob')).toBe('');
  // Signing out resets the chat stores (stores/chat.ts reset): the next user finds no draft of the last one.
  store.reset();
  expect(drafts.get('carol')).toBe('');
});

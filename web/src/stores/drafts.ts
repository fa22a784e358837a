/**
 * Unsent composer text per conversation, for the session: a chat window's draft outlives the window — minimised,
 * pushed into the dock's overflow menu or closed, it is there again when the window comes back. Cleared on sign-out.
 */
import { defineStore } from 'pinia';
import { reactive } from 'vue';
import { clear, dict } from './dict';

export const useDraftsStore = defineStore('drafts', () => {
  const text = reactive(dict<string>());

  const get = (peerId: string): string => text[peerId] ?? '';
  function set(peerId: string, value: string): void {
    if (value) text[peerId] = value;
    else delete text[peerId];
  }
  const reset = () => clear(text);

  return { get, set, reset };
});

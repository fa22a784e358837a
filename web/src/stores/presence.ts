/**
 * Whether friends' presence is known. Presence is pushed over our own socket (`presence` frames), so while that
 * socket is down nobody's "online" can be trusted: a friend who left meanwhile would still show as online. It is
 * known again only once the friends list (with presence) has been re-read over a connection that is still up.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export type Presence = 'online' | 'offline' | 'unknown';
/**
 * What the lists and chat windows say (the coloured dot is decorative; this text is what a screen reader hears):
 * i18n keys, `t(PRESENCE_KEY[p])` (renamed from PRESENCE_LABEL when it stopped holding English text).
 */
export const PRESENCE_KEY: Record<Presence, string> = { online: 'presence.online', offline: 'presence.offline', unknown: 'presence.unknown' };

export const usePresenceStore = defineStore('presence', () => {
  const known = ref(false);
  /** Moves on every loss, so a re-read that started before a loss doesn't vouch for the time after it. */
  let epoch = 0;

  /** Our socket is not connected (dropped, offline, signed out): presence is unknown from now on. */
  function lost(): void {
    epoch++;
    known.value = false;
  }

  /** A re-read starts (the socket just opened); call the result when its answer is applied. */
  function rereading(): () => void {
    const started = epoch;
    return () => {
      if (started === epoch) known.value = true;
    };
  }

  return { known, lost, rereading };
});

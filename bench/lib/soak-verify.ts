/** `npm run soak`: the checks after the run, through the REST API only — histories, resends, counters. */
import type { SoakClient, Stats } from './soak-client';
import type { SoakReport } from './soak-run';

const FIRST_ID = '00000000000000000000000000';

interface Msg {
  id: string;
  fromUserId: string | null;
  toUserId: string;
  content: string;
  isRead: boolean;
  clientMessageId: string | null;
  messageType: string;
}

async function historyOf(c: SoakClient): Promise<Msg[]> {
  const all: Msg[] = [];
  let after = FIRST_ID;
  for (;;) {
    const res = await c.rest('GET', `/api/messages/${c.peer}?after=${after}&limit=100`);
    if (res.status !== 200) throw new Error(`history of ${c.userId}: ${res.status}`);
    all.push(...res.body.items);
    if (!res.body.hasMore || res.body.items.length === 0) return all;
    after = res.body.items[res.body.items.length - 1].id;
  }
}

async function unreadSystem(c: SoakClient): Promise<number> {
  let n = 0;
  let before = '';
  for (;;) {
    const res = await c.rest('GET', `/api/messages/system/list?unreadOnly=true&limit=100${before}`);
    n += res.body.items.length;
    if (!res.body.hasMore) return n;
    before = `&before=${res.body.items[res.body.items.length - 1].id}`;
  }
}

export async function verifyPair(a: SoakClient, b: SoakClient, stats: Stats, verified: SoakReport['verified']): Promise<void> {
  const [ha, hb] = await Promise.all([historyOf(a), historyOf(b)]);
  const ids = (h: Msg[]) => h.map((m) => m.id);
  if (JSON.stringify(ids(ha)) !== JSON.stringify(ids(hb))) stats.violation(`${a.userId}/${b.userId}: the two histories differ`);
  for (const [who, h] of [
    [a.userId, ha],
    [b.userId, hb],
  ] as const) {
    const sorted = [...ids(h)].sort();
    if (JSON.stringify(sorted) !== JSON.stringify(ids(h))) stats.violation(`${who}: history not in id order`);
    if (new Set(ids(h)).size !== h.length) stats.violation(`${who}: a message id appears twice in the history`);
    const cmids = h.map((m) => `${m.fromUserId}|${m.clientMessageId}`);
    if (new Set(cmids).size !== cmids.length) stats.violation(`${who}: one clientMessageId stored twice`);
  }
  // Every acked message is there once, with its content; each sender's messages in ack order; nothing unknown.
  const byId = new Map(ha.map((m) => [m.id, m]));
  for (const sender of [a, b]) {
    const mine = ha.filter((m) => m.fromUserId === sender.userId);
    const pendingCmid = sender.inflight?.cmid;
    const stored = mine.filter((m) => m.clientMessageId !== pendingCmid); // an unacked last message may be stored
    if (JSON.stringify(stored.map((m) => m.id)) !== JSON.stringify(sender.acked.map((m) => m.id))) {
      const missing = sender.acked.filter((m) => !byId.has(m.id)).length;
      stats.violation(`${sender.userId}: history has ${stored.length} of its messages, ${sender.acked.length} were acked (${missing} missing), or out of ack order`);
    }
    for (const m of sender.acked) {
      const got = byId.get(m.id);
      if (got && got.content !== m.content) stats.violation(`${sender.userId}: ${m.id} stored with other content`);
    }
    verified.messagesInHistories += sender.acked.length;
  }
  verified.conversations++;

  // Counters equal what they count.
  for (const [me, h] of [
    [a, ha],
    [b, hb],
  ] as const) {
    const unreadChat = h.filter((m) => m.toUserId === me.userId && !m.isRead).length;
    const [counts, conversations, friends, system] = await Promise.all([
      me.rest('GET', '/api/messages/unread/count'),
      me.rest('GET', '/api/messages/conversations/list?limit=100'),
      me.rest('GET', '/api/friends'),
      unreadSystem(me),
    ]);
    const conv = conversations.body.items.find((c: { peerId: string }) => c.peerId === me.peer);
    const friend = friends.body.items.find((f: { userId: string }) => f.userId === me.peer);
    const checks: Array<[string, number, number]> = [
      ['unread/count chat', counts.body.chat, unreadChat],
      ['conversation unreadCount', conv?.unreadCount ?? 0, unreadChat],
      ['friends unreadCount', friend?.unreadCount ?? -1, unreadChat],
      ['unread/count system', counts.body.system, system],
      ['unread/count total', counts.body.total, unreadChat + system],
    ];
    for (const [what, got, want] of checks) {
      verified.counters++;
      if (got !== want) stats.violation(`${me.userId}: ${what} is ${got}, but ${want} are unread`);
    }
    const last = h[h.length - 1];
    if (last && conv?.lastMessage?.id !== last.id) stats.violation(`${me.userId}: conversation lastMessage is not the newest message`);
  }
}

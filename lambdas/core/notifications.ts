/**
 * System notifications and the friend graph, from the app's EventBridge events. Delivery is at-least-once, so
 * each (event id, recipient) pair is claimed with a conditional write in the same transaction as the message: a
 * redelivered event finds its pairs claimed and stores — and pushes — nothing new. An event whose detail does not fit throws InvalidEventError: it is
 * retried a bounded number of times and then lands in the dead-letter queue with the reason.
 */
import type { EventDetailType } from '../contract/event-types';
// Detail shapes after validation: inferred from the contract's schemas (lambdas/contract/events.ts).
import type { EventDetails } from '../contract/events';
import type { Message, Metadata, SystemMessageType } from '../contract/messages';
import { chunk } from './concurrency';
import { deliver, LOOKUP_BATCH, lookupConnections, pushAll, type DeliveryReport } from './delivery';
import type { Deps } from './deps';
import type { Connection } from './model';
import type { DeliveryConnections } from './ports';

/**
 * Recipients stored and pushed per step: one transaction's worth (the store commits (claim, message, counter) for
 * 33 recipients per TransactWriteItems). A step pushes what it stored before the next write starts, so a function
 * that dies at any write has pushed everything it stored, and the redelivery pushes exactly the rest. (A step of
 * several transactions would leave the ones committed before a failing one stored, claimed — and never pushed.)
 */
export const SYSTEM_CHUNK = 33;
/** Recipients whose connections are read in one lookup: whole chunks, within one BatchGetItem (100 keys). */
const LOOKUP_GROUP = Math.floor(LOOKUP_BATCH / SYSTEM_CHUNK) * SYSTEM_CHUNK;

/** The notification path stores system messages only (appendSystem), and changes the friend graph. */
type NotifyDeps = Omit<Deps, 'messages' | 'connections'> & { messages: Pick<Deps['messages'], 'appendSystem'>; connections: DeliveryConnections };

export class InvalidEventError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidEventError';
  }
}

export interface IncomingEvent {
  id: string;
  detailType: string;
  /** Event time (ISO, whole seconds). */
  time: string;
  detail: unknown;
}

export interface NotifyResult {
  stored: number;
  delivered: number;
}

interface Draft {
  to: string;
  type: SystemMessageType;
  content: string;
  metadata: Metadata;
}

export async function handleEvent<K extends EventDetailType>(
  deps: NotifyDeps,
  event: IncomingEvent & { detailType: K },
  detail: EventDetails[K],
): Promise<NotifyResult> {
  const drafts = await draftsFor(deps, event.detailType, detail);
  return storeAndPush(deps, event, drafts);
}

async function draftsFor(deps: NotifyDeps, type: EventDetailType, d: EventDetails[EventDetailType]): Promise<Draft[]> {
  switch (type) {
    case 'AchievementUnlocked': {
      const { userId, achievement } = d as EventDetails['AchievementUnlocked'];
      return [{ to: userId, type: 'SYSTEM_ACHIEVEMENT', content: `Achievement unlocked: ${achievement.name}`, metadata: { achievement } }];
    }
    case 'WorkPurchased': {
      const { sellerId, buyer, work, price } = d as EventDetails['WorkPurchased'];
      const who = buyer.name ?? buyer.id;
      return [
        {
          to: sellerId,
          type: 'SYSTEM_PURCHASE',
          content: `${who} bought "${work.title}" for ${price.amount} ${price.currency}`,
          metadata: { buyer, work, price },
        },
      ];
    }
    case 'UserFollowed': {
      const { userId, follower } = d as EventDetails['UserFollowed'];
      return [{ to: userId, type: 'SYSTEM_FOLLOW', content: `${follower.name ?? follower.id} started following you`, metadata: { follower } }];
    }
    case 'FriendshipCreated': {
      const { userIds } = d as EventDetails['FriendshipCreated'];
      const [a, b] = userIds;
      if (a === b) throw new InvalidEventError('FriendshipCreated needs two different users');
      // A Map of the detail's OWN entries: a user id like "constructor" must not find Object.prototype's members.
      const given = new Map(Object.entries((d as EventDetails['FriendshipCreated']).names ?? {}).filter(([u]) => u === a || u === b));
      await deps.friends.befriend(a, b, given);
      const known = await deps.friends.names([a, b]);
      const nameOf = (u: string) => given.get(u) ?? known.get(u) ?? u;
      // Contract v1.1: both users' connections hear of it at once (their friends lists follow live).
      await Promise.all([a, b].map((me) => {
        const other = me === a ? b : a;
        return deliver(deps, [me], { type: 'friendship', userId: other, status: 'created', name: nameOf(other) });
      }));
      return [a, b].map((me) => {
        const other = me === a ? b : a;
        return {
          to: me,
          type: 'SYSTEM_FRIEND' as const,
          content: `You and ${nameOf(other)} are now friends`,
          metadata: { friend: { id: other, name: nameOf(other) } },
        };
      });
    }
    case 'FriendshipRemoved': {
      const [a, b] = (d as EventDetails['FriendshipRemoved']).userIds;
      if (a === b) throw new InvalidEventError('FriendshipRemoved needs two different users');
      await deps.friends.unfriend(a, b);
      // Contract v1.1: both sides' lists, open windows and buttons follow at once.
      await Promise.all([
        deliver(deps, [a], { type: 'friendship', userId: b, status: 'removed' }),
        deliver(deps, [b], { type: 'friendship', userId: a, status: 'removed' }),
      ]);
      return [];
    }
    case 'TaskNotification': {
      const { userIds, task, content } = d as EventDetails['TaskNotification'];
      return [...new Set(userIds)].map((to) => ({
        to,
        type: 'SYSTEM_TASK' as const,
        content: content ?? `New task: ${task.title}`,
        metadata: { task },
      }));
    }
  }
}

async function storeAndPush(deps: NotifyDeps, event: IncomingEvent, drafts: Draft[]): Promise<NotifyResult> {
  if (drafts.length === 0) return { stored: 0, delivered: 0 };
  // Ids come from the clock (EventBridge times have whole seconds, too coarse to order by); exactly-once comes
  // from the (event, recipient) claims, not from the id.
  const when = deps.clock.now();
  const messages: Message[] = drafts.map((d) => ({
    id: deps.ids.next(when),
    fromUserId: null,
    toUserId: d.to,
    messageType: d.type,
    content: d.content,
    metadata: d.metadata,
    isRead: false,
    createdAt: new Date(when).toISOString(),
    clientMessageId: null,
    attachments: [],
  }));
  // Store and push chunk by chunk, so a function that dies mid-event has pushed what it stored; the redelivery
  // stores (and pushes) only the rest. Connections are read for a group of chunks at once (one BatchGetItem of up
  // to 99 users), right after the group's first chunk is stored: ⌈n/99⌉ lookups for n recipients, not n.
  let stored = 0;
  const report: DeliveryReport = { delivered: 0, gone: 0, failed: 0 };
  for (const group of chunk(messages, LOOKUP_GROUP)) {
    let live: Map<string, Connection[]> | undefined;
    for (const part of chunk(group, SYSTEM_CHUNK)) {
      const fresh = await deps.messages.appendSystem(event.id, part);
      stored += fresh.length;
      if (fresh.length === 0) continue;
      const lookup = live ?? (live = await lookupConnections(deps, group.map((m) => m.toUserId), report));
      await pushAll(deps, fresh.flatMap((m) => (lookup.get(m.toUserId) ?? []).map((conn) => ({ conn, frame: { type: 'notification' as const, message: m } }))), report);
    }
  }
  return { stored, delivered: report.delivered };
}

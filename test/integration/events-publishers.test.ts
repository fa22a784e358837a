/**
 * What a publisher sees through the local stack with the stock EventBridge client: only contract fields are
 * stored, over-long strings make the event a dead letter with the reason (and nothing is stored or pushed), and a
 * detail-type Parley does not know is a dead letter too, never silently dropped.
 */
import { api, sendEvent, uid } from '../support/clients';
import { useStack } from './session';

const session = useStack();

type DeadLetterBody = { items: { event: { id: string; 'detail-type': string }; reason: string; attempts: number }[] };

async function deadLetter(eventId: string) {
  await session.stack.drainEvents();
  const res = await fetch(`${session.stack.url}/_aws/events/dead-letters`);
  const body = (await res.json()) as DeadLetterBody;
  return body.items.find((d) => d.event.id === eventId);
}

describe('events: only contract fields, within the contract bounds', () => {
  it('drops extra fields (a 200 KB one inside achievement): the stored and pushed message holds the contract fields only', async () => {
    const user = uid('u');
    const c = await session.connect(user);
    const huge = 'x'.repeat(200 * 1024);

    const eventId = await sendEvent(session.stack, 'AchievementUnlocked', {
      userId: user,
      tracking: 'abc',
      achievement: { id: 'a1', name: 'First chat', description: 'Said hi', blob: huge },
    });
    const live = await c.next('notification');
    await session.stack.drainEvents();
    const list = await api(session.stack, user).get('/api/messages/system/list');

    const metadata = { achievement: { id: 'a1', name: 'First chat', description: 'Said hi' } };
    expect(live.message.metadata).toEqual(metadata);
    expect(list.body.items).toEqual([expect.objectContaining({ metadata })]);
    expect(await deadLetter(eventId)).toBeUndefined();
  });

  it('a task title over 200 characters is dead-lettered with the reason, and nobody is notified', async () => {
    const user = uid('u');
    const c = await session.connect(user);

    const eventId = await sendEvent(session.stack, 'TaskNotification', { userIds: [user], task: { id: 't1', title: 't'.repeat(201) } });

    expect(await deadLetter(eventId)).toMatchObject({ reason: 'TaskNotification: "task.title" must have at most 200 characters' });
    expect((await api(session.stack, user).get('/api/messages/system/list')).body.items).toEqual([]);
    expect(c.frames.filter((f) => f.type === 'notification')).toEqual([]);
  });

  it('content over 1,000 characters is dead-lettered with the reason', async () => {
    const user = uid('u');
    const eventId = await sendEvent(session.stack, 'TaskNotification', { userIds: [user], task: { id: 't1', title: 'T' }, content: 'c'.repeat(1001) });

    expect(await deadLetter(eventId)).toMatchObject({ reason: 'TaskNotification: "content" must have at most 1000 characters' });
    expect((await api(session.stack, user).get('/api/messages/system/list')).body.items).toEqual([]);
  });
});

describe('events: a detail-type Parley does not know', () => {
  it('is accepted by PutEvents (as AWS would) and kept as a dead letter naming the six detail-types', async () => {
    const user = uid('u');
    const eventId = await sendEvent(session.stack, 'AchievementUnlock', { userId: user, achievement: { id: 'a1', name: 'Typo' } });

    const dead = await deadLetter(eventId);

    expect(dead).toMatchObject({ event: { id: eventId, 'detail-type': 'AchievementUnlock' }, attempts: 0 });
    expect(dead?.reason).toBe(
      'no rule matches detail-type AchievementUnlock; Parley accepts: AchievementUnlocked, WorkPurchased, UserFollowed, FriendshipCreated, FriendshipRemoved, TaskNotification',
    );
    expect(session.stack.local.events.deadLetters.some((d) => d.event.id === eventId)).toBe(true);
    expect((await api(session.stack, user).get('/api/messages/system/list')).body.items).toEqual([]);
  });

  it('a known detail-type is not a dead letter', async () => {
    const user = uid('u');
    const eventId = await sendEvent(session.stack, 'UserFollowed', { userId: user, follower: { id: 'f1' } });

    expect(await deadLetter(eventId)).toBeUndefined();
    expect((await api(session.stack, user).get('/api/messages/system/list')).body.items).toHaveLength(1);
  });
});

/**
 * What a publisher sees through the local stack with the stock EventBridge client: only contract fields are
 * stored, over-long strings make the event a dead letter with the reason (and nothing is stored or pushed), and a
 * detail-type Parley does not know is a dead letter too, never silently dropped. Then the typed publisher client
 * (publishers/) on the stock client, and `npm run event` (local/publish.ts) built on it.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvalidEventError, publish, type ParleyEvent } from '../../publishers';
import { api, eventBridge, sendEvent, uid } from '../support/clients';
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

describe('the typed publisher client on the stock EventBridge client', () => {
  it('publishes 12 events (more than one PutEvents takes); each recipient is notified once', async () => {
    const users = Array.from({ length: 12 }, () => uid('p'));
    const c = await session.connect(users[0]);

    const out = await publish(
      eventBridge(session.stack),
      users.map((u) => ({ type: 'UserFollowed' as const, detail: { userId: u, follower: { id: 'f1', name: 'Finn' } } })),
      { busName: session.stack.eventBusName, source: 'test.publishers' },
    );
    await session.stack.drainEvents();

    expect(out).toHaveLength(12);
    expect(out.every((o) => o.eventId && o.attempts === 1)).toBe(true);
    expect((await c.next('notification')).message.content).toBe('Finn started following you');
    for (const u of [users[0], users[11]]) expect((await api(session.stack, u).get('/api/messages/system/list')).body.items).toHaveLength(1);
    const dead = session.stack.local.events.deadLetters.filter((d) => out.some((o) => o.eventId === d.event.id));
    expect(dead).toEqual([]);
  });

  it('refuses a bad detail before sending: nothing reaches the bus', async () => {
    const user = uid('p');
    const before = session.stack.local.events.deadLetters.length;

    const err = await publish(
      eventBridge(session.stack),
      [
        { type: 'UserFollowed', detail: { userId: user, follower: { id: 'f1' } } },
        { type: 'TaskNotification', detail: { userIds: [user], task: { id: 't', title: 't'.repeat(201) } } },
      ],
      { busName: session.stack.eventBusName },
    ).catch((e: unknown) => e);
    await session.stack.drainEvents();

    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as InvalidEventError).reason).toBe('"task.title" must have at most 200 characters');
    expect((await api(session.stack, user).get('/api/messages/system/list')).body.items).toEqual([]);
    expect(session.stack.local.events.deadLetters.length).toBe(before);
  });
});

describe('PutEvents size limit, counted as AWS counts it', () => {
  /** A FriendshipCreated of about 100 KB as AWS counts it, and about twice that as request JSON (every '"' escaped twice). */
  function bigFriendship(a: string, b: string): ParleyEvent {
    const names = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`x${i}`, '"'.repeat(48)]));
    return { type: 'FriendshipCreated', detail: { userIds: [a, b], names } };
  }

  it('takes two 100 KB entries in one request even though the request body is over 256 KB (the typed client batches them together)', async () => {
    const [a, b, c] = [uid('big'), uid('big'), uid('big')];

    const out = await publish(eventBridge(session.stack), [bigFriendship(a, b), bigFriendship(a, c)], { busName: session.stack.eventBusName });
    await session.stack.drainEvents();

    expect(out.map((o) => o.attempts)).toEqual([1, 1]);
    const friends = (await api(session.stack, a).get('/api/friends')).body.items.map((f: { userId: string }) => f.userId);
    expect(friends.sort()).toEqual([b, c].sort());
  });

  it('refuses a request whose entries total over 256 KB', async () => {
    const Entries = [0, 1, 2].map(() => {
      const e = bigFriendship(uid('big'), uid('big'));
      return { Source: 's', DetailType: e.type, Detail: JSON.stringify(e.detail), EventBusName: session.stack.eventBusName };
    });

    await expect(eventBridge(session.stack).send(new PutEventsCommand({ Entries }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

const REPO_ROOT = path.join(__dirname, '..', '..');
const TSX_CLI = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** `npm run event -- ...args` against the test stack. */
function runEvent(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX_CLI, 'local/publish.ts', '--bus', session.stack.eventBusName, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, PARLEY_EVENTS_ENDPOINT: `${session.stack.url}/_aws/events` } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run event', () => {
  it('publishes a valid event and prints its EventId', async () => {
    const user = uid('cli');

    const run = await runEvent('UserFollowed', JSON.stringify({ userId: user, follower: { id: 'f1', name: 'Finn' } }));
    await session.stack.drainEvents();

    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^[0-9a-f-]{36}\n$/) });
    expect((await api(session.stack, user).get('/api/messages/system/list')).body.items).toHaveLength(1);
  });

  it('exits 1 with the reason on a bad detail, and sends nothing', async () => {
    const dead = session.stack.local.events.deadLetters.length;

    const run = await runEvent('AchievementUnlocked', '{"userId":"bob"}');
    await session.stack.drainEvents();

    expect(session.stack.local.events.deadLetters.length).toBe(dead);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('invalid AchievementUnlocked event, not sent: "achievement" is required');
  });

  it('exits 1 with the reason on an unknown detail-type', async () => {
    const run = await runEvent('AchievementUnlock', '{"userId":"bob"}');

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown detail-type AchievementUnlock; Parley accepts: AchievementUnlocked');
  });

  it('--raw sends a bad detail unvalidated, and Parley dead-letters it with the reason', async () => {
    const run = await runEvent('AchievementUnlocked', '{"userId":"bob"}', '--raw');
    const eventId = run.stdout.trim();

    expect(run.code).toBe(0);
    expect(await deadLetter(eventId)).toMatchObject({ reason: 'AchievementUnlocked: "achievement" is required' });
  });

  it('reports a per-entry failure (no such bus) and exits 1', async () => {
    const run = await runEvent('UserFollowed', '{"userId":"bob","follower":{"id":"f"}}', '--bus', 'nope');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('failed: UserFollowed: ResourceNotFoundException: Event bus nope does not exist.');
  });
});

/** `npm run soak`: what the soak runs against — a stack started in this process, or a running loopback `npm start`. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { sendEvent } from '../../test/support/clients';
import type { TestStack } from '../../test/support/stack';

export interface SoakTarget {
  url: string;
  wsUrl: string;
  token(userId: string): Promise<string>;
  /** Make two users friends and resolve once both see it. */
  befriend(a: string, b: string): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** A local stack started in this process (the test harness): its dev issuer, and friendships through its event bus. */
export function stackTarget(stack: TestStack): SoakTarget {
  return {
    url: stack.url,
    wsUrl: stack.wsUrl,
    token: (u) => stack.token(u),
    befriend: async (a, b) => {
      await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b] });
      await stack.drainEvents();
    },
  };
}

/** A target for a running local stack at `url` (its dev issuer and PutEvents endpoint). */
export function remoteTarget(url: string, busName = 'parley'): SoakTarget {
  const base = new URL(url);
  if (!LOOPBACK.has(base.hostname)) throw new Error(`the soak only runs against a loopback stack, not ${base.hostname}`);
  const origin = base.origin;
  const events = new EventBridgeClient({ endpoint: `${origin}/_aws/events`, region: 'us-east-1', credentials: { accessKeyId: 'soak', secretAccessKey: 'soak' } });
  const token = async (userId: string) => {
    const res = await fetch(`${origin}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
    if (res.status !== 200) throw new Error(`POST /dev/token: ${res.status}`);
    return ((await res.json()) as { token: string }).token;
  };
  return {
    url: origin,
    wsUrl: `${origin.replace(/^http/, 'ws')}/ws`,
    token,
    async befriend(a, b) {
      const out = await events.send(
        new PutEventsCommand({ Entries: [{ Source: 'parley.soak', DetailType: 'FriendshipCreated', Detail: JSON.stringify({ userIds: [a, b] }), EventBusName: busName }] }),
      );
      if (out.FailedEntryCount) throw new Error(`PutEvents failed: ${out.Entries?.[0]?.ErrorMessage}`);
      const t = await token(a);
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${origin}/api/friends`, { headers: { authorization: `Bearer ${t}` } });
        const body = (await res.json()) as { items?: { userId: string }[] };
        if (body.items?.some((f) => f.userId === b)) return;
        await sleep(100);
      }
      throw new Error(`${a} and ${b} did not become friends`);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

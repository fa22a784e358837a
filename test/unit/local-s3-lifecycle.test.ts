/**
 * The local uploads lifecycle (local/s3/lifecycle.ts) with the wiring's rules and an injected clock: raw uploads and
 * files still tagged `parley-unsent=true` go after 24 h; sent files (tag removed) and younger objects stay; a sweep
 * runs at start and then on its interval.
 */
import { UPLOADS_LIFECYCLE } from '../../lib/wiring';
import { startLifecycle, sweepLifecycle } from '../../local/s3/lifecycle';
import { memoryStore, type ObjectStore } from '../../local/s3/store';

const BUCKET = 'parley-uploads';
const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);
const HOUR = 3600_000;

async function put(store: ObjectStore, key: string, tags?: Record<string, string>) {
  const w = store.writer(BUCKET, key);
  await w.write(Buffer.from('x'));
  await w.commit({ contentType: 'image/png', metadata: {}, ...(tags ? { tags } : {}) });
}

async function world() {
  let clock = T0;
  const store = memoryStore(() => new Date(clock));
  await put(store, 'uploads/alice/att_old');
  await put(store, 'files/att_unsent/image', { 'parley-unsent': 'true' });
  await put(store, 'files/att_sent/image');
  await put(store, 'files/att_sent2/image', { other: 'tag' });
  return { store, set: (ms: number) => (clock = ms) };
}

const keys = async (store: ObjectStore) => (await store.list(BUCKET)).map((o) => o.key).sort();

it('nothing is younger than 24 h: nothing goes', async () => {
  const { store } = await world();
  expect(await sweepLifecycle(store, BUCKET, UPLOADS_LIFECYCLE, new Date(T0 + 24 * HOUR))).toEqual([]);
  expect(await keys(store)).toHaveLength(4);
});

it('after 24 h: the raw upload and the unsent file go; sent files stay; a later upload stays', async () => {
  const { store, set } = await world();
  set(T0 + 23 * HOUR);
  await put(store, 'uploads/bob/att_new');
  const deleted = await sweepLifecycle(store, BUCKET, UPLOADS_LIFECYCLE, new Date(T0 + 24 * HOUR + 1));
  expect(deleted.sort()).toEqual(['files/att_unsent/image', 'uploads/alice/att_old']);
  expect(await keys(store)).toEqual(['files/att_sent/image', 'files/att_sent2/image', 'uploads/bob/att_new']);
});

it('runs at start and then every interval, on the injected clock', async () => {
  jest.useFakeTimers();
  try {
    const { store } = await world();
    let now = T0 + 25 * HOUR;
    const swept: string[][] = [];
    const runner = startLifecycle({ store, bucket: BUCKET, rules: UPLOADS_LIFECYCLE, now: () => new Date(now), intervalMs: HOUR, onSwept: (d) => swept.push(d) });
    await jest.advanceTimersByTimeAsync(0);
    expect(swept).toHaveLength(1);
    expect(swept[0].sort()).toEqual(['files/att_unsent/image', 'uploads/alice/att_old']);
    await put(store, 'files/att_later/thumb', { 'parley-unsent': 'true' });
    now += 30 * HOUR;
    await jest.advanceTimersByTimeAsync(HOUR);
    expect(swept[1]).toEqual(['files/att_later/thumb']);
    runner.stop();
  } finally {
    jest.useRealTimers();
  }
});

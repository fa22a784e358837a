/**
 * `npm run bench:scale` — the scale model (issue #15, part 3): for 10k / 100k / 1M connected users, the demand on
 * each AWS quota and which one breaks first, the hottest DynamoDB keys, the monthly bill, and the reconnect storm
 * after a regional blip. Per-action figures come from bench/results/calls.json (`npm run bench:calls`) when it
 * exists, else from the fallback table in bench/lib/scale-profile.ts; the output says which. Prices and Lambda
 * durations: bench/prices.json. Profile and quotas (with their sources): bench/lib/scale-profile.ts.
 * Prints Markdown tables (docs/SCALE.md pastes them) and writes bench/results/scale.json. Runs in a few seconds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Prices } from './lib/cost';
import { adjustedFigures, figuresFrom, firstToBreak, hotKeys, lambdaMs, loadPerUserHour, monthlyBill, quotaRows, simulateStorm, type CallsFile } from './lib/scale';
import { PARTITION_LIMITS, PER_FRIEND, PROFILE, QUOTAS, SCALES, STORM_PROMPT_RETRY_PER_SECOND, STORM_QUOTAS, TYPING_FIGURES } from './lib/scale-profile';

const dir = __dirname;
const k = (n: number) => (n >= 1e6 ? `${+(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)}k` : `${+n.toFixed(n < 10 ? 2 : 0)}`);
const pct = (x: number) => (x >= 10 ? `${Math.round(x * 100).toLocaleString('en')} %` : x >= 0.01 ? `${(x * 100).toFixed(1)} %` : `${(x * 100).toFixed(2)} %`);
const usd = (n: number) => `$${n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(2)}`;
const secs = (s: number) => (Number.isNaN(s) ? '> 4 h' : !Number.isFinite(s) ? 'never: steady traffic already exceeds the quota' : s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

function main(): void {
  const t0 = Date.now();
  const callsFile = path.join(dir, 'results', 'calls.json');
  const calls = fs.existsSync(callsFile) ? (JSON.parse(fs.readFileSync(callsFile, 'utf8')) as CallsFile) : undefined;
  const src = figuresFrom(calls);
  const prices = JSON.parse(fs.readFileSync(path.join(dir, 'prices.json'), 'utf8')) as Prices;
  const p = PROFILE;
  const h = p.perConnectedUserHour;
  const load = loadPerUserHour(src, p, prices);

  console.log('# Parley scale model (npm run bench:scale)\n');
  console.log(`Per-action figures: ${src.source}`);
  console.log(`Typing (not measured by bench:calls): ${JSON.stringify(TYPING_FIGURES)} — docs/DATA.md estimate`);
  console.log(`connect/disconnect + ${PER_FRIEND.queriesPerFriend} connection lookup (BatchGetItem) per friend beyond the measured one (PER_FRIEND in bench/lib/scale-profile.ts)`);
  console.log(`Prices and Lambda billed ms: bench/prices.json (${prices.region}, checked ${prices.checked}). Profile and quotas: bench/lib/scale-profile.ts\n`);
  console.log(
    `Profile, per connected user per hour: ${h.sendMessage} messages sent, ${h.markRead} markRead, ${h.typing} typing frames, ${h.connect} connects (token renewal + sessions), ` +
      `${h.historyPage} history pages, ${h.conversationList} conversation list, ${h.unreadCount} unread count, ${h.notify1} notifications received; ` +
      `${p.tabsPerUser} tabs, a ping every ${p.pingIntervalSeconds} s per tab; ${p.friendsPerUser.mean} friends (p99 ${p.friendsPerUser.p99}), ${pct(p.friendsOnlineFraction)} online; ` +
      `${p.tasks1000PerHourPer10kUsers} task of 1,000 recipients per hour per 10k users (${pct(p.taskRecipientsOnlineFraction)} online); average/peak ${p.averageToPeak}.`,
  );
  console.log(
    `\nOne connected user-hour: ${k(load.ddbRequests)} DynamoDB requests, ${k(load.rru)} RRU, ${k(load.wru)} WRU, ${k(load.postToConnection)} PostToConnection, ` +
      `${k(load.wsFramesIn)} frames in, ${k(load.httpRequests)} HTTP requests, ${k(load.lambdaInvocations)} Lambda invocations (${load.lambdaSeconds.toFixed(2)} billed s).\n`,
  );

  // ---- quotas
  const byScale = SCALES.map((u) => quotaRows(load, u));
  console.log('## Demand vs quota (rate, utilisation)\n');
  console.log(row(['quota', 'limit', ...SCALES.map((u) => `${k(u)} users`), 'reached at']));
  console.log(row(['---', '---:', ...SCALES.map(() => '---:'), '---:']));
  QUOTAS.forEach((q, i) => {
    const r0 = byScale[0][i];
    console.log(row([q.name, `${q.limit.toLocaleString('en')} ${q.unit}`, ...byScale.map((rs) => `${k(rs[i].rate)} (${pct(rs[i].utilisation)})`), `${k(r0.breaksAtUsers)} users`]));
  });
  console.log('');
  const first = SCALES.map((u, i) => ({ users: u, ...firstToBreak(byScale[i]) }));
  for (const f of first) {
    console.log(
      f.broken
        ? `- ${k(f.users)} users: BROKEN — ${f.brokenRows.map((r) => `${r.quota.name} (${pct(r.utilisation)})`).join('; ')}. First to break: ${f.row.quota.name}.`
        : `- ${k(f.users)} users: nothing broken; nearest ${f.row.quota.name} at ${pct(f.row.utilisation)}.`,
    );
  }
  const soft = byScale[0].find((x) => x.quota.soft);
  if (soft) console.log(`- soft: ${soft.quota.name} — passed from ${k(soft.breaksAtUsers)} users: pre-warm the table before a launch at that size.`);
  const awsOnly = firstToBreak(byScale[0].filter((r) => !r.quota.key.startsWith('parley')));
  console.log(`- AWS quotas only (Parley's stage throttle raised): first reached is ${awsOnly.row.quota.name}, at ${k(awsOnly.row.breaksAtUsers)} users.`);

  // ---- hot keys
  console.log('\n## Hot keys (DynamoDB per-partition limit: 1,000 WCU / 3,000 RCU)\n');
  const hot = SCALES.map((u) => ({ u, h: hotKeys(src, p, prices, u, { notifyConcurrency: 10 }), hAll: hotKeys(src, p, prices, u) }));
  console.log(row(['key', ...SCALES.map((u) => `${k(u)} users`)]));
  console.log(row(['---', ...SCALES.map(() => '---')]));
  console.log(row(["popular user's online friends", ...hot.map(({ h }) => k(h.popularUser.friendsOnline))]));
  console.log(row(["popular user's list partition (USER#u in sideLo/sideHi: one key move per inbound message), profile: inbound msg/s → WRU/s", ...hot.map(({ h }) => `${k(h.popularUser.inboundPerSecond)} → ${k(h.popularUser.counterWru)} (${pct(h.popularUser.counterUtilisation)})`)]));
  console.log(row(['… worst case: every online friend at the send limit (3 msg/s)', ...hot.map(({ h }) => `${k(h.popularUser.worstInboundPerSecond)} msg/s (${pct(h.popularUser.worstCounterUtilisation)})`)]));
  console.log(row(['… that partition tops out at (inbound msg/s; the popular user is lo in some pairs, hi in others, so two partitions share it)', ...hot.map(({ h }) => k(h.popularUser.counterMaxInboundPerSecond))]));
  console.log(row(["… presence pushes per connect of the popular user", ...hot.map(({ h }) => k(h.popularUser.presencePushesPerConnect))]));
  console.log(row(['busy conversation: CONV#a#b and PAIR#a#b, each (both at the send limit): WRU/s', ...hot.map(({ h }) => `${k(h.busyConversation.wru)} (${pct(h.busyConversation.utilisation)})`)]));
  console.log(row(['1,000-recipient task: per task requests / WRU / pushes', ...hot.map(({ h }) => `${k(h.task1000.requests)} / ${k(h.task1000.wru)} / ${k(h.task1000.pushes)}`)]));
  console.log(row(['… tasks per second (profile)', ...hot.map(({ h }) => h.task1000.tasksPerSecond.toFixed(3))]));
  console.log(row(['… one task fan-out time', ...hot.map(({ h }) => secs(h.task1000.fanOutSeconds))]));
  console.log(row(['… 1,000 tasks at once, reservedConcurrency=true (10)', ...hot.map(({ h }) => `${secs(h.task1000.campaignSeconds)} (${h.task1000.campaignBound})`)]));
  console.log(row(['… 1,000 tasks at once, account pool', ...hot.map(({ hAll }) => `${secs(hAll.task1000.campaignSeconds)} (${hAll.task1000.campaignBound})`)]));

  // ---- bill
  console.log('\n## Monthly bill (list prices, us-east-1, on-demand, no free tier)\n');
  const bills = SCALES.map((u) => monthlyBill(src, p, prices, u));
  console.log(row(['', ...SCALES.map((u) => `${k(u)} peak users`)]));
  console.log(row(['---', ...SCALES.map(() => '---:')]));
  console.log(row(['connected user-hours / month', ...bills.map((b) => k(b.connectedUserHours))]));
  for (const line of ['dynamodb', 'apiGateway', 'lambda', 'eventBridge', 'logs'] as const) console.log(row([line, ...bills.map((b) => usd(b.usd[line]))]));
  console.log(row(['**total**', ...bills.map((b) => `**${usd(b.usd.total)}**`)]));
  console.log(row(['per connected user-hour', ...bills.map((b) => `$${(b.usd.total / b.connectedUserHours).toFixed(5)}`)]));

  // ---- storm
  console.log('\n## Reconnect storm: every client dropped at t = 0, reconnecting with web/src/api/backoff.ts (1 s base, 10 s cap, equal jitter)\n');
  const connect = adjustedFigures(src, p).connect;
  console.log(
    `Each accepted connect: ${k(connect.requests)} DynamoDB requests, ${k(connect.rcu)} RRU, ${k(connect.postToConnection)} presence pushes (profile friends; fewer of them are online during a storm).\n`,
  );
  console.log(row(['clients', 'new-connection quota', '50 % back', '99 % back', '100 % back', 'peak attempts/s', 'attempts', 'refused (wasted)', 'connect RRU/s at the accepted peak (of 40k table quota)', 'presence pushes/s (of the 10k account throttle)']));
  console.log(row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  const storms = [];
  for (const clients of SCALES) {
    for (const quota of STORM_QUOTAS) {
      const s = simulateStorm({ clients, quotaPerSecond: quota });
      const peakAccepted = Math.max(...s.acceptedPerSecond);
      storms.push({ clients, quota, t50: s.t50, t99: s.t99, t100: s.t100, peakAttemptsPerSecond: s.peakAttemptsPerSecond, attempts: s.attempts, refused: s.refused, peakAcceptedPerSecond: peakAccepted });
      console.log(
        row([k(clients), `${quota.toLocaleString('en')}/s`, secs(s.t50), secs(s.t99), secs(s.t100), k(s.peakAttemptsPerSecond), k(s.attempts), k(s.refused), `${k(peakAccepted * connect.rcu)} (${pct((peakAccepted * connect.rcu) / 40_000)})`,
          `${k(peakAccepted * connect.postToConnection)} (${pct((peakAccepted * connect.postToConnection) / 10_000)})`,
        ]),
      );
    }
  }

  const connectMs = lambdaMs('wsAuthorizer', prices, p) + lambdaMs('wsConnect', prices, p);
  console.log(
    `\nLambda during a storm: ${STORM_QUOTAS.map((q) => `${q.toLocaleString('en')} connects/s × ${connectMs} ms (authorizer + $connect) ≈ ${Math.ceil((q * connectMs) / 1000)} concurrent executions`).join('; ')} — ` +
      'within the 1,000 environments per 10 s each function may add, and the 1,000 account default.',
  );
  console.log(
    `\nThe same storms with ${pct(STORM_PROMPT_RETRY_PER_SECOND)} of the waiting clients per second retrying at once (a tab made visible: reconnectNow(), attempt count kept):\n`,
  );
  console.log(row(['clients', 'new-connection quota', '50 % back', '99 % back', '100 % back', 'attempts', 'refused (wasted)']));
  console.log(row(['---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  const prompted = [];
  for (const clients of SCALES) {
    for (const quota of STORM_QUOTAS) {
      const s = simulateStorm({ clients, quotaPerSecond: quota, promptRetryPerSecond: STORM_PROMPT_RETRY_PER_SECOND });
      prompted.push({ clients, quota, t50: s.t50, t99: s.t99, t100: s.t100, attempts: s.attempts, refused: s.refused });
      console.log(row([k(clients), `${quota.toLocaleString('en')}/s`, secs(s.t50), secs(s.t99), secs(s.t100), k(s.attempts), k(s.refused)]));
    }
  }

  console.log('\n## Sources\n');
  for (const q of QUOTAS) console.log(`- ${q.name}: ${q.limit.toLocaleString('en')} ${q.unit}, adjustable: ${q.adjustable}. ${q.source}`);
  console.log(`- DynamoDB per partition: ${PARTITION_LIMITS.wcu} WCU / ${PARTITION_LIMITS.rcu} RCU. ${PARTITION_LIMITS.source}`);
  console.log(`- ${PARTITION_LIMITS.transactionsNote}`);
  console.log(`\n(model ran in ${Date.now() - t0} ms)`);

  const out = {
    ranAt: new Date().toISOString(),
    figures: src,
    profile: p,
    perUserHour: load,
    quotas: SCALES.map((u, i) => ({ users: u, rows: byScale[i].map((r) => ({ key: r.quota.key, limit: r.quota.limit, rate: r.rate, utilisation: r.utilisation })), firstToBreak: first[i].row.quota.key, broken: first[i].broken })),
    hotKeys: hot.map(({ u, h }) => ({ users: u, ...h })),
    bills: SCALES.map((u, i) => ({ users: u, ...bills[i] })),
    storms,
    stormsWithPromptRetries: { promptRetryPerSecond: STORM_PROMPT_RETRY_PER_SECOND, storms: prompted },
  };
  fs.writeFileSync(path.join(dir, 'results', 'scale.json'), `${JSON.stringify(out, null, 2)}\n`);
}

main();

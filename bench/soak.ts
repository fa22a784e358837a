/**
 * `npm run soak` — a bounded soak of the local stack (loopback only). Many clients in friend pairs chat for a few
 * minutes: they send (one message in flight per client, like a chat app's outbox), mark read by frame and by REST,
 * read history, type, ping, reconnect cleanly or drop the socket abruptly — sometimes right after sending, before
 * the ack could arrive — and resend whatever was not acknowledged with the same clientMessageId. Afterwards it
 * checks, through the REST API only:
 *
 *  - every acknowledged message is in BOTH users' histories exactly once, in order (each sender's messages in the
 *    order their acks came), with the content sent; nothing is in a history that was never sent;
 *  - a resend never got a different message than the first ack of that clientMessageId;
 *  - no connection received the same message push twice;
 *  - every unread counter (GET unread/count, the conversation list, GET /api/friends) equals the number of unread
 *    messages it counts (counted from the histories and the unread-only system list).
 *
 * It prints the figures and exits 1 on any violation.
 *
 *   npm run soak                                  own in-memory stack, 150 s, 12 pairs
 *   npm run soak -- --seconds 60 --pairs 20
 *   npm run soak -- --url http://127.0.0.1:3000   a running `npm start` (its dev issuer and event bus)
 *   options: --seconds N  --pairs N  --seed N  --url URL  --bus NAME  --json FILE
 */
import '../test/quiet-sdk';
import * as fs from 'node:fs';
import { formatReport, runSoak, type SoakReport } from './lib/soak-run';
import { remoteTarget, stackTarget } from './lib/soak-target';

// The pieces live in bench/lib/soak-*.ts (issue #11); the integration test imports them from here.
export { formatReport, runSoak, type SoakOptions, type SoakReport } from './lib/soak-run';
export { remoteTarget, stackTarget, type SoakTarget } from './lib/soak-target';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds') ?? 150);
  const pairs = Number(arg('pairs') ?? 12);
  const seed = arg('seed') === undefined ? undefined : Number(arg('seed'));
  if (!(seconds > 0 && seconds <= 3600) || !(pairs >= 1 && pairs <= 500)) throw new Error('--seconds must be 1–3600 and --pairs 1–500');
  const progress = (line: string) => console.error(line);
  let report: SoakReport;
  const url = arg('url');
  if (url) {
    report = await runSoak(remoteTarget(url, arg('bus') ?? 'parley'), { seconds, pairs, seed, progress });
  } else {
    process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
    const { startTestStack } = await import('../test/support/stack');
    progress('soak: starting an in-memory local stack on a free loopback port');
    const stack = await startTestStack({ log: 'error' });
    try {
      report = await runSoak(stackTarget(stack), { seconds, pairs, seed, progress });
    } finally {
      await stack.stop();
    }
  }
  console.log(formatReport(report));
  const json = arg('json');
  if (json) fs.writeFileSync(json, `${JSON.stringify({ ranAt: new Date().toISOString(), ...report }, null, 2)}\n`);
  if (report.violations.length) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

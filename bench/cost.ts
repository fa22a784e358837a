/**
 * `npm run bench:cost` — AWS cost per 1M chat messages and per month for the scenario in bench/prices.json
 * (10k daily users sending 50 messages a day), from the measured call accounting (bench/results/calls.json, written
 * by `npm run bench:calls`; run that first after changing handlers) × the list prices in bench/prices.json.
 * Writes bench/results/cost.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Accounting } from './lib/calls';
import { costModel, imageCostModel, type CostLines, type ImageCostLines, type Prices } from './lib/cost';

const dir = __dirname;
const usd = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);
const lines = (c: CostLines) =>
  `${usd(c.total).padStart(9)}  (DynamoDB ${usd(c.dynamodb)}, API Gateway ${usd(c.apiGateway)}, Lambda ${usd(c.lambda)}, EventBridge ${usd(c.eventBridge)}, logs ${usd(c.logs)})`;

function main(): void {
  const callsFile = path.join(dir, 'results', 'calls.json');
  if (!fs.existsSync(callsFile)) throw new Error('bench/results/calls.json is missing: run `npm run bench:calls` first');
  const calls = JSON.parse(fs.readFileSync(callsFile, 'utf8')) as { ranAt: string; scales: number[]; byScale: Record<string, Accounting> };
  const prices = JSON.parse(fs.readFileSync(path.join(dir, 'prices.json'), 'utf8')) as Prices;
  const largest = String(Math.max(...calls.scales));
  const report = costModel(calls.byScale[largest], prices);

  console.log(`Prices: ${prices.region}, list, checked ${prices.checked} (bench/prices.json). Calls: bench/results/calls.json of ${calls.ranAt} (${largest} other users).`);
  console.log('\naction            RRU    WRU   WS msgs  HTTP  Lambda  GB-s      $ per 1M actions');
  for (const [action, { units: u, usdPerMillion }] of Object.entries(report.perAction)) {
    console.log(
      `${action.padEnd(16)} ${String(u.rru).padStart(5)} ${String(u.wru).padStart(6)} ${String(u.wsMessages).padStart(7)} ${String(u.httpRequests).padStart(5)} ${String(u.lambdaInvocations).padStart(6)}  ${u.lambdaGbSeconds.toFixed(4).padStart(7)} ${lines(usdPerMillion)}`,
    );
  }
  const m = report.month;
  const s = m.scenario;
  console.log(`\nPer 1M chat messages, the sendMessage alone: ${lines(report.perMillionMessages.sendMessageOnly)}`);
  console.log(`Per 1M chat messages, all-in (the scenario's month / its messages):  ${lines(report.perMillionMessages.allInPerMessage)}`);
  console.log(
    `\nA month of ${s.dailyUsers.toLocaleString('en')} daily users x ${s.messagesPerUserPerDay} messages a day x ${s.daysPerMonth} days (${(m.counts.sendMessage / 1e6).toFixed(0)}M messages, ${s.sessionsPerUserPerDay} sessions of ${s.minutesConnectedPerSession} min a day):`,
  );
  console.log(`  ${lines(m.usd)}`);

  const image = imageCostModel(calls.byScale[largest], prices);
  const im = prices.assumptions.imageScenario;
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  const imageLines = (c: ImageCostLines) =>
    `${usd(c.total).padStart(9)}  (DynamoDB ${usd(c.dynamodb)}, API Gateway ${usd(c.apiGateway)}, Lambda ${usd(c.lambda)}, logs ${usd(c.logs)}, S3 requests ${usd(c.s3Requests)}, ` +
    `S3 storage ${usd(c.s3Storage)}, transfer out ${usd(c.dataTransfer)}, CloudFront requests ${usd(c.cdnRequests)})`;
  console.log(
    `\nImage messages (1 attachment: ${kb(image.imageBytes.uploaded)} uploaded, ${kb(image.imageBytes.stored)} stored as image + thumbnail, viewed ${im.viewsPerImageMessage}x, kept ${im.storageMonths} month):`,
  );
  console.log(`Per 1M image messages, S3 presigned URLs (CDN off):      ${imageLines(image.s3Direct.usdPerMillion)}`);
  console.log(`Per 1M image messages, CloudFront (CDN on, ${(im.cdnCacheHitRatio * 100).toFixed(0)}% cache hits): ${imageLines(image.throughCdn.usdPerMillion)}`);
  console.log(`Per 1M text messages (sendMessage alone), for comparison: ${lines(report.perMillionMessages.sendMessageOnly)}`);
  const out = { ranAt: new Date().toISOString(), callsRanAt: calls.ranAt, otherUsers: Number(largest), pricesChecked: prices.checked, ...report, imageMessage: image };
  fs.writeFileSync(path.join(dir, 'results', 'cost.json'), `${JSON.stringify(out, null, 2)}\n`);
}

main();

/**
 * The cost model of `npm run bench:cost` (bench/lib/cost.ts): measured units × the list prices in bench/prices.json.
 * Checked on a sendMessage with round numbers, so each line of the bill can be followed by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NO_S3, type Accounting, type Figures } from '../../bench/lib/calls';
import { costModel, imageCostModel, monthlyCounts, type Prices } from '../../bench/lib/cost';

const prices = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'bench', 'prices.json'), 'utf8')) as Prices;

const figures = (f: Partial<Figures>): Figures => ({ ops: {}, requests: 0, rcu: 0, wcu: 0, wcuIndexes: 0, wruBilled: 0, postToConnection: 0, ...NO_S3, s3: {}, s3Bytes: {}, ...f });
const measured = Object.fromEntries(
  ['connect', 'sendMessage', 'markRead', 'historyPage', 'conversationList', 'unreadCount', 'notify1', 'notify1000', 'disconnect'].map((a) => [a, figures({})]),
) as Accounting;
measured.sendMessage = figures({ rcu: 2, wruBilled: 20, postToConnection: 1 });

it('every price names its source page and date', () => {
  for (const p of Object.values(prices.prices)) {
    expect(p.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    expect(p.asOf).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(p.usd).toBeGreaterThan(0);
  }
});

it('a million sendMessages cost their DynamoDB units, three WebSocket messages each, a Lambda run and its log', () => {
  const { perAction } = costModel(measured, prices);
  const { units, usdPerMillion } = perAction.sendMessage;
  expect(units).toMatchObject({ rru: 2, wru: 20, wsMessages: 3, httpRequests: 0, lambdaInvocations: 1, events: 0 });
  const p = prices.prices;
  // 20 WRU and 2 RRU per message.
  expect(usdPerMillion.dynamodb).toBeCloseTo(20 * p.dynamodbWriteRequestUnit.usd + 2 * p.dynamodbReadRequestUnit.usd, 6);
  // The frame in, the ack out, the push to the recipient.
  expect(usdPerMillion.apiGateway).toBeCloseTo(3 * p.websocketMessage.usd, 6);
  const gbSeconds = (256 / 1024) * (prices.assumptions.lambdaBilledMs.wsSendMessage / 1000);
  expect(usdPerMillion.lambda).toBeCloseTo(p.lambdaRequest.usd + gbSeconds * 1e6 * p.lambdaGbSecondArm.usd, 6);
  expect(usdPerMillion.total).toBeCloseTo(usdPerMillion.dynamodb + usdPerMillion.apiGateway + usdPerMillion.lambda + usdPerMillion.logs, 6);
});

it("the month's messages are daily users x messages a day x days", () => {
  const s = prices.assumptions.scenario;
  const { counts, connectionMinutes } = monthlyCounts(s);
  expect(counts.sendMessage).toBe(s.dailyUsers * s.messagesPerUserPerDay * s.daysPerMonth);
  expect(connectionMinutes).toBe(s.dailyUsers * s.daysPerMonth * s.sessionsPerUserPerDay * s.minutesConnectedPerSession);
});

it('an image message: S3 requests by pricing class, storage of what was stored, transfer of what was viewed (S3 or CloudFront)', () => {
  const m: Accounting = {
    ...measured,
    imageTicket: figures({ wruBilled: 2 }),
    imageUpload: figures({ rcu: 1, wruBilled: 1, postToConnection: 1, s3: { PostObject: 1, GetObject: 1, PutObject: 2, DeleteObject: 1 }, s3Bytes: { PostObject: 2 ** 20, PutObject: 2 ** 29 } }),
    imageSend: figures({ rcu: 1, wruBilled: 22, postToConnection: 1, s3: { DeleteObjectTagging: 2 } }),
    imageView: figures({ s3: { GetObject: 2 }, s3BytesOut: 2 ** 29 }),
  };
  const scenario = { viewsPerImageMessage: 1, cdnCacheHitRatio: 0.5, storageMonths: 1 };
  const pr = { ...prices, assumptions: { ...prices.assumptions, imageScenario: scenario } };
  const { s3Direct, throughCdn } = imageCostModel(m, pr);
  // PUT class: the POST and 2 PutObject; GET class: the processor's read, 2 tag removals, 2 views; DeleteObject free.
  expect(s3Direct.units).toMatchObject({ s3Tier1: 3, s3Tier2: 5, storageGbMonths: 0.5, s3TransferOutGb: 0.5, cdnTransferOutGb: 0, cdnRequests: 0, wsMessages: 4, httpRequests: 1, lambdaInvocations: 3 });
  // Through the CDN: half the views miss and read S3; the transfer is CloudFront's.
  expect(throughCdn.units).toMatchObject({ s3Tier1: 3, s3Tier2: 4, s3TransferOutGb: 0, cdnTransferOutGb: 0.5, cdnRequests: 2 });
  const p = prices.prices;
  expect(s3Direct.usdPerMillion.s3Storage).toBeCloseTo(0.5 * p.s3StorageGbMonth.usd * 1e6, 6);
  expect(s3Direct.usdPerMillion.dataTransfer).toBeCloseTo(0.5 * p.s3DataTransferOutGb.usd * 1e6, 6);
  expect(throughCdn.usdPerMillion.dataTransfer).toBeCloseTo(0.5 * p.cloudFrontDataTransferOutGb.usd * 1e6, 6);
  expect(s3Direct.usdPerMillion.s3Requests).toBeCloseTo(3e3 * p.s3PutCopyPostListRequest.usd + 5e3 * p.s3GetRequest.usd, 6);
});

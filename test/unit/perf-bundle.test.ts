/**
 * Issue #6 bundle budgets, asserted on sizes only (deterministic; import time is measured by `npm run bench:bundle`).
 * Bundled exactly as lib/functions.ts does (esbuild, CJS, node22, minified, mainFields module,main, SDK bundled).
 *  - the project's own code <= 40 KB per handler;
 *  - each bundle <= its SDK floor (a file that only constructs the SDK clients the handler needs) + 60 KB.
 * docs/PERFORMANCE.md section 3 has the figures and what each bundle is made of.
 */
import * as fs from 'node:fs';
import { BUDGET, CDK_VARIANT, bundleAll, type HandlerReport } from '../../bench/lib/bundle';

jest.setTimeout(60000);

let reports: HandlerReport[];
beforeAll(async () => {
  reports = await bundleAll(CDK_VARIANT);
});

it("every handler's own code is at most 40 KB minified", () => {
  const over = reports.filter((r) => r.bundle.own > BUDGET.ownBytes).map((r) => `${r.key}: ${r.bundle.own} B`);
  expect(over).toEqual([]);
});

it('every handler bundle is within its SDK floor + 60 KB', () => {
  const over = reports
    .map((r) => ({ key: r.key, excessKb: (r.bundle.total - r.floor.total) / 1024 }))
    .filter((r) => r.excessKb > BUDGET.overFloorBytes / 1024)
    .map((r) => `${r.key}: ${r.excessKb.toFixed(1)} KB over its floor`);
  expect(over).toEqual([]);
});

it('routes that never create a message carry neither the code that creates them nor an id generator', () => {
  // The REST routes and the markRead frame only read, mark read or delete (lambdas/adapters/dynamo/message-updater.ts).
  const routes = reports.filter((r) => r.entry.startsWith('lambdas/http/') || r.key === 'wsMarkRead');
  expect(routes.map((r) => r.key)).toEqual(expect.arrayContaining(['httpMarkConversationRead', 'httpDeleteMessage', 'httpSystemMarkRead', 'wsMarkRead']));
  // Method names survive minification: appendChat / appendSystem are the message-creating half of the store.
  const carrying = routes
    .filter((r) => r.bundle.byPackage.some(([p]) => p === 'ulid') || /\bappend(Chat|System)\(/.test(fs.readFileSync(r.outfile, 'utf8')))
    .map((r) => r.key);
  expect(carrying).toEqual([]);
  // ...while the handler that sends does carry them (so the check above can see them).
  const send = reports.find((r) => r.key === 'wsSendMessage');
  expect(send?.bundle.byPackage.some(([p]) => p === 'ulid')).toBe(true);
  expect(fs.readFileSync(send?.outfile ?? '', 'utf8')).toMatch(/\bappendChat\(/);
});

it('handlers that never push carry no API Gateway Management API client', () => {
  const readOnly = reports.filter((r) => !r.clients.includes('apigw-management'));
  expect(readOnly.length).toBeGreaterThan(0);
  const carrying = readOnly.filter((r) => r.bundle.byPackage.some(([p]) => p === '@aws-sdk/client-apigatewaymanagementapi')).map((r) => r.key);
  expect(carrying).toEqual([]);
});

it('the AWS SDK is bundled, not left to the runtime', () => {
  const send = reports.find((r) => r.key === 'wsSendMessage');
  expect(send?.bundle.byPackage.map(([p]) => p)).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@smithy/core']));
});

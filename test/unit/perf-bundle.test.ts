/**
 * Issue #6 bundle budgets, asserted on sizes only (deterministic; import time is measured by `npm run bench:bundle`).
 * Bundled exactly as lib/functions.ts does (esbuild, CJS, node22, minified, mainFields module,main, SDK bundled).
 *  - the project's own code <= 40 KB per handler;
 *  - each bundle <= its SDK floor (a file that only constructs the SDK clients the handler needs) + 60 KB.
 * docs/PERFORMANCE.md section 3 has the figures and what each bundle is made of.
 */
import * as fs from 'node:fs';
import { BUDGET, CDK_VARIANT, bundleAll, type HandlerReport } from '../../bench/lib/bundle';

// Bundling all handlers is CPU work: on a busy 2-core machine it can take minutes; sizes don't depend on it.
jest.setTimeout(300_000);

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

it('handlers that never create a message carry neither the code that creates them nor an id generator', () => {
  // Only sendMessage (append chat) and the notification handler (append system) create messages; every other handler
  // gets from lambdas/adapters/container.ts a `messages` port without those access patterns
  // (lambdas/adapters/dynamo/messages/append-chat.ts, append-system.ts).
  const creators = ['wsSendMessage', 'eventsNotify'];
  const others = reports.filter((r) => !creators.includes(r.key));
  expect(others.map((r) => r.key)).toEqual(
    expect.arrayContaining(['httpMarkConversationRead', 'httpDeleteMessage', 'httpSystemMarkRead', 'wsMarkRead', 'wsTyping', 'wsConnect', 'wsDisconnect']),
  );
  // Port method names survive minification (`appendChat:` in the container, `.appendChat(` in the domain), and so do
  // the key prefixes only message creation writes: the clientMessageId claim (CMID#) and the event claim (EVT#).
  const creating = /\bappend(Chat|System)\b|CMID#|EVT#/;
  const carrying = others
    .filter((r) => r.bundle.byPackage.some(([p]) => p === 'ulid') || creating.test(fs.readFileSync(r.outfile, 'utf8')))
    .map((r) => r.key);
  expect(carrying).toEqual([]);
  // ...while the handlers that create do carry them (so the check above can see them).
  const send = reports.find((r) => r.key === 'wsSendMessage');
  expect(send?.bundle.byPackage.some(([p]) => p === 'ulid')).toBe(true);
  const sendCode = fs.readFileSync(send?.outfile ?? '', 'utf8');
  expect(sendCode).toMatch(/\bappendChat\(/);
  expect(sendCode).toContain('CMID#');
  const notify = reports.find((r) => r.key === 'eventsNotify');
  expect(notify?.bundle.byPackage.some(([p]) => p === 'ulid')).toBe(true);
  const notifyCode = fs.readFileSync(notify?.outfile ?? '', 'utf8');
  expect(notifyCode).toMatch(/\bappendSystem\(/);
  expect(notifyCode).toContain('EVT#');
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

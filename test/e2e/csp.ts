/**
 * Serve a browser test's page the way CloudFront does: with the production Content-Security-Policy (lib/csp.ts, the
 * very function lib/web-hosting.ts uses), the local stack standing in for the API, WebSocket and uploads origins.
 * Violations are recorded in the page, so a test can assert there were none.
 */
import type { Page } from 'playwright-core';
import { contentSecurityPolicy } from '../../lib/csp';

/** The production policy with the local stack (one origin for HTTP, S3 and, as ws://, the WebSocket API). */
export function localProductionCsp(stackUrl: string): string {
  const origin = new URL(stackUrl);
  return contentSecurityPolicy({ imgSources: [origin.origin], connectSources: [origin.origin, `ws://${origin.host}`] });
}

/** From now on the page's document comes with `csp`; returns what the page reports as violations so far. */
export async function serveWithCsp(page: Page, csp: string): Promise<() => Promise<string[]>> {
  await page.route(
    (url) => url.pathname === '/',
    async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': csp } });
    },
  );
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

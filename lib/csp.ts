/**
 * The web client's Content-Security-Policy, as CloudFront sends it (lib/web-hosting.ts). A pure function with no CDK
 * import, so the browser tests serve the page under exactly this policy (test/e2e/csp.ts) instead of a copy of it.
 */
export interface CspSources {
  /** Origins images may come from besides the page's own (the uploads bucket, the CDN). */
  imgSources?: string[];
  /** Origins the page may connect to besides its own (the HTTP API, the WebSocket API, the uploads bucket). */
  connectSources: string[];
}

export function contentSecurityPolicy(sources: CspSources): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Vue may set style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    // blob: the composer's previews of images being uploaded (URL.createObjectURL of the user's own files).
    `img-src 'self' data: blob:${(sources.imgSources ?? []).map((o) => ` ${o}`).join('')}`,
    "font-src 'self'",
    `connect-src 'self' ${[...new Set(sources.connectSources)].join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

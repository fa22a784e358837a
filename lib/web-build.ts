/**
 * Building the web client before synthesis, so `npx cdk deploy` from a fresh checkout ships the current client
 * rather than a stale or missing web/dist. Runs `npm run build:web` when package.json has that script and the
 * `buildWeb` context is not false; without the script (or with `-c buildWeb=false`) the existing build is used,
 * or a placeholder page when there is none (lib/web-hosting.ts warns about it).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const WEB_BUILD_SCRIPT = 'build:web';

/** Whether the project at `projectRoot` declares the web build script. */
export function hasWebBuildScript(projectRoot: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    return typeof pkg.scripts?.[WEB_BUILD_SCRIPT] === 'string';
  } catch {
    return false;
  }
}

/**
 * Build the web client if asked to and possible. Output goes to stderr (the CDK CLI reads the app's result from the
 * cloud assembly, not stdout). A failed build fails the synth: deploying a broken client is worse than not deploying.
 */
export function buildWebClient(projectRoot: string, wanted: boolean): 'built' | 'skipped' | 'no-script' {
  if (!wanted) return 'skipped';
  if (!hasWebBuildScript(projectRoot)) return 'no-script';
  process.stderr.write(`parley: npm run ${WEB_BUILD_SCRIPT} (skip with -c buildWeb=false)\n`);
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', WEB_BUILD_SCRIPT], {
    cwd: projectRoot,
    // The production build whatever NODE_ENV the caller has (a CI job's "test" would ship Vue's development build).
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', process.stderr, process.stderr],
  });
  return 'built';
}

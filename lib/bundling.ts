/**
 * How Lambda handlers are bundled, shared by lib/functions.ts (CDK NodejsFunction) and bench/lib/bundle.ts (the
 * bundle benchmark and the size tests), so that what is measured is what is deployed. Plain data: no CDK imports.
 */

/** Prefer ES module builds of dependencies so esbuild can tree-shake the SDK (200 KB less than esbuild's default). */
export const MAIN_FIELDS = ['module', 'main'];

/**
 * The SDK's default credential chain replaced by its environment link alone
 * (lambdas/adapters/credential-provider-env-only.ts says why that is safe on Lambda): 115–132 KB less in every bundle
 * that uses the SDK, and 20–30 % less import time.
 *
 * An esbuild `alias`; esbuild resolves the replacement path from its working directory, which is the project root
 * both for NodejsFunction's local bundling (it runs esbuild with cwd = projectRoot) and for the benchmark
 * (absWorkingDir = repository root).
 */
export const ESBUILD_ALIAS: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './lambdas/adapters/credential-provider-env-only.ts',
};

/** The alias as NodejsFunction `bundling.esbuildArgs` ({ '--alias:<module>': '<path>' }). */
export const aliasEsbuildArgs = (): Record<string, string> =>
  Object.fromEntries(Object.entries(ESBUILD_ALIAS).map(([from, to]) => [`--alias:${from}`, to]));

// One jest run, one project per test layer (`npm test` runs them all; `--selectProjects unit` picks one).
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const base = {
  transform: { '^.+\\.(t|j)s$': swc },
  setupFiles: ['<rootDir>/test/quiet-sdk.ts'],
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], setupFiles: ['<rootDir>/test/quiet-sdk.ts', '<rootDir>/test/unit/env.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      testTimeout: 30000,
    },
    {
      ...base,
      displayName: 'web',
      testMatch: ['<rootDir>/test/web/**/*.test.ts'],
      testEnvironment: 'jsdom',
      // jsdom resolves packages with the "browser" condition, which gives vue-i18n's and @intlify's ESM browser builds; jest
      // needs their CommonJS ones (the same code, with the JIT message compiler).
      moduleNameMapper: {
        '^vue-i18n$': '<rootDir>/node_modules/vue-i18n/dist/vue-i18n.cjs.js',
        '^@intlify/(core-base|message-compiler|shared)$': '<rootDir>/node_modules/@intlify/$1/dist/$1.cjs.js',
      },
    },
    { ...base, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'], testTimeout: 180000 },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      // Caps for a busy 2-core machine (tests wait on conditions; an unloaded run takes a fraction of this).
      testTimeout: 180000,
    },
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  rootDir: '.',
  testMatch: ['**/*.test.ts'],
  // middy 6 ships ESM only: let ts-jest turn it into CommonJS like our own sources.
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }] },
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/setupEnv.js'],
  // The browser tests' Chromium: installed before the run when it can be, else the end of the run says
  // which browser test files were skipped and the command that fixes it (test/support/chromiumSetup.ts).
  globalSetup: '<rootDir>/test/globalSetup.ts',
  globalTeardown: '<rootDir>/test/globalTeardown.ts',
};

/** Jest runs unit specs (next to the code) and end-to-end specs (apps/api/test). */
const { swcOptions } = require('./scripts/swc-options');

const shared = {
  // the path aliases (@kipam/*) come from tsconfig.json through swc
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { ...swcOptions(), swcrc: false }] },
  // ESM-only dependencies are compiled to CommonJS for Jest (Node 20 runs them natively).
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironment: 'node',
};

module.exports = {
  rootDir: __dirname,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/*/src/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/apps/*/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/apps/api/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/apps/api/test/setup/global-teardown.ts',
    },
  ],
  // e2e files start the whole app on their own database; a slow shared machine needs room
  testTimeout: 60000,
  coverageProvider: 'v8',
  collectCoverageFrom: ['libs/cidr/src/**/*.ts', '!**/*.spec.ts', '!**/index.ts'],
  coverageThreshold: { 'libs/cidr/src/': { lines: 95 } },
};

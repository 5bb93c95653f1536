/** Jest runs unit specs (next to the code) and end-to-end specs (apps/api/test). */
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.$schema;

const shared = {
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  // ESM-only dependencies are compiled to CommonJS for Jest (Node 20 runs them natively).
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@kipam/(cidr|allocation|persistence)$': '<rootDir>/libs/$1/src',
    '^@kipam/(cidr|allocation|persistence)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
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

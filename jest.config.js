// One jest run for the whole monorepo: `unit` (pure, no I/O) and `integration`
// (real PostgreSQL + Kafka, started once by the global setup).
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }];
const moduleNameMapper = {
  '^@foodmesh/proto-gen/(.*)$': '<rootDir>/packages/proto-gen/src/gen/$1',
  '^@foodmesh/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
  '^@foodmesh/([a-z-]+)/([a-z-]+)$': '<rootDir>/packages/$1/src/$2.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};
const common = { transform: { '^.+\\.ts$': tsJest }, moduleNameMapper, testEnvironment: 'node' };

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests wait on real brokers and databases; a hung one still fails.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{packages,services}/*/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{packages,services}/*/test/**/*.test.ts'],
      globalSetup: '<rootDir>/packages/local-infra/src/jest-global-setup.ts',
      globalTeardown: '<rootDir>/packages/local-infra/src/jest-global-teardown.ts',
    },
  ],
};

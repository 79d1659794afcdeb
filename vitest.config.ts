import { defineConfig } from 'vitest/config';

// Integration and e2e tests start real processes; they run in separate forks so a crash in one
// file cannot leave another file's children behind, and get generous hook timeouts for teardown.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    // Generous: on a loaded 2-core machine an end-to-end test can take many times its idle 3-40 s (a
    // server-wide DROP DATABASE waits for other backends), and a timeout says nothing about correctness.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two cores: end-to-end files each run whole migrations; two at a time keeps them from starving.
    maxWorkers: 2,
  },
});

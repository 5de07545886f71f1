import { defineConfig } from 'vitest/config';

// Suites for opt-in extras that `npm test` cannot assume are installed (see each file's header).
export default defineConfig({
  test: {
    include: ['test/optional/**/*.test.ts'],
    testTimeout: 120_000,
  },
});

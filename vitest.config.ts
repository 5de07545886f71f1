import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Workspace packages (packages/sdk) from their TypeScript sources, as tsconfig.json's customConditions.
  resolve: { conditions: ['retouch-source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['retouch-source', ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/optional/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start real servers and SQLite files; two forks match the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});

import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const CONDITIONS = ['retouch-source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  // Workspace packages (packages/sdk) from their TypeScript sources, as tsconfig.json's
  // customConditions; otherwise vitest's own defaults (Vite's server conditions without
  // `module`). Vitest also hands these to the test processes as `--conditions`.
  resolve: { conditions: CONDITIONS },
  ssr: { resolve: { conditions: CONDITIONS } },
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

import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source through the `@tokenwatch/source` export
// condition, so tests need no build step.
const conditions = ['@tokenwatch/source'];

// Each test file runs in its own forked process: the embedded ClickHouse engine allows one data
// directory per process, so a process per file gives every file a private store.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'collector/src/**/*.test.ts',
      'analyzer/src/**/*.test.ts',
      'dashboards/test/**/*.test.ts',
      'docker/**/*.test.ts',
    ],
    globalSetup: ['./vitest.global-setup.ts'],
    pool: 'forks',
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

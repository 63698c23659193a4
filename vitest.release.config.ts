import { defineConfig } from 'vitest/config';

// The release test packs the workspace, installs the tarballs with npm into a project outside it
// and runs what a user would run from that install. It is slow (a build and an npm install), so it
// runs on its own (`pnpm test:release`) rather than in the unit suite.
export default defineConfig({
  test: {
    include: ['packages/cli/test-release/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/core', 'apps/collector', 'apps/bridge', 'apps/api', 'apps/api/vitest.node.config.ts', 'scripts'],
  },
});

import { defineProject } from 'vitest/config';

/**
 * Node-side tests of the Worker as deployed: wrangler runs it in workerd (testkit's
 * `startApiWorker`) in front of a real Redis, the bridge and the collector, which a test can
 * then take down. Slow (workerd, real processes), hence the generous timeouts.
 */
export default defineProject({
  test: { name: 'api-node', include: ['test/node/**/*.test.ts', 'test/stream/**/*.test.ts', 'test/browser/**/*.test.ts'], globalSetup: ['./test/browser/build-dashboard.ts'], testTimeout: 90_000, hookTimeout: 90_000 },
});

import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { configDefaults, defineProject } from 'vitest/config';

/**
 * The api suite runs inside workerd, configured from the root wrangler.toml. The Node-side
 * global setup starts Redis, the bridge and the collector first; their addresses become
 * the Worker's bindings here.
 */
export default defineProject({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: '../../wrangler.toml' },
      miniflare: {
        bindings: {
          UPSTASH_REDIS_REST_URL: inject('bridgeUrl'),
          UPSTASH_REDIS_REST_TOKEN: inject('bridgeToken'),
          REDIS_PREFIX: inject('prefix'),
          API_AUTH: 'required',
        },
      },
    })),
  ],
  test: {
    name: 'api',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Node-side tests (they drive workerd from outside, the stream and browser ones too): the api-node project, vitest.node.config.ts.
    exclude: [...configDefaults.exclude, 'test/node/**', 'test/stream/**', 'test/browser/**'],
    globalSetup: ['./test/node/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'core', setupFiles: ['../testkit/src/fast-check.setup.ts'], include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});

import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startPrivateRedis } from '@marketpipe/testkit';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** One private redis-server for the whole collector suite; each test file uses its own prefix. */
export default async function setup(project: TestProject) {
  const redis = await startPrivateRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}

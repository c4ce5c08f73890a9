import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPrivateRedis, type PrivateRedis } from '@marketpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture } from './demo-children';
import { demoApiKey, type MarketpipeCli } from './demo-key';

const BIN = resolve(import.meta.dirname, '../apps/collector/bin/marketpipe.js');

describe('the demo API key', () => {
  let redis: PrivateRedis;
  let dir: string;
  let marketpipe: MarketpipeCli;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    dir = await mkdtemp(join(tmpdir(), 'demo-key-'));
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', REDIS_URL: redis.url, REDIS_PREFIX: 'demo-key-test:' };
    marketpipe = (args) => capture(process.execPath, [BIN, ...args], env);
  });
  afterAll(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const activeDemoKeys = async () =>
    (await marketpipe(['keys', 'list'])).stdout.split('\n').filter((l) => l.startsWith('demo\t') && l.includes('\tactive\t'));

  it('is created once, reused across restarts, and replaced once revoked', async () => {
    const file = join(dir, 'demo.key');
    const first = await demoApiKey(file, marketpipe);
    expect(first.created).toBe(true);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.key);

    const again = await demoApiKey(file, marketpipe);
    expect(again, 'a restart reuses the saved key').toEqual({ key: first.key, created: false });
    expect(await activeDemoKeys()).toHaveLength(1);

    expect((await marketpipe(['keys', 'revoke', '--name', 'demo'])).code).toBe(0);
    const replaced = await demoApiKey(file, marketpipe);
    expect(replaced.created).toBe(true);
    expect(replaced.key).not.toBe(first.key);
    expect((await readFile(file, 'utf8')).trim()).toBe(replaced.key);
    expect(await activeDemoKeys()).toHaveLength(1);
  });
});

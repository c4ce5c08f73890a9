import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { describe, expect, inject, it } from 'vitest';
import { writeDemoEnv } from '../../src/cli/demo-env';
import { runBin } from './run-bin';

describe('keys while the demo runs', () => {
  it('writes to the demo’s Redis (data/demo.env) when REDIS_URL is unset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marketpipe-demo-'));
    mkdirSync(join(dir, 'data'));
    const prefix = `test:demo:${randomBytes(4).toString('hex')}:`;
    // this test process stands in for the running demo: the file names its pid
    await writeDemoEnv(dir, inject('redisUrl'), prefix);

    const created = await runBin(['keys', 'create', '--name', 'x'], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain(`using the demo's Redis at ${inject('redisUrl')}`);
    const redis = createClient({ url: inject('redisUrl') });
    await redis.connect();
    try {
      const hash = createHash('sha256').update(created.stdout.trim()).digest('hex');
      expect(JSON.parse((await redis.hGet(`${prefix}apikeys`, hash))!)).toMatchObject({ name: 'x', revoked: false });
    } finally {
      await redis.close();
    }
  });
});
